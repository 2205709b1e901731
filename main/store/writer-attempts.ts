import type { Db } from './driver.js';
import { isProcessAlive } from './process.js';
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
 * of an update mid-retention), as `unfinished` with what is known of them; returns their ids. Called
 * with the writer lock held, by every writer (an update as a rollback): every attempt but a trial
 * session's is made under that lock, so any still open belongs to a process that is gone, as every
 * run still `running` does then. A trial session holds the writer lock only while one of its updates
 * runs — its own update is the writer calling this — so its attempt is settled only once its process
 * is known dead.
 */
export async function settleAbandonedAttempts(db: Db, now: Date): Promise<number[]> {
  const open = await db.selectFrom('writerAttempts').select(['id', 'operation', 'pid', 'host', 'detail']).where('outcome', 'is', null).execute();
  const gone = open.filter((a) => !a.operation.startsWith(TRIAL_SESSION_OPERATION) || !isProcessAlive(Number(a.pid), a.host));
  for (const attempt of gone) {
    const known = attempt.operation.startsWith(PRUNE_OPERATION) ? UNFINISHED_PRUNE : UNFINISHED;
    // What it said as it started (a deletion's reason) stays, after the outcome, as a settled attempt's detail reads.
    const detail = attempt.detail === null ? known : `${known}; ${attempt.detail}`;
    await db.updateTable('writerAttempts').set({ endedAt: now.toISOString(), outcome: 'unfinished', detail }).where('id', '=', attempt.id).where('outcome', 'is', null).execute();
  }
  return gone.map((a) => Number(a.id));
}
