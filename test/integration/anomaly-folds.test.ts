import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import type { Store } from '../../main/store/index.js';
import { tester } from '../helpers/callers.js';
import { historicalJudge, listAnomalousRuns, markAnomaly, runReviews } from '../../main/validation/index.js';
import type { HistoryEntry } from '../../shared/validation.js';
import type { RunMetrics } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { stream } from '../unit/validation/stream-fixtures.js';

/** Each run judged as the engine would (against the stored runs before it) and stored with its verdict. */
async function storeJudgedRuns(store: Store, entries: readonly HistoryEntry[], task: string): Promise<number[]> {
  const ids: number[] = [];
  for (const entry of entries) {
    const metrics = entry.metrics as RunMetrics;
    const validation = await historicalJudge({ store, startedAt: entry.startedAt, task, metrics });
    const runId = await store.createRun({ mode: 'batch', batchSize: 50, task, source: 'crafted', startedAt: entry.startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
    await store.finishRun(runId, { status: 'success', finishedAt: entry.startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation, error: null });
    ids.push(runId);
  }
  return ids;
}

describe.each(testBackends())('open anomalies fold the runs of one change ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('lists a lasting level shift as one open anomaly with its run count, and a review of it reviews every run', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      // 400 a busy day, halved for good from day 120.
      const halving = stream({ seed: 5, start: '2024-01-08', days: 150, level: 400, periods: [{ from: 120, to: 150, factor: 0.5 }] });
      await storeJudgedRuns(store, halving, 'daily');
      const anomalousRuns = await store.reports.anomalous();
      expect(anomalousRuns.length).toBeGreaterThanOrEqual(2);

      const open = await listAnomalousRuns(store, { open: true, limit: 100 });
      const shift = open.filter((a) => Date.parse(a.startedAt) >= Date.parse(halving[120]!.startedAt));
      expect(shift).toHaveLength(1);
      const [fold] = shift;
      expect(fold!.runCount).toBeGreaterThanOrEqual(2);
      expect(fold!.runIds).toHaveLength(fold!.runCount);
      expect(fold!.runIds[0]).toBe(fold!.runId);
      expect(fold!.lastRunId).toBe(fold!.runIds.at(-1));
      expect(Date.parse(fold!.lastStartedAt)).toBeGreaterThan(Date.parse(fold!.startedAt));
      // The overview counts it once too.
      const overview = await createApi({ store, engine, transport: 'http' })['overview.get']({ windowDays: 365 }, tester);
      expect(overview.openAnomalies).toBe(open.length);
      expect(overview.anomalousRuns.length).toBeGreaterThan(open.length);

      // Marking any run of the fold marks the whole change.
      await markAnomaly(store, { runId: fold!.lastRunId, as: 'expected', reasonKind: 'known-event', reason: 'the committee halved its schedule', operator: 'tester' });
      const after = await listAnomalousRuns(store, { open: false, limit: 100 });
      const reviewed = after.find((a) => a.runId === fold!.runId)!;
      expect(reviewed).toMatchObject({ review: 'expected', runCount: fold!.runCount });
      expect(reviewed.reviews.map((r) => r.runId)).toEqual(fold!.runIds);
      expect((await listAnomalousRuns(store, { open: true, limit: 100 })).map((a) => a.runId)).not.toContain(fold!.runId);
      for (const runId of fold!.runIds) expect((await runReviews(store).list({ runId })).map((r) => r.action)).toEqual(['expected']);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 120_000);

  it('keeps one-off anomalies as entries of their own', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const days = stream({ seed: 9, start: '2024-01-08', days: 100, level: 300 });
      // Two spikes a week apart on busy days: two separate pieces of news.
      for (const day of [80, 87]) days[day] = { ...days[day]!, metrics: { ...days[day]!.metrics, fetched: 5_000, unchanged: 5_000 - days[day]!.metrics.added! - days[day]!.metrics.updated! } };
      const ids = await storeJudgedRuns(store, days, 'daily');
      const listed = await listAnomalousRuns(store, { open: true, limit: 100 });
      const spikes = listed.filter((a) => a.runId === ids[80] || a.runId === ids[87]);
      expect(spikes).toHaveLength(2);
      expect(spikes.every((a) => a.runCount === 1)).toBe(true);
      await expect(markAnomaly(store, { runId: ids[10]!, as: 'confirmed', reason: 'x', operator: 'tester' })).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await store.close();
    }
  }, 120_000);
});
