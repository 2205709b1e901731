import { describe, expect, it } from 'vitest';
import { validationGateCriteria } from '../../main/reports/index.js';
import { trialDocument } from '../../main/reports/monitoring.js';
import { summariseTrials } from '../../main/trials/index.js';
import { injectedNothingReason, runEndedReason } from '../../shared/api-validation.js';

const judgedWith = { task: null, sensitivityVersion: null };
const interrupted = runEndedReason({ runId: 7, status: 'interrupted', error: 'the source stopped answering' });
const nothing = injectedNothingReason('mix-shift:1', 'a clean run on staging brings 20 records (20 new, 0 updated, 0 unchanged, 0 quarantined), and the injection leaves it as it is');
const trials = [
  { kind: 'control', level: 'control' as const, magnitude: null, caught: false, caughtBy: [], notJudged: null, ...judgedWith },
  { kind: 'control', level: 'control' as const, magnitude: null, caught: false, caughtBy: [], notJudged: interrupted, ...judgedWith },
  { kind: 'spike', level: 'run' as const, magnitude: 4, caught: true, caughtBy: ['validator:volume-high'], notJudged: null, ...judgedWith },
  { kind: 'spike', level: 'run' as const, magnitude: 4, caught: false, caughtBy: [], notJudged: interrupted, ...judgedWith },
  { kind: 'mix-shift', level: 'run' as const, magnitude: 1, caught: false, caughtBy: [], notJudged: nothing, ...judgedWith },
  { kind: 'mix-shift', level: 'run' as const, magnitude: 1, caught: false, caughtBy: [], notJudged: nothing, ...judgedWith },
];

describe('trials not judged, totalled by why', () => {
  it('counts runs ended before a verdict apart from injections that changed nothing, and each total says which', () => {
    const summary = summariseTrials(trials);
    expect(summary).toMatchObject({ trials: 6, notJudged: 4, notJudgedCauses: { runEnded: 2, injectedNothing: 2 } });
    expect(Object.keys(summary).slice(-2)).toEqual(['notJudgedCauses', 'scoredOnLastRunOnly']);

    const measured = { trials: 6, anomaliesInjected: 1, anomaliesDetected: 1, cleanRuns: 1, falsePositives: 0, notJudged: 4, controlsNotJudged: 1, notJudgedCauses: summary.notJudgedCauses, rows: [] };
    const document = trialDocument(measured, { since: null, until: '2026-12-06T00:00:00.000Z' }, '2026-12-06T00:00:00.000Z');
    expect(document.headline).toContain('; 4 not judged (2 runs interrupted or failed before a verdict and 2 injections changed nothing, so no run was made; in neither rate)');

    const [, detection, , falsePositives] = validationGateCriteria([], measured);
    expect(detection!.note).toContain('; 3 injections not judged, left out (1 run interrupted or failed before a verdict and 2 injections changed nothing, so no run was made)');
    expect(falsePositives!.note).toContain('; 1 control not judged, left out (run interrupted or failed before a verdict)');
  });
});
