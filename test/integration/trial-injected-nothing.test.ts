import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrialOutcome } from '../../main/trials/index.js';
import type { SensitivityWhatIfView } from '../../shared/api-sensitivity.js';
import { runCli } from '../helpers/cli.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-trial-injected-nothing-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

/**
 * mix-shift reports every record of a clean run as new: on a history of first loads only, every
 * record already is, and the "injected" run was a clean one. It was counted as an anomaly missed.
 */
describe('gatehouse trial whose run-level injection changes nothing', () => {
  it('records mix-shift on a history of first loads as not judged, with why, in neither rate, and still judges the others', () => {
    const source = path.join(folder, 'first-loads.db');
    for (let day = 0; day < 4; day++) expect(runCli(['update', '--db', source, '--source', `synthetic:seed=1,count=20,offset=${day * 20}`]).code).toBe(0);
    const trial = runCli(['trial', '--db', source, '--staging', path.join(folder, 'staging.db'), '--inject', 'mix-shift', '--inject', 'spike', '--control', '1', '--json']);
    expect(trial.code, trial.stderr).toBe(0);
    const outcome = JSON.parse(trial.stdout) as TrialOutcome;
    const mixShift = outcome.trials.find((t) => t.kind === 'mix-shift')!;
    expect(mixShift).toMatchObject({ runId: null, caught: false, verdict: 'not judged', notJudged: expect.stringMatching(/^not judged: mix-shift:1 injected nothing — a clean run on staging brings 20 records \(20 new, 0 updated, 0 unchanged, 0 quarantined\), and the injection leaves it as it is; no run was made$/) });
    expect(outcome.trials.find((t) => t.kind === 'spike')).toMatchObject({ runId: expect.any(Number), notJudged: null });
    expect(outcome.summary).toMatchObject({ injected: 1, notJudged: 1 });
    expect(outcome.summary.byKind.find((k) => k.kind === 'mix-shift')).toMatchObject({ trials: 0, notJudged: 1 });
    expect(outcome.summary.notJudgedCauses).toEqual({ runEnded: 0, injectedNothing: 1 });
    // The totals say why it was not judged: no run of it ended before a verdict, as they said.
    const text = runCli(['trial', '--db', source, '--staging', path.join(folder, 'staging.db'), '--inject', 'mix-shift', '--control', '1']);
    expect(text.stdout).toContain('; 1 not judged (injection changed nothing, so no run was made; in neither rate)\n');
    expect(text.stdout).not.toContain('before a verdict');
    const report = runCli(['report', 'trial', '--db', path.join(folder, 'staging.db')]);
    expect(report.stdout).toContain('2 not judged (injection changed nothing, so no run was made; in neither rate)**');
    expect(report.stdout).toContain('Injections that changed nothing on their day');
    expect(report.stdout).not.toContain('before a verdict');
  }, 120_000);

  it('counts the injection that changed nothing in the Sensitivity what-if as not judged, saying why as the ledger does, never as a run ended before a verdict', () => {
    const source = path.join(folder, 'what-if.db');
    const staging = path.join(folder, 'what-if.staging.db');
    for (let day = 0; day < 4; day++) expect(runCli(['update', '--db', source, '--source', `synthetic:seed=1,count=20,offset=${day * 20}`]).code).toBe(0);
    expect(runCli(['tasks', 'add', 'daily', '--cron', '0 6 * * *', '--source', 'synthetic:seed=1,count=20', '--db', source]).code).toBe(0);
    expect(runCli(['trial', '--db', source, '--staging', staging, '--inject', 'mix-shift', '--inject', 'spike', '--control', '1']).code).toBe(0);
    const tune = ['validate', 'tune', '--db', source, '--task', 'daily', '--metric', 'fetched', '--sensitivity', 'high', '--dry-run', '--staging', staging];
    const json = JSON.parse(runCli([...tune, '--json']).stdout) as SensitivityWhatIfView;
    expect(json.report.trials.find((t) => t.kind === 'mix-shift')).toEqual({ kind: 'mix-shift', cases: 0, caughtBefore: 0, caughtAfter: 0, notJudged: 1 });
    expect(json.trialCasesLeftOut).toEqual({ runGone: 0, runGoneSessions: 0, otherTasks: 0, notJudgedCauses: { runEnded: 0, injectedNothing: 1 } });
    const text = runCli(tune);
    expect(text.stdout).toContain('2 stored trial cases judged (run as task daily or as no task); left out: 1 not judged (injection changed nothing, so no run was made; in no rate, as `gatehouse report trial` counts them)\n');
    expect(text.stdout).not.toContain('before a verdict');
  }, 120_000);

  it('records every run-level kind as injecting nothing on a day whose clean run brings no records — a slow source of nothing as a spike of nothing — never running it as a miss', () => {
    const source = path.join(folder, 'gone-quiet.db');
    // A feed that brought records once and has brought none since: the days a trial runs on have clean runs of nothing.
    expect(runCli(['update', '--db', source, '--source', 'synthetic:seed=1,count=50']).code).toBe(0);
    for (let day = 0; day < 7; day++) expect(runCli(['update', '--db', source, '--source', 'synthetic:seed=1,count=0']).code).toBe(0);
    const trial = runCli(['trial', '--db', source, '--staging', path.join(folder, 'gone-quiet.staging.db'), '--inject', 'duration-blowup', '--inject', 'spike', '--control', '1', '--json']);
    expect(trial.code, trial.stderr).toBe(0);
    const outcome = JSON.parse(trial.stdout) as TrialOutcome;
    for (const label of ['duration-blowup:5', 'spike:4']) {
      expect(outcome.trials.find((t) => t.label === label)).toMatchObject({
        runId: null, caught: false, verdict: 'not judged',
        notJudged: `not judged: ${label} injected nothing — a clean run on staging brings no records, and a run-level anomaly scales what a clean run brings (here: nothing); no run was made`,
      });
    }
    expect(outcome.summary).toMatchObject({ injected: 0, notJudged: 2, notJudgedCauses: { runEnded: 0, injectedNothing: 2 } });
  }, 120_000);
});
