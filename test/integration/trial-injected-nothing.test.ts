import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrialOutcome } from '../../main/trials/index.js';
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
  }, 120_000);
});
