import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/run.js';
import { printed, startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, isDetailRequest, startFakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A detail that stalls after its headers timed out after 30 s, five times over, with nothing on
 * stderr: only waits of 10 s or more were said, and the backoffs between these attempts are 1–8 s.
 * An operator watching the terminal took the run for hung. Each retry is now one line.
 */
describe('an update whose Congress.gov detail stalls after its headers', () => {
  it.each([['text', []], ['--json', ['--json']]])('says each retry on stderr (%s), and stdout keeps only its summary', async (_mode, flags) => {
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    const server = await startFakeCongress({ house: [hearingRecord(771201, { updateDate: recent })] });
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-retry-said-'));
    let stalls = 0;
    // The first detail request stalls half-way through its body; the retry is answered.
    server.override = (request) => (isDetailRequest(request) && stalls++ === 0 ? { stall: true } : undefined);
    try {
      const update = startCli(['update', '--db', path.join(folder, 'gatehouse.db'), '--source', `congress:${server.baseUrl}`, '--no-snapshot', ...flags], { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY });
      const [line] = await printed(update, /gatehouse: warning: GET \/v3\/committee-meeting\/\d+\/house\/771201\?format=json timed out after 30000 ms; waiting 1 s before attempt 2 of 5\n/);
      expect(line).not.toContain(FAKE_API_KEY);
      const done = await update.done;
      expect(done.code, done.stderr).toBe(0);
      if (flags.length > 0) expect((JSON.parse(done.stdout) as RunSummary).metrics).toMatchObject({ fetched: 1, added: 1 });
      expect(done.stdout).not.toContain('timed out');
    } finally {
      await server.close();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
