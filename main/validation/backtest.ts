import type { Verdict } from '../../shared/validation.js';
import type { Store } from '../store/index.js';
import { judgeRun } from './historical/cache.js';
import type { JudgeOptions } from './historical/model.js';
import { historyBefore } from './historical/store-judge.js';

export interface BacktestRun {
  runId: number;
  startedAt: string;
  task: string | null;
  verdict: Verdict;
  /** The rules that fired, one entry per anomaly (metric:rule). */
  rules: string[];
  /** What was stored when the run happened (null when it was not judged then). */
  storedVerdict: Verdict | null;
  review: string | null;
}

export interface BacktestReport {
  runsJudged: number;
  alerted: number;
  ok: number;
  insufficientHistory: number;
  /** Runs alerted per rule (a run with two anomalies of one rule counts once for it). */
  byRule: Record<string, number>;
  /** Alerted runs; with `all`, every judged run. */
  runs: BacktestRun[];
}

/** Runs the engine would have judged: the ones that finished with their changes standing (or held). */
export function wasJudgeable(status: string): boolean {
  return status === 'success' || status === 'partial' || status === 'held';
}

/**
 * Walks forward over the stored runs: each is judged against only the runs before it, with the
 * same exclusions the live judge applies today (confirmed anomalies, rolled-back and held runs
 * out). Reads only; the stored verdicts are left as they were.
 */
export async function backtest(store: Store, options: JudgeOptions & { all?: boolean } = {}): Promise<BacktestReport> {
  const runs = await store.reviews.allRuns();
  const report: BacktestReport = { runsJudged: 0, alerted: 0, ok: 0, insufficientHistory: 0, byRule: {}, runs: [] };
  for (const run of runs) {
    if (!wasJudgeable(run.status)) continue;
    const result = judgeRun(historyBefore(runs, run), { startedAt: run.startedAt, metrics: run.metrics }, options);
    report.runsJudged += 1;
    if (result.verdict === 'anomalous') report.alerted += 1;
    else if (result.verdict === 'ok') report.ok += 1;
    else report.insufficientHistory += 1;
    for (const rule of new Set(result.anomalies.map((a) => a.rule))) report.byRule[rule] = (report.byRule[rule] ?? 0) + 1;
    if (result.verdict === 'anomalous' || options.all) {
      report.runs.push({
        runId: run.runId,
        startedAt: run.startedAt,
        task: run.task ?? null,
        verdict: result.verdict,
        rules: result.anomalies.map((a) => `${a.metric}:${a.rule}`),
        storedVerdict: run.validation?.verdict ?? null,
        review: run.review,
      });
    }
  }
  return report;
}
