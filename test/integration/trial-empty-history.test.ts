import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-trial-empty-history-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

/**
 * A trial on a database whose history is one run (an update that found nothing): it runs, judged by
 * the static rules only, and says how much history it had in words that agree with the count.
 */
describe('gatehouse trial on a database with a single run of history', () => {
  it('runs the trial and says "1 run of history", not "1 runs"', () => {
    const source = path.join(folder, 'gatehouse.db');
    expect(runCli(['update', '--db', source, '--source', 'synthetic:seed=1,count=0', '--json']).code).toBe(0);
    const trial = runCli(['trial', '--db', source, '--staging', path.join(folder, 'staging.db'), '--inject', 'spike', '--control', '1']);
    expect(trial.code, trial.stderr).toBe(0);
    expect(trial.stdout).toContain(`copy of ${source}, 1 run of history\n`);
    expect(trial.stdout).toContain('note: staging holds 1 run of history; the seasonal validator needs 21');
  }, 120_000);
});
