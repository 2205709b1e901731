import type { Db } from './driver.js';
import { TRIAL_SESSION_OPERATION } from './repositories/trials.js';

/**
 * What is known of an attempt whose process died: each operation is one transaction, so either its
 * own event (rollback event, restore) is in the audit after `startedAt`, or nothing of it was kept.
 */
const UNFINISHED = 'the process running it stopped before it reported an outcome (killed or crashed); it ran in one transaction, so unless its rollback event or restore is in the audit, nothing of it was changed (a snapshot deletion: unless the snapshot is gone from the list)';

/** A prune removes its snapshots one by one, not in one transaction: one killed part-way kept some of them. */
const UNFINISHED_PRUNE = 'the process running it stopped before it reported an outcome (killed or crashed); it removes snapshots one at a time, so those it removed before it stopped are gone from the list and the others are kept (the next prune judges them again)';

/** How a snapshot prune's operation begins, by hand or by retention after a run (main/backup/attempts.ts words them). */
const PRUNE_OPERATION = 'a snapshot prune';

/**
 * Ends the writer attempts left open by a process that died (kill -9 of `gatehouse serve` mid-rollback,
 * of an update mid-retention, of a trial), as `unfinished` with what is known of them; returns their
 * ids. Called with the writer lock held, by every writer (an update as a rollback).
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
  const open = await db.selectFrom('writerAttempts').select(['id', 'operation', 'detail']).where('outcome', 'is', null).orderBy('id').execute();
  const holding = trialHeld ? open.filter((a) => a.operation.startsWith(TRIAL_SESSION_OPERATION)).at(-1)?.id : undefined;
  const gone = open.filter((a) => a.id !== holding);
  for (const attempt of gone) {
    const known = attempt.operation.startsWith(PRUNE_OPERATION) ? UNFINISHED_PRUNE : UNFINISHED;
    // What it said as it started (a deletion's reason) stays, after the outcome, as a settled attempt's detail reads.
    const detail = attempt.detail === null ? known : `${known}; ${attempt.detail}`;
    await db.updateTable('writerAttempts').set({ endedAt: now.toISOString(), outcome: 'unfinished', detail }).where('id', '=', attempt.id).where('outcome', 'is', null).execute();
  }
  return gone.map((a) => Number(a.id));
}
