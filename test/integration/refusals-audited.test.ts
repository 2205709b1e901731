import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, createSnapshotOnRequest, deleteSnapshot, listAttempts, pruneSnapshotsOnRequest, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

/**
 * Support read `backups attempts` three ways: a rollback refused for conflicts was `failed` in the
 * refusal's bare words, a rollback, restore, snapshot or prune refused because an update held the
 * writer lock was not there at all, and a restore of a snapshot that is not there was not either
 * (its deletion was). One rule now: a refusal is an attempt, recorded `failed`, its detail
 * "refused: …; nothing was changed" — whether it came before the attempt began or inside it.
 */
describe.each(testBackends())('refused writers in the attempts, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function attempts(store: Store) {
    return (await listAttempts(store)).map(({ operation, operator, outcome, detail }) => ({ operation, operator, outcome, detail }));
  }

  it('records a rollback refused for conflicts as refused, nothing changed', async () => {
    await withFreshStore(backend, async (store) => {
      await runUpdate({ store, source: await openSource('synthetic:seed=4,count=20') });
      await runUpdate({ store, source: await openSource('synthetic:seed=4,count=20,revision=1,changed=5') });
      await runUpdate({ store, source: await openSource('synthetic:seed=4,count=20,revision=2,changed=5') });
      await expect(rollback(store, { runId: 2, reason: 'bad feed', operator: 'sam' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await attempts(store)).toEqual([
        { operation: 'a rollback of run 2', operator: 'sam', outcome: 'failed', detail: expect.stringMatching(/^refused: refusing to roll back run 2: 5 hearings changed since: .*; nothing was changed; reason: bad feed$/) },
      ]);
    });
  });

  it('records every writer an update holds back, and a restore of a snapshot that is not there, as refused, nothing changed', async () => {
    await withFreshStore(backend, async (store) => {
      await runUpdate({ store, source: await openSource('synthetic:seed=4,count=20') });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await expect(restoreSnapshot(store, { snapshotId: 'no-such-snapshot', reason: 'back', operator: 'sam' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const other = await backend.open(store.location);
      try {
        expect((await other.acquireWriterLock({ runId: 7, pid: process.pid, host: 'elsewhere' }, { now: new Date(), staleAfterMs: 60_000 })).acquired).toBe(true);
        const held = (what: string) => new RegExp(`^refused: cannot ${what}: an update \\(run 7\\) started at \\S+ holds .*; nothing was changed; reason: held back$`);
        const refusals: [() => Promise<unknown>, string, string][] = [
          [() => rollback(store, { runId: 1, reason: 'held back', operator: 'ann' }), 'a rollback of run 1', 'roll back run 1'],
          [() => restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'held back', operator: 'bo' }), `a restore of snapshot ${snapshot.id}`, 'restore'],
          [() => deleteSnapshot(store, { snapshotId: snapshot.id, reason: 'held back', operator: 'cy' }), `a deletion of snapshot ${snapshot.id}`, 'delete a snapshot'],
          [() => pruneSnapshotsOnRequest(store, { keep: 0, maxAgeDays: 30, maxTotalMb: 4096 }, { dryRun: false, reason: 'held back', operator: 'di' }), 'a snapshot prune', 'prune snapshots'],
        ];
        for (const [refused] of refusals) await expect(refused()).rejects.toMatchObject({ code: 'LOCK_HELD', message: expect.stringMatching(/; nothing was changed$/) });
        const taking = createSnapshotOnRequest(store, { reason: 'held back', operator: 'ed' });
        await expect(taking).rejects.toMatchObject({ code: 'LOCK_HELD' });
        const recorded = await attempts(store);
        expect(recorded.slice(1, 5).reverse()).toEqual(refusals.map(([, operation, what], index) => ({ operation, operator: ['ann', 'bo', 'cy', 'di'][index], outcome: 'failed', detail: expect.stringMatching(held(what)) })));
        expect(recorded[0]).toMatchObject({ operation: expect.stringMatching(/^the taking of snapshot /), operator: 'ed', outcome: 'failed', detail: expect.stringMatching(held('take a snapshot')) });
        expect(recorded[5]).toEqual({ operation: 'a restore of snapshot no-such-snapshot', operator: 'sam', outcome: 'failed', detail: `refused: no snapshot no-such-snapshot for ${store.location}; nothing was changed; reason: back` });
      } finally {
        await other.releaseWriterLock();
        await other.close();
      }
    });
  });
});
