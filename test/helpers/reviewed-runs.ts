import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import type { Store } from '../../main/store/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import { emptyBatchCounts, emptyMetrics } from '../../shared/run.js';
import type { Verdict } from '../../shared/validation.js';

/** A finished run the validator judged `verdict` (one added-count anomaly when anomalous), as the engine records it, on 2026-01-`day`. */
export async function recordRun(store: Store, verdict: Verdict, day: number): Promise<number> {
  const startedAt = new Date(Date.UTC(2026, 0, day)).toISOString();
  const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: null, source: 'synthetic:seed=1,count=5', startedAt, pid: 1, host: 'test', flags: {}, resumedFrom: null });
  const anomalies = verdict === 'anomalous' ? [{ metric: 'added', rule: 'seasonal-band', value: 900, expected: 40, low: 10, high: 80, score: 9, message: 'added 900, expected 10–80' }] : [];
  await store.finishRun(runId, { status: 'success', finishedAt: startedAt, metrics: emptyMetrics(), batchCounts: emptyBatchCounts(), validation: { verdict, method: 'test', historySize: 10, anomalies }, error: null });
  return runId;
}

/** The review each run's anomaly list shows now (null: open). */
export async function reviewStates(store: Store, runIds: number[]): Promise<(string | null)[]> {
  const anomalous = await store.reports.anomalous();
  return runIds.map((runId) => anomalous.find((run) => run.runId === runId)!.review);
}

/** The console's API over `store`, with an in-process engine host closed after `work`. */
export async function withApi(store: Store, work: (api: ApiHandlers) => Promise<void>): Promise<void> {
  const engine = createInProcessEngineHost({ location: store.location });
  try {
    await work(createApi({ store, engine, transport: 'http' }));
  } finally {
    await engine.close();
  }
}
