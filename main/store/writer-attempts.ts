import type { Db } from './driver.js';
import { TRIAL_SESSION_OPERATION } from './repositories/trials.js';

/** Said of every attempt whose process died, before what is known of it. */
const STOPPED = 'the process running it stopped before it reported an outcome (killed or crashed)';

/**
 * What is known of an attempt whose own event cannot be looked for: a snapshot deletion or taking, or a
 * rollback or restore begun before its attempt kept where its event would be (migration 041).
 */
const UNFINISHED = `${STOPPED}; it ran in one transaction, so unless its rollback event or restore is in the audit, nothing of it was changed (a snapshot deletion: unless the snapshot is gone from the list)`;

/** A prune removes its snapshots one by one, not in one transaction: one killed part-way kept some of them. */
const UNFINISHED_PRUNE = `${STOPPED}; it removes snapshots one at a time, so those it removed before it stopped are gone from the list and the others are kept (the next prune judges them again)`;

/** How a snapshot prune's operation begins, by hand or by retention after a run (main/backup/attempts.ts words them). */
const PRUNE_OPERATION = 'a snapshot prune';

/** The event a rollback or a restore writes in its one transaction, and what it was of: found by its attempt's operation (main/backup/attempts.ts words it). */
type OwnEvent = { table: 'rollbackEvents'; said: 'rollback event'; runId: number; batchSeq: number | null } | { table: 'restoreEvents'; said: 'restore'; snapshotId: string };

function ownEventOf(operation: string): OwnEvent | null {
  const rollback = /^a rollback of (?:batch (\d+) of )?run (\d+)$/.exec(operation);
  if (rollback) return { table: 'rollbackEvents', said: 'rollback event', runId: Number(rollback[2]), batchSeq: rollback[1] === undefined ? null : Number(rollback[1]) };
  const restore = /^a restore of snapshot (\S+)$/.exec(operation);
  return restore ? { table: 'restoreEvents', said: 'restore', snapshotId: restore[1]! } : null;
}

/**
 * As an attempt begins, under the writer lock: the id of the newest event of the kind its operation
 * writes (0: none yet), kept on it so the next writer can find its own after it; null for an
 * operation that writes none.
 */
export async function lastEventBefore(db: Db, operation: string): Promise<number | null> {
  const own = ownEventOf(operation);
  if (own === null) return null;
  const newest = await db.selectFrom(own.table).select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(newest?.id ?? 0);
}

/**
 * The event of `own`'s target stored after `after`. The writer lock lets one writer at a time, and the
 * next one settles what a dead one left before it writes anything: an event stored since the attempt
 * began is its own, which is there exactly when its one transaction was committed. Ids, not times:
 * hosts sharing a PostgreSQL database need not agree on the clock.
 */
async function eventAfter(db: Db, own: OwnEvent, after: number): Promise<{ id: number; at: string } | undefined> {
  const row =
    own.table === 'rollbackEvents'
      ? await db.selectFrom('rollbackEvents').select(['id', 'at']).where('id', '>', after).where('runId', '=', own.runId)
        .where((eb) => (own.batchSeq === null ? eb('batchSeq', 'is', null) : eb('batchSeq', '=', own.batchSeq))).orderBy('id').limit(1).executeTakeFirst()
      : await db.selectFrom('restoreEvents').select(['id', 'at']).where('id', '>', after).where('snapshotId', '=', own.snapshotId).orderBy('id').limit(1).executeTakeFirst();
  return row === undefined ? undefined : { id: Number(row.id), at: row.at };
}

/** What the audit shows an attempt whose process died did: its outcome, and the words that say how that is known. */
async function whatItDid(db: Db, attempt: { operation: string; lastEventBefore: number | null }): Promise<{ outcome: 'succeeded' | 'failed' | 'unfinished'; known: string }> {
  if (attempt.operation.startsWith(PRUNE_OPERATION)) return { outcome: 'unfinished', known: UNFINISHED_PRUNE };
  const own = ownEventOf(attempt.operation);
  if (own === null || attempt.lastEventBefore === null) return { outcome: 'unfinished', known: UNFINISHED };
  const event = await eventAfter(db, own, attempt.lastEventBefore);
  if (event !== undefined) return { outcome: 'succeeded', known: `${STOPPED}, after it was committed: ${own.said} ${event.id} (at ${event.at}) is stored` };
  const safety = own.table === 'restoreEvents' ? '; a safety snapshot it may have taken first is the database as it still is' : '';
  return { outcome: 'failed', known: `${STOPPED}; it was not committed: nothing was changed (the audit holds no ${own.said} of it)${safety}` };
}

/**
 * Ends the writer attempts left open by a process that died (kill -9 of `gatehouse rollback`, of
 * `gatehouse serve` mid-rollback, of an update mid-retention, of a trial) with what is known of them;
 * returns their ids. Called with the writer lock held, by every writer (an update as a rollback),
 * before it writes anything.
 *
 * A rollback or restore is one transaction that writes its own event: settled `succeeded` when that
 * event is stored, `failed` when it is not (eventAfter). What cannot be told stays `unfinished`: a
 * prune (it removes snapshots one at a time), a snapshot deletion or taking, a trial session, and a
 * rollback or restore begun before migration 041.
 *
 * One rule, as for runs left `running` (markOrphanedRunsInterrupted): what a process left open is
 * abandoned unless the lock it was made under is held by someone live, and it is that holder's. The
 * lock decides, not the pid: a pid says nothing of a process on another host (a shared PostgreSQL),
 * and a dead holder's lock is already free (its advisory lock's session gone, its lock file's process
 * dead on this host). Every attempt but a trial session's is made under the writer lock the caller
 * holds: all of them. A trial session is made under its staging target's lock, held for the whole
 * session (`trialHeld`): while one holds it, that session's attempt is the newest open one (each
 * begins its attempt after taking the lock), and every older one's process is gone.
 */
export async function settleAbandonedAttempts(db: Db, now: Date, trialHeld: boolean): Promise<number[]> {
  const open = await db.selectFrom('writerAttempts').select(['id', 'operation', 'detail', 'lastEventBefore']).where('outcome', 'is', null).orderBy('id').execute();
  const holding = trialHeld ? open.filter((a) => a.operation.startsWith(TRIAL_SESSION_OPERATION)).at(-1)?.id : undefined;
  const gone = open.filter((a) => a.id !== holding);
  for (const attempt of gone) {
    const { outcome, known } = await whatItDid(db, { operation: attempt.operation, lastEventBefore: attempt.lastEventBefore === null ? null : Number(attempt.lastEventBefore) });
    // What it said as it started (a deletion's reason) stays, after the outcome, as a settled attempt's detail reads.
    const detail = attempt.detail === null ? known : `${known}; ${attempt.detail}`;
    await db.updateTable('writerAttempts').set({ endedAt: now.toISOString(), outcome, detail }).where('id', '=', attempt.id).where('outcome', 'is', null).execute();
  }
  return gone.map((a) => Number(a.id));
}
