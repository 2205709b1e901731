import os from 'node:os';
import type { WriterAttemptView as WriterAttempt } from '../../shared/api-operations.js';
import { newestFirstPage, runningTrialOn, type Store } from '../store/index.js';

/**
 * The audit of rollbacks and restores as attempts: a row as one starts (under the writer lock),
 * closed with its outcome as it ends. A rollback or restore killed with its process (kill -9 of
 * `gatehouse serve`) wrote nothing else — its own event is written in its one transaction, which
 * died with it — so without this row support staff could not tell that X had tried.
 */
export type { WriterAttempt };

/**
 * What is known of an attempt whose process died: each operation is one transaction, so either its
 * own event (rollback event, restore) is in the audit after `startedAt`, or nothing of it was kept.
 */
const UNFINISHED_DETAIL = 'the process running it stopped before it reported an outcome (killed or crashed); it ran in one transaction, so unless its rollback event or restore is in the audit, nothing of it was changed';

/** A trial writes only its staging target, a step at a time: what it left there is its ledger's to say. */
const UNFINISHED_TRIAL_DETAIL = 'the process running the trial stopped before it reported an outcome (killed or crashed); this database was not changed, and its staging target holds the trials it finished (see its ledger)';

type AuditStore = Pick<Store, 'queries'>;

/** `trialStaging`: the staging target a trial session holds (stagingKeyOf), null for a rollback or restore. */
export async function beginAttempt(store: AuditStore, attempt: { operation: string; operator: string | null; at: Date; trialStaging?: string }): Promise<number> {
  const row = await store.queries.db
    .insertInto('writerAttempts')
    .values({ operation: attempt.operation, operator: attempt.operator, pid: process.pid, host: os.hostname(), startedAt: attempt.at.toISOString(), trialStaging: attempt.trialStaging ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function endAttempt(store: AuditStore, id: number, end: { at: Date; outcome: 'succeeded' | 'failed'; detail: string | null }): Promise<void> {
  await store.queries.db.updateTable('writerAttempts').set({ endedAt: end.at.toISOString(), outcome: end.outcome, detail: end.detail }).where('id', '=', id).execute();
}

/**
 * Called with the writer lock held: no other rollback or restore can be running, so every attempt
 * still open belongs to a process that died, as every run still `running` does then. A trial holds
 * its staging target instead, so its attempt is settled only once no trial holds that target.
 */
export async function settleUnfinishedAttempts(store: Pick<Store, 'queries' | 'backend' | 'location'>, now: Date): Promise<void> {
  const unfinished = (detail: string) => store.queries.db.updateTable('writerAttempts').set({ endedAt: now.toISOString(), outcome: 'unfinished', detail }).where('outcome', 'is', null);
  await unfinished(UNFINISHED_DETAIL).where('trialStaging', 'is', null).execute();
  const trials = await store.queries.db.selectFrom('writerAttempts').select('trialStaging').distinct().where('outcome', 'is', null).where('trialStaging', 'is not', null).execute();
  for (const { trialStaging } of trials) {
    if (!(await runningTrialOn(store, trialStaging!))) await unfinished(UNFINISHED_TRIAL_DETAIL).where('trialStaging', '=', trialStaging).execute();
  }
}

/** Called by a trial holding `trialStaging`: any other attempt still open on that target was a trial that died. */
export async function settleTrialAttempts(store: AuditStore, trialStaging: string, now: Date): Promise<void> {
  await store.queries.db.updateTable('writerAttempts').set({ endedAt: now.toISOString(), outcome: 'unfinished', detail: UNFINISHED_TRIAL_DETAIL }).where('outcome', 'is', null).where('trialStaging', '=', trialStaging).execute();
}

/** `work` between its attempt's start and end rows; a failure to close the row leaves it for the next writer to settle. */
export async function asAttempt<T>(store: AuditStore, attempt: { operation: string; operator: string | null; trialStaging?: string }, clock: () => Date, work: () => Promise<T>): Promise<T> {
  const id = await beginAttempt(store, { ...attempt, at: clock() });
  const end = (outcome: 'succeeded' | 'failed', detail: string | null) => endAttempt(store, id, { at: clock(), outcome, detail }).catch(() => undefined);
  try {
    const result = await work();
    await end('succeeded', null);
    return result;
  } catch (error) {
    await end('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/** Attempts newest first; `after` is the id of the last attempt of the previous page. */
export async function listAttempts(store: AuditStore, options: { limit?: number; after?: number } = {}): Promise<WriterAttempt[]> {
  const rows = await store.queries.db.selectFrom('writerAttempts').selectAll().$call((q) => newestFirstPage(q, options, 50)).execute();
  return rows.map((row) => ({ ...row, id: Number(row.id), pid: Number(row.pid), outcome: row.outcome as WriterAttempt['outcome'] }));
}
