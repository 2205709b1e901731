import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printed, startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * `gatehouse tasks run` and `gatehouse scheduler` take the source options `update` and `serve` take,
 * so scheduled runs can use a key file and a wait budget: real CLI processes against a fake Congress.gov.
 */
const folder = tempFolderEachTest('gh-task-source-options-');

let fake: FakeCongress | null = null;
let started: ReturnType<typeof startCli> | null = null;
afterEach(async () => {
  started?.child.kill('SIGTERM');
  await started?.done;
  started = null;
  await fake?.close();
  fake = null;
});

/** The environment without a key: only the file can supply it (the fake refuses any other key with 403). */
function withoutKey(): Record<string, string> {
  const { GATEHOUSE_CONGRESS_API_KEY: _unset, ...env } = process.env;
  return env as Record<string, string>;
}

/** A database with task `hr` on the fake, whose second meeting is refused with a Retry-After of 5 s, and a key file. */
async function taskOnFake(): Promise<{ db: string; keyFile: string }> {
  const recent = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  fake = await startFakeCongress({ house: [hearingRecord(270001, { updateDate: recent, congress: 119 }), hearingRecord(270002, { updateDate: recent, congress: 119 })] });
  fake.override = (request) => (request.path.endsWith('/270002') ? { status: 429, headers: { 'retry-after': '5' } } : undefined);
  const db = path.join(folder(), 'tasks.db');
  const keyFile = path.join(folder(), 'congress.key');
  fs.writeFileSync(keyFile, `${FAKE_API_KEY}\n`);
  const added = await startCli(['tasks', 'add', 'hr', '--db', db, '--cron', '0 6 * * *', '--source', `congress:${fake.baseUrl}`]).done;
  expect(added.code, added.stderr).toBe(0);
  return { db, keyFile };
}

describe('source options for task runs', () => {
  it('tasks run uses the key from --congress-key-file and the wait budget of --congress-max-wait', async () => {
    const { db, keyFile } = await taskOnFake();
    started = startCli(['tasks', 'run', 'hr', '--db', db, '--json', '--congress-key-file', keyFile, '--congress-max-wait', '0'], withoutKey());
    const { code, stdout, stderr } = await started.done;
    expect(stderr).not.toContain('unknown option');
    const summary = JSON.parse(stdout) as { status: string; error: string | null; metrics: { added: number } };
    expect(summary.metrics.added).toBe(1);
    expect(summary.status).toBe('interrupted');
    expect(summary.error).toMatch(/HTTP 429\); stopped after 1 attempt: waiting 5 s would pass the 0 s one request may wait/);
    expect(code).not.toBe(2);
  });

  it('the scheduler names the key file and the wait budget (never the key) as it starts, and refuses a key file it cannot use', async () => {
    const { db, keyFile } = await taskOnFake();
    started = startCli(['scheduler', '--db', db, '--congress-key-file', keyFile, '--congress-max-wait', '30'], withoutKey());
    await printed(started, new RegExp(`congress: runs use the API key from ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; a request waits at most 30 s between its attempts before the run stops`));
    started.child.kill('SIGTERM');
    const { stderr } = await started.done;
    expect(stderr).not.toContain(FAKE_API_KEY);

    const empty = path.join(folder(), 'empty.key');
    fs.writeFileSync(empty, '\n');
    for (const command of [['scheduler', '--once'], ['tasks', 'run', 'hr']]) {
      const refused = await startCli([...command, '--db', db, '--congress-key-file', empty]).done;
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`--congress-key-file ${empty} is empty: it should hold the Congress.gov API key`);
    }
  });
});
