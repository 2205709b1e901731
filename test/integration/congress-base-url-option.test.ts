import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { runCli, startCli, printed } from '../helpers/cli.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * `--congress-base-url`: where `congress:` sources that name no URL are read from (a mirror, a proxy,
 * a test server), given to `update`, `tasks run`, `scheduler` and `serve` through the one parser they share.
 */

const IDS = [290001, 290002, 290003];
const env = { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY };
let fake: FakeCongress;
const folder = tempFolderEachTest('gatehouse-base-url-');

beforeAll(async () => {
  const recent = new Date(Date.now() - 3_600_000).toISOString();
  fake = await startFakeCongress({ house: IDS.map((id) => hearingRecord(id, { updateDate: recent })) });
});
afterAll(() => fake.close());

describe('--congress-base-url', () => {
  it('reads `congress:` from the URL given for `update`, recording the run under the spec\'s own source', async () => {
    const db = path.join(folder(), 'g.db');
    const { code, stdout, stderr } = await startCli(['update', '--db', db, '--source', 'congress:', '--congress-base-url', `${fake.baseUrl}/`, '--json'], env).done;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'success', source: 'congress:https://api.congress.gov/v3', metrics: { fetched: 3, added: 3 } });
    expect(fake.requests.some((request) => request.path === '/v3/committee-meeting/119/house')).toBe(true);
  });

  it('reads a task\'s `congress:` from it for `tasks run`', async () => {
    const db = path.join(folder(), 'g.db');
    expect(runCli(['tasks', 'add', 'house-feed', '--db', db, '--cron', '0 6 * * *', '--source', 'congress:']).code).toBe(0);
    const { code, stdout } = await startCli(['tasks', 'run', 'house-feed', '--db', db, '--congress-base-url', fake.baseUrl, '--json'], env).done;

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'success', metrics: { fetched: 3, added: 3 } });
  });

  it('is said in the congress line `serve` prints at startup', async () => {
    const cli = startCli(['serve', '--db', path.join(folder(), 'g.db'), '--congress-base-url', fake.baseUrl], env);
    try {
      const [line] = await printed(cli, /congress: runs use [^\n]*\n/);
      expect(line).toContain(`and read \`congress:\` from ${fake.baseUrl};`);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.done;
    }
  });

  it.each([
    ['not-a-url', /--congress-base-url "not-a-url" is not a URL: give an http\(s\) URL/],
    ['ftp://mirror.example/v3', /--congress-base-url "ftp:\/\/mirror\.example\/v3" must be http or https, not ftp/],
    ['https://mirror.example/v3?api_key=x', /--congress-base-url .* takes no query, fragment or credentials/],
  ])('refuses %s with a usage error, for update and scheduler alike', (url, message) => {
    const db = path.join(folder(), 'g.db');
    for (const args of [['update', '--db', db, '--source', 'congress:'], ['scheduler', '--db', db, '--once']]) {
      const { code, stderr } = runCli([...args, '--congress-base-url', url], { env });
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});
