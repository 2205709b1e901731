import type { MetricBand } from '../../shared/validation.js';
import type { Store } from '../store/index.js';
import type { JudgeOptions } from './historical/model.js';
import { sensitivityByTask } from './sensitivity.js';
import type { JudgedRun } from '../store/index.js';
import { originOf } from './historical/store-judge.js';
import { firstOfLast, LIVE_HISTORY_RUNS, walkStoredRuns, wasJudgeable } from './walk-stored.js';

const TAIL_PAGE = 1_000;

/**
 * The runs the walk uses, oldest first, and no more: back to the first of the last `limit`
 * judgeable production runs, then LIVE_HISTORY_RUNS production runs before it (where the walk
 * starts), with only the columns the walk judges by. Reading every run ever stored cost a second
 * on ten years of daily runs to draw 400.
 */
async function runsTheWalkReads(store: Store, limit: number): Promise<JudgedRun[]> {
  const newestFirst: JudgedRun[] = [];
  let judgeable = 0;
  let before = 0;
  for (;;) {
    const last = newestFirst.at(-1);
    const page = await store.reports.newestFirst({ limit: TAIL_PAGE, ...(last ? { before: { startedAt: last.startedAt, runId: last.runId } } : {}) });
    for (const run of page) {
      newestFirst.push(run);
      if (originOf(run) !== 'production') continue;
      if (judgeable >= limit) {
        if (++before >= LIVE_HISTORY_RUNS) return newestFirst.reverse();
      } else if (wasJudgeable(run.status)) judgeable++;
    }
    if (page.length < TAIL_PAGE) return newestFirst.reverse();
  }
}

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
  const runs = await runsTheWalkReads(store, options.limit ?? 400);
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
