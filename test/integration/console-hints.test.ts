import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../main/api/index.js';
import type { ApiResult } from '../../shared/api.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { dispatchedPerTest } from '../helpers/console-http.js';
import { consoleTrialRefusal } from '../helpers/trial-staging.js';

/** A command-line option (`--canary-task`, `--staging`): words the console has no place to type. */
const OPTION = /(^|\s)--[a-z]/;

function refusal(result: ApiResult<unknown>): { code: string; message: string; hint?: string } {
  expect(result.ok).toBe(false);
  return (result as { ok: false; error: { code: string; message: string; hint?: string } }).error;
}

/**
 * Refusals the console and API callers got in command-line words ("needs --canary-task NAME",
 * "needs --reason-kind", "check --db and --staging are not swapped"): one message for every
 * surface, the next step worded for each — the command line keeps its options.
 */
describe.each(testBackends())('refusals the console reads in its own words ($name)', (backend) => {
  const opened = dispatchedPerTest(backend);

  it('asks the console for a canary task, and the command line for --canary-task', async () => {
    const error = refusal(await dispatch(opened.api, 'rollouts.start', { name: 'no canary task', flagChanges: [{ flag: 'ADAPTIVE_BATCHES', value: false }], reason: 'try it' }, tester));
    expect(error).toEqual({ code: 'USAGE', message: 'a rollout with a canary stage needs a canary task', hint: 'choose its Canary task; with no scheduled task yet, add one in Settings first, or leave the canary stage out' });

    const cli = runCli(['rollout', 'start', '--flag', 'ADAPTIVE_BATCHES=false', '--reason', 'try it', '--db', opened.location]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('a rollout with a canary stage needs a canary task');
    expect(cli.stderr).toContain('hint: name the scheduled task it runs as: --canary-task NAME');
  });

  it('asks the console why an anomaly was expected, and the command line for --reason-kind', async () => {
    const expected = refusal(await dispatch(opened.api, 'anomalies.mark', { runId: 1, as: 'expected', reason: 'the weekly digest' }, tester));
    expect(expected).toEqual({ code: 'USAGE', message: 'an expected anomaly needs a reason kind: weekly | monthly | seasonal | known-event', hint: 'choose why it was expected (reasonKind)' });
    const confirmed = refusal(await dispatch(opened.api, 'anomalies.markMany', { runIds: [1], as: 'confirmed', reasonKind: 'weekly', reason: 'a real fault' }, tester));
    expect(confirmed).toEqual({ code: 'USAGE', message: 'a reason kind applies to expected anomalies only', hint: 'leave reasonKind out to mark it confirmed' });
    for (const error of [expected, confirmed]) expect(`${error.message} ${error.hint}`).not.toMatch(OPTION);

    const cli = runCli(['anomalies', 'mark', '--run', '1', '--as', 'expected', '--reason', 'the weekly digest', '--db', opened.location]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('hint: pass --reason-kind KIND');
  });
});

/** The console's Staging target is a file path on SQLite (a schema name on PostgreSQL, refused by the same check). */
describe('a trial into a real database, as the console and the command line read it (sqlite)', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-console-hints-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('tells the console to give a Staging target that is not a real database, and the command line to check --db and --staging', async () => {
    const source = path.join(folder, 'console.db');
    const production = path.join(folder, 'production.db');
    for (const location of [source, production]) expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5']).code).toBe(0);
    const error = await consoleTrialRefusal(source, production);
    expect(error?.message).toContain('it is not a staging copy');
    expect(error?.hint).toBe('give a Staging target that is not a real database; a staging copy made before copies were marked as such must be removed first');

    const cli = runCli(['trial', '--db', source, '--staging', production, '--control', '1']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('hint: check --db and --staging are not swapped');
  });

  it('tells the console to give a busy staging target\'s trial its own Staging target, and the command line its own --staging', async () => {
    const source = path.join(folder, 'busy-source.db');
    const staging = path.join(folder, 'busy-staging.db');
    expect(runCli(['update', '--db', source, '--source', 'synthetic:seed=2,count=5']).code).toBe(0);
    // Another trial holds the target: this (live) process, as a trial's lock file names its holder.
    fs.writeFileSync(`${staging}.trial-lock`, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), operator: 'Bo' }));
    expect(await consoleTrialRefusal(source, staging)).toMatchObject({ message: expect.stringContaining('is in use by another trial started by Bo'), hint: 'wait for it to finish, or give this trial its own Staging target' });

    const cli = runCli(['trial', '--db', source, '--staging', staging, '--control', '1']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('hint: wait for it to finish, or give this trial its own --staging target');
  });
});
