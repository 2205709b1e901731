import os from 'node:os';
import type { WriterAttemptView as WriterAttempt } from '../../shared/api-operations.js';
import { lastEventBefore, newestFirstPage, type Store } from '../store/index.js';
import { describeTarget } from './rollback-decision.js';
import type { UndoTarget } from './undo-journal.js';

/**
 * The audit of rollbacks and restores as attempts (and of snapshots taken or pruned, by hand or by retention after a run, for who did it): a row as one starts (under the writer lock),
 * closed with its outcome as it ends. A rollback or restore killed with its process (kill -9 of
 * `gatehouse serve`) wrote nothing else — its own event is written in its one transaction, which
 * died with it — so without this row support staff could not tell that X had tried.
 */
export type { WriterAttempt };

type AuditStore = Pick<Store, 'queries'>;

/** "a rollback of batch 3 of run 12": the attempt's operation, and what a second writer is told holds the lock. */
export function rollbackOperation(target: UndoTarget): string {
  return `a rollback of ${describeTarget(target)}`;
}

/** "a restore of snapshot 2026-…". */
export function restoreOperation(snapshotId: string): string {
  return `a restore of snapshot ${snapshotId}`;
}

/** "a deletion of snapshot 2026-…": an operator removing one chosen snapshot. */
export function snapshotDeletionOperation(snapshotId: string): string {
  return `a deletion of snapshot ${snapshotId}`;
}

/** "the taking of snapshot 2026-…": a snapshot an operator asked for, recorded so the listing can say who took it. */
export function snapshotTakingOperation(snapshotId: string): string {
  return `the taking of snapshot ${snapshotId}`;
}

/** What a snapshot prune an operator asked for is called, in its attempt and to a writer it holds back. */
export const SNAPSHOT_PRUNE_OPERATION = 'a snapshot prune';

/** "a snapshot prune by retention after the snapshot of run 12": retention applied by itself, named by the run whose snapshot set it off. */
export function retentionPruneOperation(runId: number): string {
  return `${SNAPSHOT_PRUNE_OPERATION} by retention after the snapshot of run ${runId}`;
}

/**
 * The run or snapshot an attempt worked on, read back from its operation as the two functions
 * above word it (the row keeps the words only), so the console and the CLI's JSON can point at it.
 */
function attemptTarget(operation: string): Pick<WriterAttempt, 'runId' | 'snapshotId'> {
  const rollback = /^(?:a rollback of (?:batch \d+ of )?|a snapshot prune by retention after the snapshot of )run (\d+)$/.exec(operation);
  const restore = /^(?:a restore|a deletion|the taking) of snapshot (\S+)$/.exec(operation);
  return { runId: rollback ? Number(rollback[1]) : null, snapshotId: restore ? restore[1]! : null };
}

/**
 * `detail`: what is known as it starts (a deletion's reason), so an attempt whose process dies still
 * says it. A rollback's or restore's keeps the newest event of its kind, by which the next writer
 * finds its own if its process dies (settleAbandonedAttempts).
 */
export async function beginAttempt(store: AuditStore, attempt: { operation: string; operator: string | null; at: Date; detail?: string | null }): Promise<number> {
  const db = store.queries.db;
  const row = await db
    .insertInto('writerAttempts')
    .values({
      operation: attempt.operation, operator: attempt.operator, pid: process.pid, host: os.hostname(), startedAt: attempt.at.toISOString(), detail: attempt.detail ?? null,
      lastEventBefore: await lastEventBefore(db, attempt.operation),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function endAttempt(store: AuditStore, id: number, end: { at: Date; outcome: 'succeeded' | 'failed' | 'stopped' | 'unfinished'; detail: string | null }): Promise<void> {
  await store.queries.db.updateTable('writerAttempts').set({ endedAt: end.at.toISOString(), outcome: end.outcome, detail: end.detail }).where('id', '=', id).execute();
}

/** A refusal that came before its attempt began (lock.ts refused): one row, closed as it is written, so nothing is left to settle. */
export async function recordRefusal(store: AuditStore, attempt: { operation: string; operator: string | null; at: Date; detail: string }): Promise<void> {
  const at = attempt.at.toISOString();
  await store.queries.db
    .insertInto('writerAttempts')
    .values({ operation: attempt.operation, operator: attempt.operator, pid: process.pid, host: os.hostname(), startedAt: at, endedAt: at, outcome: 'failed', detail: attempt.detail, lastEventBefore: null })
    .execute();
}

/** Attempts newest first; `after` is the id of the last attempt of the previous page. */
export async function listAttempts(store: AuditStore, options: { limit?: number; after?: number } = {}): Promise<WriterAttempt[]> {
  const rows = await store.queries.db.selectFrom('writerAttempts').selectAll().$call((q) => newestFirstPage(q, options, 50)).execute();
  // Where its own event would be looked for is the settling's, not the audit's to show.
  return rows.map(({ lastEventBefore: _mark, ...row }) => ({ ...row, id: Number(row.id), pid: Number(row.pid), outcome: row.outcome as WriterAttempt['outcome'], ...attemptTarget(row.operation) }));
}

/**
 * What removed snapshot `id`, in words ("it was deleted by sam at … (attempt 9, reason: …)"): the
 * newest succeeded deletion of it, or prune (by hand or by retention after a run) naming it; null
 * when none did. A removed snapshot leaves the listing, so the attempts are where it is still known.
 */
export async function snapshotRemoval(store: AuditStore, id: string): Promise<string | null> {
  const row = await store.queries.db
    .selectFrom('writerAttempts')
    .select(['id', 'operation', 'operator', 'endedAt', 'detail'])
    .where('outcome', '=', 'succeeded')
    .where((eb) => eb.or([eb('operation', '=', snapshotDeletionOperation(id)), eb.and([eb('operation', 'like', `${SNAPSHOT_PRUNE_OPERATION}%`), eb('detail', 'like', `%pruned %${id}%`)])]))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const byRetention = row.operation.startsWith(`${SNAPSHOT_PRUNE_OPERATION} by `) ? row.operation.slice(SNAPSHOT_PRUNE_OPERATION.length + 1) : null;
  const how = row.operation.startsWith(SNAPSHOT_PRUNE_OPERATION) ? 'pruned' : 'deleted';
  const who = [byRetention, row.operator === null ? null : `by ${row.operator}`].filter((part) => part !== null).join(', ');
  const reason = /(?:^|; )reason: (.*)$/s.exec(row.detail ?? '')?.[1];
  return `it was ${how}${who ? ` ${who}` : ''} at ${row.endedAt} (attempt ${Number(row.id)}${reason === undefined ? '' : `, reason: ${reason}`})`;
}

/**
 * Who took each snapshot, by id, from the audit that outlives restores: the operator of a taking
 * that succeeded (one asked for by hand), the restore's operator for the safety snapshot it took
 * first (also of a restore that then failed or died: restoreAttemptsTakers), and the starter of the
 * run a before-run snapshot was taken for. Absent: nobody was named
 * (taken before this was recorded, or by retention's own schedule).
 */
export async function snapshotTakers(store: AuditStore, snapshots: readonly { id: string; kind: string; runId: number | null; createdAt: string }[]): Promise<Map<string, string>> {
  const db = store.queries.db;
  const takers = new Map<string, string>();
  if (snapshots.length === 0) return takers;
  const taken = await db.selectFrom('writerAttempts').select(['operation', 'operator']).where('outcome', '=', 'succeeded').where('operation', 'like', 'the taking of snapshot %').execute();
  for (const row of taken) {
    const { snapshotId } = attemptTarget(row.operation);
    if (snapshotId && row.operator) takers.set(snapshotId, row.operator);
  }
  const restores = await db.selectFrom('restoreEvents').select(['safetySnapshotId', 'operator']).where('safetySnapshotId', 'is not', null).execute();
  for (const row of restores) takers.set(row.safetySnapshotId!, row.operator);
  await restoreAttemptsTakers(store, snapshots.filter((s) => s.kind === 'safety' && !takers.has(s.id)), takers);
  const runIds = snapshots.filter((s) => s.kind === 'before-run' && s.runId !== null).map((s) => s.runId!);
  const starters = runIds.length === 0 ? [] : await db.selectFrom('runs').select(['id', 'startedBy']).where('id', 'in', runIds).execute();
  const starterOf = new Map(starters.map((run) => [Number(run.id), run.startedBy]));
  for (const snapshot of snapshots) {
    const starter = snapshot.runId === null ? null : starterOf.get(snapshot.runId);
    if (snapshot.kind === 'before-run' && starter) takers.set(snapshot.id, starter);
  }
  return takers;
}

/**
 * A safety snapshot whose restore failed after taking it (a refused row, a cut connection, a killed
 * process) has no restore event to name its operator; the restore's attempt does. The writer lock
 * lets one writer at a time, so the restore attempt open while the snapshot was taken is the one
 * that took it: its start is at or before the snapshot's time, its end (or its settling as
 * unfinished) at or after it.
 */
async function restoreAttemptsTakers(store: AuditStore, safety: readonly { id: string; createdAt: string }[], takers: Map<string, string>): Promise<void> {
  if (safety.length === 0) return;
  const attempts = await store.queries.db.selectFrom('writerAttempts').select(['operation', 'operator', 'startedAt', 'endedAt']).where('operation', 'like', 'a restore of snapshot %').where('operator', 'is not', null).execute();
  for (const snapshot of safety) {
    const at = Date.parse(snapshot.createdAt);
    const during = attempts.find((attempt) => Date.parse(attempt.startedAt) <= at && (attempt.endedAt === null || at <= Date.parse(attempt.endedAt)));
    if (during?.operator) takers.set(snapshot.id, during.operator);
  }
}
