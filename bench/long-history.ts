import type { Store } from '../main/store/index.js';
import type { RunMetrics } from '../shared/run.js';
import type { Anomaly } from '../shared/validation.js';

/**
 * A database that has run daily for years, written straight into the runs table in multi-row
 * inserts: 10,000 runs in about a second on either backend, where the engine would take hours.
 * Shared by the console-at-scale tests and bench/console-at-scale.ts (tests cannot import bench's
 * compiled output, the build compiles this file for the bench).
 */
export interface LongHistoryRun {
  startedAt: string;
  task?: string | null;
  status?: string;
  /** Anomalies the validator raised; none means an `ok` verdict. */
  anomalies?: Anomaly[];
  review?: 'expected' | 'confirmed' | null;
  /** The run's metrics; absent: a steady day of about 40 records. */
  metrics?: RunMetrics;
  /** Absent: a synthetic production source. `trial:...` marks a trial run. */
  source?: string;
}

const INSERT_CHUNK = 500;
const DAY_MS = 86_400_000;

/** An anomaly that opens a fold of its own, or (ongoing) continues the change `changeId` raised earlier. */
export function anomalyOf(changeId: string | null, ongoing = false): Anomaly {
  return {
    metric: 'fetched', rule: 'level-shift', value: 3, expected: 40, low: 20, high: 60, score: 5,
    message: ongoing ? 'still low' : 'fetched fell', ...(changeId === null ? {} : { changeId }), ...(ongoing ? { ongoing } : {}),
  };
}

/** Writes the runs in the order given (so their ids rise in that order) and returns their ids. */
export async function insertRuns(store: Store, runs: readonly LongHistoryRun[]): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < runs.length; start += INSERT_CHUNK) {
    const rows = runs.slice(start, start + INSERT_CHUNK).map((run, i) => {
      const anomalies = run.anomalies ?? [];
      const verdict = anomalies.length > 0 ? 'anomalous' : 'ok';
      const fetched = 40 + ((start + i) % 7);
      return {
        status: run.status ?? 'success', mode: 'batch', batchSize: 50, task: run.task === undefined ? 'daily' : run.task, source: run.source ?? 'synthetic:seed=1,count=40',
        startedAt: run.startedAt, finishedAt: new Date(Date.parse(run.startedAt) + 60_000).toISOString(), pid: 1, host: 'seed',
        metricsJson: JSON.stringify(run.metrics ?? { fetched, added: 2, updated: 3, unchanged: fetched - 5, quarantined: 0, durationMs: 900 }),
        batchCountsJson: JSON.stringify({ total: 1, succeeded: 1, failed: 0, isolated: 0 }),
        validationJson: JSON.stringify({ verdict, method: 'seeded', historySize: 30, anomalies }),
        verdict, flagsJson: '{}', review: run.review ?? null,
      };
    });
    const inserted = await store.queries.db.insertInto('runs').values(rows).returning('id').execute();
    ids.push(...inserted.map((row) => row.id).sort((a, b) => a - b));
  }
  // Written around finishRun, which stores each anomalous run's fold: folded here, as a migrated database is.
  await store.reports.refoldStale();
  return ids;
}

/**
 * `count` daily runs of one task ending at `end`, every `anomalousEvery`-th raising an anomaly of
 * its own (0: none), as a long-lived database would hold them.
 */
export function dailyRuns(count: number, options: { end?: string; anomalousEvery?: number; task?: string } = {}): LongHistoryRun[] {
  const end = Date.parse(options.end ?? '2026-11-30T06:00:00.000Z');
  return Array.from({ length: count }, (_, i) => {
    const anomalous = options.anomalousEvery !== undefined && options.anomalousEvery > 0 && i % options.anomalousEvery === 0;
    return { startedAt: new Date(end - (count - 1 - i) * DAY_MS).toISOString(), task: options.task ?? 'daily', anomalies: anomalous ? [anomalyOf(`c${i}`)] : [] };
  });
}

/**
 * `perTask` daily runs of each of `tasks` tasks (task-0 ...) interleaved in start order, with
 * metrics that wander and now and then spike or drop, a few failed, rolled-back and held runs,
 * reviews of both kinds, runs of no task, and one trial run (source `trial:`) in every
 * `trialEvery`: the mixed history a what-if or backtest picks its runs from. Deterministic in `seed`.
 */
export function severalTasksRuns(perTask: number, tasks: number, options: { seed?: number; trialEvery?: number; end?: string } = {}): LongHistoryRun[] {
  let state = options.seed ?? 1;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const end = Date.parse(options.end ?? '2026-11-30T06:00:00.000Z');
  const runs: LongHistoryRun[] = [];
  for (let day = 0; day < perTask; day++) {
    for (let t = 0; t < tasks; t++) {
      const roll = random();
      const level = 60 * (t + 1) * (roll < 0.02 ? 8 : roll < 0.04 ? 0.1 : 0.85 + 0.3 * random());
      const fetched = Math.round(level);
      const metrics = { fetched, added: Math.round(fetched * 0.05), updated: Math.round(fetched * 0.1), unchanged: fetched - Math.round(fetched * 0.05) - Math.round(fetched * 0.1), quarantined: random() < 0.05 ? 3 : 0, durationMs: Math.round(900 + 400 * random()) };
      const status = random() < 0.03 ? (['failed', 'rolled_back', 'held', 'partial'] as const)[Math.floor(random() * 4)] : 'success';
      const review = roll < 0.04 ? (random() < 0.5 ? 'confirmed' : 'expected') : null;
      const trial = options.trialEvery !== undefined && (day * tasks + t) % options.trialEvery === options.trialEvery - 1;
      const task = t === tasks - 1 && random() < 0.1 ? null : `task-${t}`;
      const startedAt = new Date(end - (perTask - 1 - day) * DAY_MS + t * 600_000).toISOString();
      runs.push({ startedAt, task, status, review, metrics, ...(trial ? { source: `trial:case-${day}-${t}` } : {}) });
    }
  }
  return runs;
}
