import { mean, sampleVariance } from 'simple-statistics';
import { wilsonInterval, Z_95, type Interval } from '../../shared/intervals.js';
import type { ReportedRun } from '../store/index.js';
import { isError, judgedRuns as judged, recordsLost } from './measure.js';

/**
 * Canary against control over one window (issue 11): the measures a canary report and a guarded
 * rollout's guardrails both read. The caller chooses the window and which runs are canary and
 * control; this module only compares them, and never calls too few runs a pass.
 */

/** Finished runs each side needs before any verdict. */
export const MIN_RUNS_FOR_VERDICT = 3;
export const DEFAULT_MAX_SLOWDOWN_PERCENT = 10;

export interface WindowOptions {
  minRuns?: number;
  /** A per-record time ratio whose interval reaches above 1 + this / 100 is a regression. */
  maxSlowdownPercent?: number;
}

/** Canary / control per-record time, from Welch's t on log(ms per record): a ratio of geometric means. */
export interface TimeRatio {
  ratio: number;
  low: number;
  high: number;
  canaryRuns: number;
  controlRuns: number;
  /** Welch–Satterthwaite; null when both sides' paces are constant and there is no spread to weigh. */
  degreesOfFreedom: number | null;
}

export interface SideMeasures {
  runs: number;
  /** Ended runs the comparison judges: an interrupted run (an environment fault) is not one. */
  finished: number;
  failedRuns: number;
  batches: number;
  failedBatches: number;
  /** Runs the validator called anomalous, of `finished`. */
  alerts: number;
  alertRate: number | null;
  alertInterval: Interval | null;
  /** Anomalies an analyst confirmed as real; unreviewed ones are not counted as real. */
  confirmedAnomalies: number;
  unreviewedAnomalies: number;
  recordsLost: number;
}

export type GuardrailStatus = 'pass' | 'fail' | 'not enough data';

export interface WindowComparison {
  canary: SideMeasures;
  control: SideMeasures;
  minRuns: number;
  maxSlowdownPercent: number;
  /** Null when either side has fewer than two measured runs. */
  timeRatio: TimeRatio | null;
  enoughData: boolean;
  guardrails: { failures: GuardrailStatus; dataLoss: GuardrailStatus; perRecordTime: GuardrailStatus; alertRate: GuardrailStatus };
}

function sideMeasures(runs: readonly ReportedRun[]): SideMeasures {
  const done = judged(runs);
  const anomalous = done.filter((run) => run.validation?.verdict === 'anomalous');
  const alerts = anomalous.length;
  return {
    runs: runs.length,
    finished: done.length,
    failedRuns: done.filter(isError).length,
    batches: done.reduce((sum, run) => sum + run.batches.total, 0),
    failedBatches: done.reduce((sum, run) => sum + run.batches.failed, 0),
    alerts,
    alertRate: done.length === 0 ? null : alerts / done.length,
    alertInterval: wilsonInterval(alerts, done.length),
    confirmedAnomalies: anomalous.filter((run) => run.review === 'confirmed').length,
    unreviewedAnomalies: anomalous.filter((run) => run.review === null).length,
    recordsLost: done.reduce((sum, run) => sum + recordsLost(run), 0),
  };
}

/** log(ms per record) of each finished, successful run that fetched something. */
function logPaces(runs: readonly ReportedRun[]): number[] {
  return judged(runs)
    .filter((run) => !isError(run) && run.metrics.fetched > 0 && run.metrics.durationMs > 0)
    .map((run) => Math.log(run.metrics.durationMs / run.metrics.fetched));
}

/**
 * Student's t quantile from the normal one (Abramowitz & Stegun 26.7.5): within 1 % of the tables
 * from 2 degrees of freedom, the least Welch gives with MIN_RUNS_FOR_VERDICT runs a side.
 */
function tQuantile(z: number, df: number): number {
  if (!Number.isFinite(df)) return z;
  const z3 = z ** 3, z5 = z ** 5, z7 = z ** 7, z9 = z ** 9;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3) + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4);
}

export function perRecordTimeRatio(canaryRuns: readonly ReportedRun[], controlRuns: readonly ReportedRun[]): TimeRatio | null {
  const a = logPaces(canaryRuns);
  const b = logPaces(controlRuns);
  if (a.length < 2 || b.length < 2) return null;
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const difference = mean(a) - mean(b);
  const se = Math.sqrt(va + vb);
  // Welch–Satterthwaite; identical paces on both sides (se 0) leave no uncertainty to spread.
  const df = se === 0 ? Infinity : (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const half = tQuantile(Z_95, df) * se;
  return { ratio: Math.exp(difference), low: Math.exp(difference - half), high: Math.exp(difference + half), canaryRuns: a.length, controlRuns: b.length, degreesOfFreedom: Number.isFinite(df) ? df : null };
}

function timeStatus(ratio: TimeRatio | null, enough: boolean, maxSlowdownPercent: number): GuardrailStatus {
  if (!enough || ratio === null) return 'not enough data';
  return ratio.high <= 1 + maxSlowdownPercent / 100 ? 'pass' : 'fail';
}

/** The canary raises alerts clearly more often than control: its interval lies wholly above control's. */
function alertStatus(canary: SideMeasures, control: SideMeasures, enough: boolean): GuardrailStatus {
  if (!enough || !canary.alertInterval || !control.alertInterval) return 'not enough data';
  return canary.alertInterval.low > control.alertInterval.high ? 'fail' : 'pass';
}

/**
 * Compares `canaryRuns` with `controlRuns` (already cut to one window). Failures and lost records
 * fail at once, however few runs; every other guardrail needs `minRuns` finished runs a side.
 */
export function compareRunWindow(canaryRuns: readonly ReportedRun[], controlRuns: readonly ReportedRun[], options: WindowOptions = {}): WindowComparison {
  const minRuns = options.minRuns ?? MIN_RUNS_FOR_VERDICT;
  const maxSlowdownPercent = options.maxSlowdownPercent ?? DEFAULT_MAX_SLOWDOWN_PERCENT;
  const canary = sideMeasures(canaryRuns);
  const control = sideMeasures(controlRuns);
  const enoughData = canary.finished >= minRuns && control.finished >= minRuns;
  const timeRatio = perRecordTimeRatio(canaryRuns, controlRuns);
  const broken = canary.failedRuns + canary.failedBatches > 0;
  return {
    canary, control, minRuns, maxSlowdownPercent, timeRatio, enoughData,
    guardrails: {
      failures: broken ? 'fail' : enoughData ? 'pass' : 'not enough data',
      dataLoss: canary.recordsLost > 0 ? 'fail' : enoughData ? 'pass' : 'not enough data',
      perRecordTime: timeStatus(timeRatio, enoughData, maxSlowdownPercent),
      alertRate: alertStatus(canary, control, enoughData),
    },
  };
}
