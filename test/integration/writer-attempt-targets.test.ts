import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, listAttempts, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Support staff open a rollback or restore attempt from the console (or the CLI's JSON) at the run
 * it rolled back or the snapshot it put back: each attempt names its target as data, not only in words.
 */
describe.each(testBackends())('what each writer attempt worked on, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('names the run of a rollback (of the run or one batch) and the snapshot of a restore', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(6, 510000)), batchSize: 3 });
      await runUpdate({ store, source: arraySource(hearingRecords(6, 510100)), batchSize: 3 });
      await rollback(store, { runId: 2, batchSeq: 2, reason: 'a bad batch', operator: 'sam' });
      await rollback(store, { runId: 1, reason: 'a bad feed', operator: 'sam' });
      const expected: { operation: string; runId: number | null; snapshotId: string | null; outcome: string }[] = [
        { operation: 'a rollback of run 1', runId: 1, snapshotId: null, outcome: 'succeeded' },
        { operation: 'a rollback of batch 2 of run 2', runId: 2, snapshotId: null, outcome: 'succeeded' },
      ];
      if (store.backend === 'sqlite') {
        const snapshot = await createSnapshot(store, { kind: 'manual' });
        await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'back to before', operator: 'sam' });
        expected.unshift({ operation: `a restore of snapshot ${snapshot.id}`, runId: null, snapshotId: snapshot.id, outcome: 'succeeded' });
      }
      expect((await listAttempts(store)).map(({ operation, runId, snapshotId, outcome }) => ({ operation, runId, snapshotId, outcome }))).toEqual(expected);
    } finally {
      await store.close();
    }
  });
});
