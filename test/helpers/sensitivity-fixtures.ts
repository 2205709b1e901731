import type { Store } from '../../main/store/index.js';
import type { RunMetrics } from '../../shared/run.js';
import type { HistoryEntry } from '../../shared/validation.js';
import { stream } from '../unit/validation/stream-fixtures.js';

/** Stores a run as finished successfully (not judged: the what-if judges it). */
export async function storeRun(store: Store, entry: HistoryEntry, task: string | null, source = 'crafted'): Promise<number> {
  const runId = await store.createRun({ mode: 'batch', batchSize: 50, task, source, startedAt: entry.startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
  const metrics = entry.metrics as RunMetrics;
  await store.finishRun(runId, { status: 'success', finishedAt: entry.startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation: null, error: null });
  return runId;
}

/** A run ten times busier than the day it replaces, its extra records all unchanged ones. */
export function spiked(entry: HistoryEntry): HistoryEntry {
  const fetched = entry.metrics.fetched! * 10;
  return { startedAt: entry.startedAt, metrics: { ...entry.metrics, fetched, unchanged: fetched - entry.metrics.added! - entry.metrics.updated! } };
}

/**
 * A task "daily" with 90 ordinary runs and one spike at day 60, plus two stored trial cases on the
 * days after them (a spike and a clean control), as a trial ledger records them.
 */
export async function seedTunableTask(store: Store): Promise<{ days: HistoryEntry[] }> {
  const days = stream({ seed: 21, start: '2024-01-08', days: 93, level: 300 });
  for (let i = 0; i < 91; i++) await storeRun(store, i === 60 ? spiked(days[i]!) : days[i]!, 'daily');
  const trialRun = await storeRun(store, spiked(days[91]!), null, 'trial:spike-1');
  const controlRun = await storeRun(store, days[92]!, null, 'trial:control');
  const common = { session: 's1', at: days[92]!.startedAt, source: 'test.db', magnitude: null, caughtBy: [], verdict: null, detail: null, caught: false };
  await store.trials.record({ ...common, label: 'spike-1', kind: 'spike', level: 'run', runId: trialRun });
  await store.trials.record({ ...common, label: 'control', kind: 'control', level: 'control', runId: controlRun });
  return { days };
}
