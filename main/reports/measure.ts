import type { ReportedRun } from '../store/index.js';
import { instantProblem, parseInstant } from '../../shared/instant.js';
import { recordsAccounted } from '../../shared/run.js';

/** Runs that ended; a run still going says nothing yet. */
export function finished(runs: ReportedRun[]): ReportedRun[] {
  return runs.filter((run) => run.status !== 'running');
}

/**
 * Runs that say something about the code: ended, and not stopped by an environment fault (a lost
 * connection, a full disk, a lost lock), which is never the canary's doing (DESIGN §4) — as the
 * rollout guardrails read runs.
 */
export function judgedRuns(runs: readonly ReportedRun[]): ReportedRun[] {
  return finished([...runs]).filter((run) => run.status !== 'interrupted');
}

/** Failed, rolled back or interrupted: the run did not complete. */
export function isError(run: ReportedRun): boolean {
  return run.status === 'failed' || run.status === 'rolled_back' || run.status === 'interrupted';
}

/** fetched ≠ added + updated + unchanged + quarantined (+ rolled back) means records went missing. */
export function recordsLost(run: ReportedRun): number {
  return Math.abs(run.metrics.fetched - recordsAccounted(run.metrics));
}

/** Milliseconds per fetched record over the runs: fair across runs of different sizes. */
export function msPerRecord(runs: ReportedRun[]): number | null {
  const measured = runs.filter((run) => !isError(run) && run.metrics.fetched > 0);
  const records = measured.reduce((sum, run) => sum + run.metrics.fetched, 0);
  if (records === 0) return null;
  return measured.reduce((sum, run) => sum + run.metrics.durationMs, 0) / records;
}

/** (a / b − 1) × 100, or null when either side has no measurement. */
export function overheadPercent(candidate: number | null, baseline: number | null): number | null {
  if (candidate === null || baseline === null || baseline === 0) return null;
  return (candidate / baseline - 1) * 100;
}

export interface RunGroupStats {
  runs: number;
  finished: number;
  succeeded: number;
  errors: number;
  successRate: number | null;
  meanDurationMs: number | null;
  msPerRecord: number | null;
  batches: number;
  failedBatches: number;
  anomalousRuns: number;
  confirmedFalsePositives: number;
  /** Anomalous runs not marked expected (a false positive) by an operator. */
  realAnomalies: number;
  recordsLost: number;
  fetched: number;
}

/** `ended` picks the runs the measures count: every run that ended, or (a canary) only those that say something about the code. */
export function groupStats(runs: ReportedRun[], ended: (runs: ReportedRun[]) => ReportedRun[] = finished): RunGroupStats {
  const done = ended(runs);
  const errors = done.filter(isError).length;
  const anomalous = done.filter((run) => run.validation?.verdict === 'anomalous');
  // One vocabulary (main/validation/feedback.ts): an anomaly marked `expected` is a confirmed false positive.
  const falsePositives = anomalous.filter((run) => run.review === 'expected').length;
  return {
    runs: runs.length,
    finished: done.length,
    succeeded: done.length - errors,
    errors,
    successRate: done.length === 0 ? null : ((done.length - errors) / done.length) * 100,
    meanDurationMs: done.length === 0 ? null : done.reduce((sum, run) => sum + run.metrics.durationMs, 0) / done.length,
    msPerRecord: msPerRecord(done),
    batches: done.reduce((sum, run) => sum + run.batches.total, 0),
    failedBatches: done.reduce((sum, run) => sum + run.batches.failed, 0),
    anomalousRuns: anomalous.length,
    confirmedFalsePositives: falsePositives,
    realAnomalies: anomalous.length - falsePositives,
    recordsLost: done.reduce((sum, run) => sum + recordsLost(run), 0),
    fetched: done.reduce((sum, run) => sum + run.metrics.fetched, 0),
  };
}

/** `48h`, `7d`, `30m`, `2w` or an ISO date → the instant it names, relative to `now`. */
export function parseSince(text: string, now: Date): Date {
  const match = /^(\d+)\s*([mhdw])$/i.exec(text.trim());
  if (match) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2]!.toLowerCase() as 'm' | 'h' | 'd' | 'w'];
    const since = new Date(now.getTime() - Number(match[1]) * unitMs);
    if (Number.isNaN(since.getTime())) throw new RangeError(`"${text}" reaches back past the earliest date there is`);
    return since;
  }
  const problem = instantProblem(text);
  if (problem !== null) throw new RangeError(/^\s*\d{4}-/.test(text) ? problem : `"${text}" is neither a duration (48h, 7d) nor an ISO date`);
  return new Date(parseInstant(text));
}
