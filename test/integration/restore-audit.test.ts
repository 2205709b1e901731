import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, listRestores, restoreSnapshot, rollback, undoJournal } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { evaluateFlag, flagStore, setFlag, unsetFlag } from '../../main/flags/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { runReviews, validationHistory } from '../../main/validation/index.js';

async function update(store: Store, spec: string) {
  return runUpdate({ store, source: await openSource(spec), batchSize: 20 });
}

/** Everything the audit holds, as a support person would read it back. */
async function audit(store: Store) {
  return {
    rollbacks: await undoJournal(store).listEvents(),
    flagEvents: await flagStore(store).history(),
    reviews: await runReviews(store).list(),
    restores: await listRestores(store),
  };
}

describe.each(testBackends())('a restore on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('keeps every audit row and gives the next run a fresh id', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=8,count=60');
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await update(store, 'synthetic:seed=8,count=60,revision=1,changed=15');
      const third = await update(store, 'synthetic:seed=8,offset=60,count=25');
      expect(third.runId).toBe(3);
      await rollback(store, { runId: 3, reason: 'the offset feed was wrong', operator: 'ann' });
      await setFlag(store, { flag: 'BATCH_SIZE', value: 25, reason: 'smaller batches', operator: 'bo' });
      await runReviews(store).add({ runId: 2, action: 'confirmed', reasonKind: null, reason: 'a real spike', operator: 'cy', at: new Date().toISOString() });
      const before = await audit(store);
      expect([before.rollbacks.length, before.flagEvents.length, before.reviews.length]).toEqual([1, 1, 1]);

      const report = await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'runs 2 and 3 came from a test feed', operator: 'dee' });

      expect(await store.countHearings()).toBe(60);
      expect((await store.listRuns()).map((run) => run.runId)).toEqual([1]);
      expect((await flagStore(store).values('BATCH_SIZE')).map((v) => v.valueJson)).toEqual(['25']);
      const after = await audit(store);
      expect(after.rollbacks).toEqual(before.rollbacks);
      expect(after.flagEvents).toEqual(before.flagEvents);
      expect(after.reviews).toEqual(before.reviews);
      expect(after.restores).toEqual([report.event]);
      expect(report.event).toMatchObject({ snapshotId: snapshot.id, operator: 'dee', reason: 'runs 2 and 3 came from a test feed', hearingsBefore: 60, hearingsAfter: 60 });

      const next = await update(store, 'synthetic:seed=8,offset=100,count=5');
      expect(next.runId).toBe(4);
      expect((await store.listRuns()).map((run) => run.runId)).toEqual([4, 1]);
    });
  });

  it('keeps a review made after the snapshot on its run when the run comes back, so the run stays out of training', async () => {
    await withFreshStore(backend, async (store) => {
      const first = await update(store, 'synthetic:seed=9,count=30');
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await runReviews(store).add({ runId: first.runId, action: 'confirmed', reasonKind: null, reason: 'a real anomaly', operator: 'eve', at: new Date().toISOString() });
      expect(await validationHistory(store)).toEqual([]);
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'back to the snapshot' });
      expect(await validationHistory(store)).toEqual([]);
      expect((await runReviews(store).list()).map((review) => review.reason)).toEqual(['a real anomaly']);
    });
  });

  it('keeps the flags as they are now: a kill switch flipped after the snapshot is still on, the task it overrides still held, no flag event added', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=11,count=10');
      await setFlag(store, { flag: 'BATCH_SIZE', value: 30, reason: 'tuning', operator: 'fay' });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: false, scope: 'task:daily', reason: 'daily must keep going', operator: 'fay' });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: true, scope: 'kill', reason: 'incident 42: stop the schedule', operator: 'gus' });
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: false, reason: 'isolation loops on bad batches', operator: 'gus' });
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: true, scope: 'task:daily', reason: 'isolation back on for daily', operator: 'gus' });
      await unsetFlag(store, { flag: 'BATCH_SIZE', reason: 'back to the default', operator: 'gus' });
      const storedBefore = await flagStore(store).values();
      const eventsBefore = await flagStore(store).history();

      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feed since 9:00', operator: 'hal' });

      expect(await flagStore(store).values()).toEqual(storedBefore);
      expect(await flagStore(store).history()).toEqual(eventsBefore);
      expect(await evaluateFlag(store, 'PAUSE_SCHEDULED_RUNS', { task: 'daily' })).toMatchObject({ value: true, reason: 'DISABLED' });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION')).toMatchObject({ value: false, reason: 'STATIC' });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION', { task: 'daily' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
      expect(await evaluateFlag(store, 'BATCH_SIZE')).toMatchObject({ value: 50, reason: 'DEFAULT' });
    });
  });

  it('refuses a restore without a reason and changes nothing', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=10,count=10');
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await update(store, 'synthetic:seed=10,offset=10,count=10');
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: '  ' })).rejects.toThrow(/a restore needs a reason/);
      expect(await store.countHearings()).toBe(20);
      expect(await listRestores(store)).toEqual([]);
    });
  });
});
