import type { GuardrailResult } from '../../shared/api-rollouts.js';
import { logRatioPercent } from '../../shared/guardrail-values.js';
import { recordsAccounted, type RunSummary } from '../../shared/run.js';
import { counted } from '../../shared/plural.js';
import { rateDifference, sequentialDifference, wilson, type MeanDifference } from './sequential.js';

/** A finished run as the guardrails see it: its summary and the quarantine rows stored for it. */
export interface ObservedRun {
  summary: RunSummary;
  quarantineRows: number;
}

/** A quarantine rate this much above the control's (one point) is a surge, not noise in a large sample. */
export const QUARANTINE_MARGIN = 0.01;
/** An alert rate this much above the control's: one run in five more flagged than the control's runs. */
export const ALERT_MARGIN = 0.2;

/** Runs that failed for a reason of their own: an interrupted run is an environment fault, never the canary's. */
function failed(run: ObservedRun): boolean {
  return run.summary.status === 'failed' || run.summary.status === 'rolled_back' || run.summary.batches.failed > 0;
}

/** Every record fetched is accounted for, and every quarantined record has its row (DESIGN §4). */
export function accountingProblem(run: ObservedRun): string | null {
  const m = run.summary.metrics;
  // A rolled-back all-or-nothing run lost nothing: the changes it undid are fetched again by the next run.
  const accounted = recordsAccounted(m);
  if (m.fetched !== accounted) return `run ${run.summary.runId}: fetched ${m.fetched} ≠ added+updated+unchanged+quarantined${m.rolledBack ? '+rolled back' : ''} ${accounted}`;
  if (run.quarantineRows !== m.quarantined) return `run ${run.summary.runId}: ${m.quarantined} quarantined but ${run.quarantineRows} quarantine rows`;
  return null;
}

function logRecordTime(run: ObservedRun): number | null {
  const { durationMs, fetched } = run.summary.metrics;
  return fetched > 0 && durationMs > 0 ? Math.log(durationMs / fetched) : null;
}

function result(name: GuardrailResult['name'], limit: number | null, difference: MeanDifference | null, breach: boolean, summary: string, inconclusive = false): GuardrailResult {
  return {
    name,
    status: difference === null ? 'no data' : breach ? 'breach' : inconclusive ? 'inconclusive' : 'pass',
    summary,
    difference: difference?.estimate ?? null,
    low: difference?.low ?? null,
    high: difference?.high ?? null,
    limit,
  };
}

/** A rate guardrail breaches when canary − control is above zero beyond doubt and above its margin. */
function rateGuardrail(name: GuardrailResult['name'], margin: number, canary: [number, number], control: [number, number], what: string): GuardrailResult {
  if (canary[1] === 0 || control[1] === 0) return result(name, margin, null, false, `${what}: no ${canary[1] === 0 ? 'canary' : 'control'} data yet`);
  const difference = rateDifference(wilson(...canary), wilson(...control));
  const breach = difference.low > 0 && difference.estimate > margin;
  return result(name, margin, difference, breach, `${what}: canary ${canary[0]}/${canary[1]} vs control ${control[0]}/${control[1]}`);
}

function sum(runs: ObservedRun[], pick: (run: ObservedRun) => number): number {
  return runs.reduce((total, run) => total + pick(run), 0);
}

/**
 * The five guardrails of a stage, canary against control over the same window. Each breaches only
 * on evidence: a rate or time difference whose interval lies above zero and whose estimate is past
 * its limit; data loss breaches on any single unaccounted record.
 */
export function evaluateGuardrails(canary: ObservedRun[], control: ObservedRun[], timeThreshold: number): GuardrailResult[] {
  const losses = canary.map(accountingProblem).filter((problem): problem is string => problem !== null);
  const lossDifference = canary.length === 0 ? null : { estimate: losses.length, low: losses.length, high: losses.length };
  const canaryTimes = canary.map(logRecordTime).filter((t): t is number => t !== null);
  const controlTimes = control.map(logRecordTime).filter((t): t is number => t !== null);
  const timeLimit = Math.log(1 + timeThreshold);
  const time = sequentialDifference(canaryTimes, controlTimes, timeLimit);
  const timeBreach = time !== null && time.low > 0 && time.estimate > timeLimit;
  // Not slower beyond doubt is not the same as within the threshold: until the interval's top is under it, the time guardrail has not passed.
  const timeInconclusive = time !== null && !timeBreach && time.high > timeLimit;
  return [
    rateGuardrail('failures', 0, [canary.filter(failed).length, canary.length], [control.filter(failed).length, control.length], 'failed runs or batches'),
    result('data-loss', 0, lossDifference, losses.length > 0, losses.length > 0 ? losses.join('; ') : `every record of ${counted(canary.length, 'canary run')} accounted for`),
    rateGuardrail(
      'quarantine-rate',
      QUARANTINE_MARGIN,
      [sum(canary, (r) => r.summary.metrics.quarantined), sum(canary, (r) => r.summary.metrics.fetched)],
      [sum(control, (r) => r.summary.metrics.quarantined), sum(control, (r) => r.summary.metrics.fetched)],
      'records quarantined',
    ),
    result(
      'per-record-time',
      timeLimit,
      time,
      timeBreach,
      time === null
        ? `per-record time: not enough runs (canary ${canaryTimes.length}, control ${controlTimes.length})`
        : `per-record time: canary ${logRatioPercent(time.estimate)} vs control (interval ${logRatioPercent(time.low)} to ${logRatioPercent(time.high)}; breaches past +${(timeThreshold * 100).toFixed(0)} %)`,
      timeInconclusive,
    ),
    rateGuardrail('alert-rate', ALERT_MARGIN, [canary.filter((r) => r.summary.validation?.verdict === 'anomalous').length, canary.length], [control.filter((r) => r.summary.validation?.verdict === 'anomalous').length, control.length], 'runs flagged anomalous'),
  ];
}

