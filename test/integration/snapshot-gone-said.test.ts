import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, deleteSnapshot, pruneSnapshotsOnRequest, restoreSnapshot, verifySnapshots } from '../../main/backup/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

/**
 * A support shift: a ticket says "restore snapshot X". Once X had been deleted (`backups delete`) or
 * pruned, restore and verify answered "no snapshot X for DB — see gatehouse backups list", as for a
 * mistyped id, although the deletion or prune, with who did it and why, stands in `backups attempts`.
 */
const later = (seconds: number) => () => new Date(Date.now() + seconds * 1000);

describe.each(testBackends())('asking for a snapshot that was deleted or pruned, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says who deleted or pruned it, when, and the attempt that did; an id never taken is still not found', async () => {
    await withFreshStore(backend, async (store) => {
      const pruned = await createSnapshot(store, { kind: 'manual' });
      const deleted = await createSnapshot(store, { kind: 'manual', clock: later(1) });
      await createSnapshot(store, { kind: 'manual', clock: later(2) });
      const deletion = await deleteSnapshot(store, { snapshotId: deleted.id, reason: 'taken with the bad feed of run 7', operator: 'sam' });
      await pruneSnapshotsOnRequest(store, { keep: 1, maxAgeDays: 30, maxTotalMb: 4096 }, { dryRun: false, operator: 'kim', reason: 'disk nearly full' });
      const deletedSaid = `no snapshot ${deleted.id} for ${store.location}: it was deleted by sam at `;
      await expect(restoreSnapshot(store, { snapshotId: deleted.id, reason: 'back to before run 7', operator: 'ada' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining(deletedSaid),
      });
      await expect(restoreSnapshot(store, { snapshotId: deleted.id, reason: 'again', operator: 'ada' })).rejects.toMatchObject({
        message: expect.stringMatching(new RegExp(`\\(attempt ${deletion.attemptId}, reason: taken with the bad feed of run 7\\)$`)),
        hints: { cli: expect.stringContaining('gatehouse backups attempts') },
      });
      await expect(verifySnapshots(store, pruned.id)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining(`no snapshot ${pruned.id} for ${store.location}: it was pruned by kim at `),
      });
      await expect(verifySnapshots(store, '20200101T000000000Z-000000')).rejects.toMatchObject({ message: `no snapshot 20200101T000000000Z-000000 for ${store.location}` });
    });
  });
});
