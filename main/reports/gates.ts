import { counted, formatCount } from '../../shared/plural.js';
import type { ReportedRun } from '../store/index.js';
import { overallStatus, percent, type Criterion, type ReportDocument } from './document.js';
import { finished, msPerRecord, overheadPercent, recordsLost } from './measure.js';
import { caughtOf, flaggedOf, notJudgedCausesOf, notJudgedInRate } from './monitoring.js';
import type { NotJudgedCounts } from '../../shared/api-validation.js';
import type { TrialMeasurements } from './trials.js';

/** The old plan's validation gate, each criterion computed from what was stored. */
export const GATE_TARGETS = { batchSuccessRate: 95, detectionRate: 90, overheadPercent: 10, falsePositiveRate: 5 } as const;

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : (numerator / denominator) * 100;
}

function atLeast(name: string, target: number, value: number | null, note?: string): Criterion {
  return { name, target: `≥ ${target} %`, actual: percent(value), status: value === null ? 'no data' : value >= target ? 'pass' : 'fail', ...(note ? { note } : {}) };
}

function below(name: string, target: number, value: number | null, note?: string): Criterion {
  return { name, target: `< ${target} %`, actual: percent(value), status: value === null ? 'no data' : value < target ? 'pass' : 'fail', ...(note ? { note } : {}) };
}

/** A gate's trial figures that add up trials judged with more than one task's settings say so. */
/** The injections not judged, by why: a control injects nothing, so every injection that changed nothing is one of them. */
function injectionsNotJudged(trials: TrialMeasurements): NotJudgedCounts {
  const { injectedNothing } = notJudgedCausesOf(trials);
  return { runEnded: trials.notJudged - trials.controlsNotJudged - injectedNothing, injectedNothing };
}

const mixed = (trials: TrialMeasurements): string => (trials.mixedSettings ? ` (${trials.mixedSettings})` : '');

export function validationGateCriteria(runs: ReportedRun[], trials: TrialMeasurements | null): Criterion[] {
  const done = finished(runs);
  const batchRuns = done.filter((run) => run.mode === 'batch');
  // The gate judges the engine: a batch it committed that support rolled back since (a bad feed, say) is
  // neither a success nor an engine failure, so it is left out of both sides and the note says how many.
  const rolledBack = batchRuns.reduce((sum, run) => sum + (run.batches.rolledBack ?? 0), 0);
  const batches = batchRuns.reduce((sum, run) => sum + run.batches.total, 0) - rolledBack;
  const committed = batchRuns.reduce((sum, run) => sum + run.batches.succeeded, 0);
  const overhead = overheadPercent(msPerRecord(batchRuns), msPerRecord(done.filter((run) => run.mode === 'all-or-nothing')));
  const lost = done.reduce((sum, run) => sum + recordsLost(run), 0);
  const noTrials = 'no trial data yet';
  return [
    atLeast('Batch success rate', GATE_TARGETS.batchSuccessRate, ratio(committed, batches), batches === 0 ? `no batches in the period${rolledBack ? ` but ${counted(rolledBack, 'batch', 'batches')} rolled back since` : ''}` : `${formatCount(committed)} of ${counted(batches, 'batch', 'batches')} committed${rolledBack ? ` (${counted(rolledBack, 'batch', 'batches')} rolled back since not counted)` : ''}`),
    atLeast('Anomaly detection rate', GATE_TARGETS.detectionRate, trials ? ratio(trials.anomaliesDetected, trials.anomaliesInjected) : null, trials ? `${caughtOf(trials)}${notJudgedInRate(injectionsNotJudged(trials), 'injection')}${mixed(trials)}` : noTrials),
    below('Batch processing overhead', GATE_TARGETS.overheadPercent, overhead, overhead === null ? 'needs runs in both batch and all-or-nothing mode' : 'time per record, batch mode against the all-or-nothing baseline'),
    below('False positive rate', GATE_TARGETS.falsePositiveRate, trials ? ratio(trials.falsePositives, trials.cleanRuns) : null, trials ? `${flaggedOf(trials)}${notJudgedInRate({ runEnded: trials.controlsNotJudged, injectedNothing: 0 }, 'control')}${mixed(trials)}` : noTrials),
    {
      name: 'Zero data loss',
      target: '0 records lost',
      actual: done.length === 0 ? 'no data' : String(lost),
      status: done.length === 0 ? 'no data' : lost === 0 ? 'pass' : 'fail',
      note: done.length === 0 ? 'no finished runs in the period' : dataLossNote(done),
    },
  ];
}

/**
 * The sums behind "Zero data loss", in the formula recordsLost checks run by run: rolled back is what
 * an all-or-nothing run undid when its batch rules failed (its added and updated are then 0). A batch
 * an operator rolled back later stays counted as the run wrote it.
 */
function dataLossNote(done: ReportedRun[]): string {
  const sum = (key: string) => done.reduce((total, run) => total + (run.metrics[key] ?? 0), 0);
  const parts = (['added', 'updated', 'unchanged', 'quarantined', 'rolledBack'] as const).map((key) => `${sum(key)} ${key === 'rolledBack' ? 'rolled back' : key}`).join(' + ');
  const losing = done.filter((run) => recordsLost(run) > 0);
  const over = `over ${counted(done.length, 'finished run')}`;
  if (losing.length === 0) return `${over}: ${sum('fetched')} fetched = ${parts}`;
  return `${over}: ${sum('fetched')} fetched against ${parts}; records unaccounted for in ${losing.map((run) => `run ${run.runId} (${recordsLost(run)})`).join(', ')}`;
}

/** `task`: the gate over that task's runs and the trials judged as it, and it says so. */
export function validationGateDocument(runs: ReportedRun[], trials: TrialMeasurements | null, period: { since: string | null; until: string }, generatedAt: string, task?: string): ReportDocument {
  const criteria = validationGateCriteria(runs, trials);
  const done = finished(runs);
  return {
    title: task === undefined ? 'Validation gate' : `Validation gate: task ${task}`,
    generatedAt,
    period,
    headline: `Gate${task === undefined ? '' : ` for task ${task}`}: ${overallStatus(criteria)} (${criteria.filter((c) => c.status === 'pass').length} of ${criteria.length} criteria pass; a criterion without data never passes)`,
    sections: [
      { heading: 'Criteria', criteria },
      {
        heading: 'Batches per run',
        chart: {
          kind: 'bar',
          title: 'Committed, failed and rolled-back batches per run',
          labels: done.map((run) => `#${run.runId}`),
          series: [
            { name: 'committed', values: done.map((run) => run.batches.succeeded) },
            { name: 'failed', values: done.map((run) => run.batches.failed) },
            { name: 'rolled back since', values: done.map((run) => run.batches.rolledBack ?? 0) },
          ],
        },
      },
    ],
  };
}
