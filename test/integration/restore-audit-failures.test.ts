import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { backupsList, createSnapshot, listAttempts, listRestores, restoreSnapshot, rollback, snapshotFolder, undoJournal } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { GatehouseError } from '../../shared/errors.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { refuseInserts } from '../helpers/refuse-inserts.js';

/**
 * A restore or rollback that fails part-way writes no restore or rollback event (each is one
 * transaction): its writer attempt is all the audit keeps of it, and the safety snapshot a restore
 * took before failing stays. Both must say who did it and why. The attempt named the operator but
 * not the reason, and the safety snapshot showed no one ("—" in `backups list` and the console):
 * only a restore event, written when a restore succeeds, named who took it.
 */
async function update(store: Store, spec: string) {
  return runUpdate({ store, source: await openSource(spec), batchSize: 20 });
}

/** 30 hearings, a manual snapshot of them, then 45: a restore of the snapshot would bring back 30. */
async function storeWithSnapshot(store: Store) {
  await update(store, 'synthetic:seed=21,count=30');
  const snapshot = await createSnapshot(store, { kind: 'manual' });
  await update(store, 'synthetic:seed=21,offset=30,count=15');
  return snapshot;
}

/** The attempts as support staff read them in `backups attempts`. */
async function attemptsRead(store: Store) {
  return (await listAttempts(store)).map(({ operation, operator, outcome, detail }) => ({ operation, operator, outcome, detail }));
}

/** Kills the connection that writes the next row into `table`, mid-transaction, as a network cut or a server restart would. */
async function cutConnectionOnInsert(store: Store, table: string): Promise<void> {
  await sql`CREATE FUNCTION cut_connection() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$`.execute(store.queries.db);
  await sql`CREATE TRIGGER cut_connection BEFORE INSERT ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION cut_connection()`.execute(store.queries.db);
}

/**
 * Kills the connection as it COMMITs a restore: a deferred trigger on the restore's own event ends its
 * session inside the COMMIT, as a network cut or a server restart at that moment would. The server
 * rolls it back; the client, whose COMMIT got no answer, cannot tell that from a COMMIT that went through.
 */
async function cutConnectionAtCommit(store: Store): Promise<void> {
  await sql`CREATE FUNCTION cut_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$`.execute(store.queries.db);
  await sql`CREATE CONSTRAINT TRIGGER cut_at_commit AFTER INSERT ON restore_events DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cut_at_commit()`.execute(store.queries.db);
}

describe.each(testBackends())('a restore or rollback that fails part-way on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('names the operator and the reason in the failed restore attempt, and removes the safety snapshot it took, nothing having been replaced', async () => {
    await withFreshStore(backend, async (store) => {
      const snapshot = await storeWithSnapshot(store);
      // Something outside Gatehouse refuses the restored rows after the safety snapshot is taken.
      await refuseInserts(store, 'hearings');
      const failure = /failed: .*audit write refused.*; nothing was restored; its safety snapshot \S+, the database as it still is, was removed/;
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feed since 9:00', operator: 'dee' })).rejects.toThrow(failure);
      // A retry on a nearly full disk adds no second copy either.
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feed since 9:00', operator: 'dee' })).rejects.toThrow(failure);

      expect(await store.countHearings()).toBe(45);
      expect(await listRestores(store)).toEqual([]);
      const [failed] = await attemptsRead(store);
      expect(failed).toEqual({ operation: `a restore of snapshot ${snapshot.id}`, operator: 'dee', outcome: 'failed', detail: expect.stringMatching(/nothing was restored; its safety snapshot \S+, the database as it still is, was removed; reason: bad feed since 9:00$/) });
      expect((await backupsList(store)).snapshots.filter((s) => s.kind === 'safety')).toEqual([]);
    });
  });

  it('names the operator and the reason in a restore attempt refused for a corrupted snapshot, taking no safety snapshot', async () => {
    await withFreshStore(backend, async (store) => {
      const snapshot = await storeWithSnapshot(store);
      if (store.backend === 'sqlite') {
        const copy = new Database(path.join(snapshotFolder(store.location), snapshot.file));
        copy.prepare("UPDATE hearings SET title = 'changed after it was taken'").run();
        copy.close();
      } else {
        await sql`UPDATE ${sql.table(`${snapshot.file}.hearings`)} SET title = 'changed after it was taken'`.execute(store.queries.db);
      }
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'back to the morning', operator: 'eve' })).rejects.toThrow(/failed verification: checksum differs/);

      expect(await store.countHearings()).toBe(45);
      expect(await attemptsRead(store)).toEqual([
        { operation: `a restore of snapshot ${snapshot.id}`, operator: 'eve', outcome: 'failed', detail: expect.stringMatching(/^snapshot \S+ failed verification: checksum differs.*; nothing was restored; reason: back to the morning$/) },
      ]);
      expect((await backupsList(store)).snapshots.filter((s) => s.kind === 'safety')).toEqual([]);
    });
  });

  it('refuses a missing or unknown snapshot before any safety snapshot, restoring nothing, and audits each refusal', async () => {
    await withFreshStore(backend, async (store) => {
      const snapshot = await storeWithSnapshot(store);
      await expect(restoreSnapshot(store, { snapshotId: 'no-such-snapshot', reason: 'why', operator: 'fay' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `no snapshot no-such-snapshot for ${store.location}` });
      if (store.backend === 'sqlite') fs.rmSync(path.join(snapshotFolder(store.location), snapshot.file));
      else await sql`DROP SCHEMA ${sql.id(snapshot.file)} CASCADE`.execute(store.queries.db);
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'why', operator: 'fay' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await store.countHearings()).toBe(45);
      // Refused before the lock, recorded as every writer's refusal is: failed, "refused: …; nothing was changed".
      expect(await attemptsRead(store)).toEqual([
        { operation: `a restore of snapshot ${snapshot.id}`, operator: 'fay', outcome: 'failed', detail: expect.stringMatching(new RegExp(`^refused: snapshot ${snapshot.id} cannot be restored: its (file|schema) .* is missing; nothing was changed; reason: why$`)) },
        { operation: 'a restore of snapshot no-such-snapshot', operator: 'fay', outcome: 'failed', detail: `refused: no snapshot no-such-snapshot for ${store.location}; nothing was changed; reason: why` },
      ]);
      expect((await backupsList(store)).snapshots.filter((s) => s.kind === 'safety')).toEqual([]);
    });
  });

  it('names the operator and the reason in a rollback attempt whose event could not be written, rolling back nothing', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=22,count=30');
      await refuseInserts(store, 'rollback_events');
      await expect(rollback(store, { runId: 1, reason: 'the feed was a test feed', operator: 'gus' })).rejects.toThrow(/audit write refused/);

      expect(await store.countHearings()).toBe(30);
      expect(await undoJournal(store).listEvents()).toEqual([]);
      expect(await attemptsRead(store)).toEqual([
        { operation: 'a rollback of run 1', operator: 'gus', outcome: 'failed', detail: expect.stringMatching(/audit write refused.*; reason: the feed was a test feed$/) },
      ]);
    });
  });

  /**
   * Cut at its COMMIT, a restore said "…; nothing was restored; its safety snapshot … is kept: … whether
   * the restore committed cannot be told": two answers in one line, the first one not known. Then "may
   * or may not have been made", where a new connection could tell: its restore event is asked after.
   */
  it.runIf(backend.name === 'postgres')('says a restore whose connection is cut during its COMMIT, and whose restore event is not there after, was not made, and keeps its safety snapshot', async () => {
    await withFreshStore(backend, async (store) => {
      const snapshot = await storeWithSnapshot(store);
      await cutConnectionAtCommit(store);
      const failure = await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feed since noon', operator: 'hal' }).then(() => null, (error: unknown) => error as GatehouseError);

      const [safety] = (await backupsList(store)).snapshots.filter((s) => s.kind === 'safety');
      expect(safety?.takenBy).toBe('hal');
      const said = `restore from snapshot ${snapshot.id} failed: PostgreSQL at ${store.location} ended this session: terminating connection due to administrator command; asked again on a new connection, its restore event is not there: its COMMIT did not go through; nothing was restored; its safety snapshot ${safety!.id} is kept: the connection to the server was lost before the restore was committed, so nothing was restored, and nothing is removed through it; delete the copy with gatehouse backups delete once the database answers again`;
      expect(failure?.message).toBe(said);
      // The server rolled it back: the list says so, and the database is as it was.
      expect(await listRestores(store)).toEqual([]);
      expect(await store.countHearings()).toBe(45);
      expect((await attemptsRead(store))[0]).toEqual({ operation: `a restore of snapshot ${snapshot.id}`, operator: 'hal', outcome: 'failed', detail: `${said}; reason: bad feed since noon` });
    });
  });

  it.runIf(backend.name === 'postgres')('names the operator and the reason of a restore whose connection is cut half-way, and who took its safety snapshot', async () => {
    await withFreshStore(backend, async (store) => {
      const snapshot = await storeWithSnapshot(store);
      await cutConnectionOnInsert(store, 'hearings');
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feed since noon', operator: 'hal' })).rejects.toThrow(/nothing was restored; its safety snapshot \S+ is kept: the connection to the server was lost/);

      expect(await store.countHearings()).toBe(45);
      expect(await listRestores(store)).toEqual([]);
      const [cut] = await attemptsRead(store);
      expect(cut).toMatchObject({ operation: `a restore of snapshot ${snapshot.id}`, operator: 'hal', detail: expect.stringMatching(/; reason: bad feed since noon$/) });
      expect((await backupsList(store)).snapshots.filter((s) => s.kind === 'safety').map((s) => s.takenBy)).toEqual(['hal']);
    });
  });
});
