import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { createSnapshot, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { setFlag } from '../../main/flags/index.js';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { seedSyntheticHistory } from '../../main/trials/index.js';
import { validationHistory } from '../../main/validation/index.js';
import type { ApiInput, ApiMethod, ApiOutput } from '../../shared/api.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';

/**
 * Support rolled back a run BLOCK_ON_ANOMALY held: its data is undone, so its anomaly waits for no
 * review. The open list, the open count and the Overview's count agreed it was still open until someone
 * marked it reviewed; the full list still shows it, said rolled back by whom and when.
 */
type Call = <M extends ApiMethod>(method: M, input: ApiInput<M>) => Promise<ApiOutput<M>>;

describe.each(testBackends())('an anomaly whose run support rolled back ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  /** Thirty days of history, then a held spike of 900 records in batches of 300. */
  async function heldSpike(work: (held: { store: Store; runId: number; call: Call }) => Promise<void>) {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      await seedSyntheticHistory(store, { days: 30, firstDay: new Date('2025-02-24T00:00:00Z') });
      await setFlag(store, { flag: 'BLOCK_ON_ANOMALY', value: true, scope: 'global', reason: 'hold anomalies for review', operator: 'tester' });
      const { summary } = await runFlaggedUpdate({ store, source: await openSource('synthetic:seed=77,count=900'), task: null, batchSize: 300, clock: () => new Date('2025-03-26T14:00:00Z') });
      expect(summary).toMatchObject({ status: 'held', validation: { verdict: 'anomalous' } });
      const api = createApi({ store, engine, transport: 'http' });
      const call: Call = async (method, input) => {
        const result = await dispatch(api, method, input, tester);
        if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
        return result.data as ApiOutput<typeof method>;
      };
      await work({ store, runId: summary.runId, call });
    } finally {
      await engine.close();
      await store.close();
    }
  }

  const openRuns = async (call: Call) => (await call('anomalies.list', { open: true })).map((a) => a.runId);

  it('is no longer open once the whole run is rolled back, and the full list says who rolled it back', async () => {
    await heldSpike(async ({ store, runId, call }) => {
      expect(await openRuns(call)).toEqual([runId]);
      const trained = (await validationHistory(store)).length;
      const report = await rollback(store, { runId, reason: 'a resent backlog', operator: 'support-ann' });
      expect(report.runRolledBack).toBe(true);
      expect(await openRuns(call)).toEqual([]);
      expect(await call('anomalies.openCount', {})).toBe(0);
      expect((await call('overview.get', { windowDays: 365 })).openAnomalies).toBe(0);
      const [listed] = await call('anomalies.list', {});
      const [event] = await call('rollback.events', { runId });
      expect(listed).toMatchObject({ runId, status: 'rolled_back', review: null, reviews: [], rolledBack: { runIds: [runId], eventId: event!.id, operator: 'support-ann', at: event!.at, reason: 'a resent backlog' } });
      expect(Object.keys(listed!).at(-1)).toBe('rolledBack');
      // A rollback is not a review: what the validator trains on is what it was.
      expect(await validationHistory(store)).toHaveLength(trained);
    });
  }, 120_000);

  it('stays open while only some of its batches are rolled back: the rest of its data still stands', async () => {
    await heldSpike(async ({ store, runId, call }) => {
      const report = await rollback(store, { runId, batchSeq: 1, reason: 'one bad page', operator: 'support-ann' });
      expect(report.runRolledBack).toBe(false);
      expect(await openRuns(call)).toEqual([runId]);
      expect(await call('anomalies.openCount', {})).toBe(1);
      const [listed] = await call('anomalies.list', {});
      expect(listed).toMatchObject({ runId, status: 'held', review: null, rolledBack: null });
    });
  }, 120_000);

  it('is open again when a restore brings back the run as it was before its rollback', async () => {
    await heldSpike(async ({ store, runId, call }) => {
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await rollback(store, { runId, reason: 'a resent backlog', operator: 'support-ann' });
      expect(await call('anomalies.openCount', {})).toBe(0);
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'the rollback was a mistake', operator: 'support-bo' });
      expect(await openRuns(call)).toEqual([runId]);
      expect(await call('anomalies.openCount', {})).toBe(1);
      const [listed] = await call('anomalies.list', {});
      expect(listed).toMatchObject({ runId, status: 'held', review: null, rolledBack: null });
    });
  }, 180_000);
});
