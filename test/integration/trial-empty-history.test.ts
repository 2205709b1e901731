import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../main/store/index.js';
import { runCli } from '../helpers/cli.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-trial-empty-history-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

async function ledgerSize(staging: string): Promise<number> {
  const store = await openStore(staging);
  try {
    return (await store.trials.list()).length;
  } finally {
    await store.close();
  }
}

/**
 * A trial on a database whose history is one run (an update that found nothing): it runs, judged by
 * the static rules only, and says how much history it had in words that agree with the count.
 */
describe('gatehouse trial on a database with a single run of history', () => {
  it('runs the trial and says "1 run of history", not "1 runs"', () => {
    const source = path.join(folder, 'gatehouse.db');
    expect(runCli(['update', '--db', source, '--source', 'synthetic:seed=1,count=0', '--json']).code).toBe(0);
    const trial = runCli(['trial', '--db', source, '--staging', path.join(folder, 'staging.db'), '--inject', 'bad-date', '--control', '1']);
    expect(trial.code, trial.stderr).toBe(0);
    expect(trial.stdout).toContain(`copy of ${source}, 1 run of history\n`);
    expect(trial.stdout).toContain('note: staging holds 1 run of history; the seasonal validator needs 21');
  }, 120_000);

  it('refuses a run-level injection there, which would inject nothing and count as missed, and records no trial', async () => {
    const source = path.join(folder, 'empty-feed.db');
    expect(runCli(['update', '--db', source, '--source', 'synthetic:seed=1,count=0', '--json']).code).toBe(0);
    const staging = path.join(folder, 'empty-feed.staging.db');
    const trial = runCli(['trial', '--db', source, '--staging', staging, '--inject', 'spike', '--inject', 'bad-date', '--control', '1', '--json']);
    expect(trial.code, trial.stdout).toBe(2);
    expect(trial.stderr).toContain('spike:4 would inject nothing: staging holds 1 run that fetched no records');
    expect(trial.stderr).toContain('--seed-history DAYS');
    expect(await ledgerSize(staging)).toBe(0);

    // A database with no runs at all is refused alike; with a seeded history the same trial runs.
    const empty = path.join(folder, 'no-runs.db');
    await (await openStore(empty)).close();
    const none = runCli(['trial', '--db', empty, '--staging', path.join(folder, 'no-runs.staging.db'), '--inject', 'drop']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('drop:0.1 would inject nothing: staging holds no runs');
  }, 120_000);
});
