import type { MetricBand } from '../../shared/validation.js';
import type { Store } from '../store/index.js';
import type { JudgeOptions } from './historical/model.js';
import { sensitivityByTask } from './sensitivity.js';
import { firstOfLast, walkStoredRuns } from './walk-stored.js';

export interface RunBands {
  runId: number;
  startedAt: string;
  /** The method that would judge this run today (a first load has no band). */
  method: string;
  bands: Record<string, MetricBand>;
}

/**
 * The validator's expected band for each of the latest `limit` runs, walking forward as the
 * backtest does: each run against only the runs before it, with today's exclusions (confirmed
 * anomalies, rolled-back and held runs out). This is the honest band — a run never widens its own.
 * One pass, starting at most the live judge's history length before the first band drawn; each
 * task's runs get the band of its sensitivity in force, as the live judge would draw it.
 */
export async function expectedBands(store: Store, options: JudgeOptions & { limit?: number } = {}): Promise<RunBands[]> {
  const runs = await store.reports.runs();
  const drawn: RunBands[] = [];
  const taskSensitivity = options.sensitivity ? new Map() : await sensitivityByTask(store);
  walkStoredRuns(
    runs,
    options,
    firstOfLast(runs, options.limit ?? 400),
    (run, result) => {
      drawn.push({ runId: run.runId, startedAt: run.startedAt, method: result.method, bands: result.bands ?? {} });
    },
    taskSensitivity,
  );
  return drawn;
}
