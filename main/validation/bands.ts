import type { Store } from '../store/index.js';
import { wasJudgeable } from './backtest.js';
import { modelFor } from './historical/cache.js';
import { SEASONAL_METHOD, STATIC_METHOD, type JudgeOptions, type MetricBand } from './historical/model.js';
import { historyBefore } from './historical/store-judge.js';

export interface RunBands {
  runId: number;
  startedAt: string;
  /** The method that would judge this run today; the static fallback draws no band. */
  method: string;
  bands: Record<string, MetricBand>;
}

/**
 * The validator's expected band for each of the latest `limit` runs, walking forward as the
 * backtest does: each run against only the runs before it, with today's exclusions (confirmed
 * anomalies, rolled-back and held runs out). This is the honest band — a run never widens its own
 * — and it costs one model per run drawn (200 runs: about 0.1 s on this machine), so the
 * console asks for it once per page load rather than storing it with each run.
 */
export async function expectedBands(store: Store, options: JudgeOptions & { limit?: number } = {}): Promise<RunBands[]> {
  const runs = await store.reviews.allRuns();
  const drawn = runs.filter((run) => wasJudgeable(run.status)).slice(-(options.limit ?? 400));
  return drawn.map((run) => {
    const bands = modelFor(historyBefore(runs, run), options).expectedBands({ startedAt: run.startedAt, metrics: run.metrics }, options.thresholds);
    return { runId: run.runId, startedAt: run.startedAt, method: Object.keys(bands).length > 0 ? SEASONAL_METHOD : STATIC_METHOD, bands };
  });
}
