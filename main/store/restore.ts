import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import type { RepointedTask } from '../../shared/api-operations.js';
import { GatehouseError } from '../../shared/errors.js';
import { byCodeOrder, type Db } from './driver.js';
import { canceledByServer, CommitOutcomeUnknown, DatabaseGone } from './faults.js';
import { rewriteMigrationRecord, storeShape } from './damaged.js';
import type { Backend } from './types.js';
import { refoldWhereStale } from './repositories/anomaly-folds.js';
import { countHearings } from './repositories/runs.js';
import { type Database, REPLACED_TABLES, snakeCase, type TableName } from './schema.js';
import type { RestoreEvent, RestoreRequest, Snapshot } from './snapshot-types.js';

/**
 * The one restore, whichever backend: inside the caller's transaction, every table a restore
 * replaces is emptied (children first) and refilled from the snapshot's copy (parents first), then
 * the restore is recorded. The audit tables and the run-id high-water mark are never touched, so
 * rollback events, flag events, reviews and earlier restores outlive it and no run id comes back.
 * Flag values and scheduled tasks are kept too: they are support staff's standing decisions, not
 * data, so a kill switch flipped this morning is still on after restoring yesterday's database, and
 * a task disabled since stays off.
 *
 * `source` names where the snapshot's tables are (an attached SQLite database or a PostgreSQL
 * schema); `columnsIn` lists the SQL names of the columns a snapshot table shares with the live one, so a snapshot from before a
 * migration that added a column restores with that column's default.
 */
export async function replaceFromSnapshot(
  trx: Db,
  source: string,
  columnsIn: (table: TableName) => Promise<string[]>,
  snapshot: Snapshot,
  request: RestoreRequest,
): Promise<RestoreEvent> {
  const hearingsBefore = await countHearings(trx);
  const removedRunIds = await runsNotIn(trx, source);
  for (const table of [...REPLACED_TABLES].reverse()) await sql`DELETE FROM ${sql.id(snakeCase(table))}`.execute(trx);
  for (const table of REPLACED_TABLES) {
    const shared = await columnsIn(table);
    // A table created after the snapshot was taken comes back empty.
    if (shared.length === 0) continue;
    const columns = sql.join(shared.map((column) => sql.id(column)));
    // Quoted here, not by the query layer, which would rewrite capitals in a user's schema name.
    const from = sql.raw(`"${source.replaceAll('"', '""')}"."${snakeCase(table)}"`);
    await sql`INSERT INTO ${sql.id(snakeCase(table))} (${columns}) SELECT ${columns} FROM ${from}`.execute(trx);
  }
  await reapplyReviewMarks(trx);
  // A snapshot from before folds were stored brings its anomalous runs back without them.
  await refoldWhereStale(trx);
  const repointedTasks = await repointTasksPastRemovedRuns(trx);
  const row = await trx
    .insertInto('restoreEvents')
    .values({
      snapshotId: snapshot.id, snapshotTakenAt: snapshot.createdAt, safetySnapshotId: request.safetySnapshotId, operator: request.operator,
      reason: request.reason, at: request.at, hearingsBefore, hearingsAfter: await countHearings(trx), repointedTasksJson: JSON.stringify(repointedTasks),
      removedRunIdsJson: JSON.stringify(removedRunIds),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return restoreEventFromRow(row);
}

/**
 * A restore into a store opened not all there (StoreOptions.forRestore), inside its transaction: the
 * replaced tables that were dropped are made again first (`remake.table`, each backend's DDL), so
 * they can be filled; then `work` restores; then what must hold over the filled tables is put back
 * (`remake.relink`: PostgreSQL's foreign keys) and the migration record gets back rows lost outside
 * Gatehouse, once the tables show every migration ran (rewriteMigrationRecord).
 */
export async function mendingDamage<T>(trx: Db, backend: Backend, damaged: boolean, remake: Remake, now: Date, work: () => Promise<T>): Promise<T> {
  if (!damaged) return work();
  const missing = (await storeShape(trx, backend)).replacedMissing;
  for (const table of missing) await remake.table(table);
  const result = await work();
  await remake.relink?.(missing);
  await rewriteMigrationRecord(trx, backend, now);
  return result;
}

export interface Remake {
  table: (table: TableName) => Promise<void>;
  relink?: (remade: readonly TableName[]) => Promise<void>;
}

/** The live runs the snapshot at `source` lacks: the ones this restore takes away. */
async function runsNotIn(trx: Db, source: string): Promise<number[]> {
  const from = sql.raw(`"${source.replaceAll('"', '""')}"."runs"`);
  const { rows } = await sql<{ id: number | string }>`SELECT id FROM runs WHERE id NOT IN (SELECT id FROM ${from}) ORDER BY id`.execute(trx);
  return rows.map((row) => Number(row.id));
}

/** A restore as recorded, the tasks it re-pointed as objects (the same on both backends: JSON text). */
export function restoreEventFromRow(row: Selectable<Database['restoreEvents']>): RestoreEvent {
  // Which runs it removed is read only by a rollback that asks for one of them (restoreThatRemoved).
  const { repointedTasksJson, removedRunIdsJson: _removed, ...rest } = row;
  return { ...rest, repointedTasks: JSON.parse(repointedTasksJson) as RepointedTask[] };
}

/**
 * Scheduled tasks are kept through a restore, but the run a task names as its last may be one the
 * restore took away (a run after the snapshot): the task then names its newest run that survived,
 * or none, so the console and `tasks list` never point at a run that does not exist. Run ids are
 * never reused, so the largest id is the newest run.
 */
async function repointTasksPastRemovedRuns(trx: Db): Promise<RepointedTask[]> {
  const removedRun = (eb: ExpressionBuilder<Database, 'scheduledTasks'>) =>
    eb.and([eb('scheduledTasks.lastRunId', 'is not', null), eb.not(eb.exists(eb.selectFrom('runs').select('runs.id').whereRef('runs.id', '=', 'scheduledTasks.lastRunId')))]);
  const newestSurviving = (eb: ExpressionBuilder<Database, 'scheduledTasks'>) =>
    eb.selectFrom('runs').select((r) => r.fn.max('runs.id').as('id')).whereRef('runs.task', '=', 'scheduledTasks.name');
  const repointed = await trx
    .selectFrom('scheduledTasks')
    .select((eb) => ['name as task', 'lastRunId as lastRunIdBefore', newestSurviving(eb).as('lastRunIdAfter')])
    .where(removedRun)
    .execute();
  // By code in JavaScript, as inCodeOrder orders tasks elsewhere: the transaction does not say its backend.
  repointed.sort((a, b) => byCodeOrder(a.task, b.task));
  if (repointed.length === 0) return [];
  await trx.updateTable('scheduledTasks').set((eb) => ({ lastRunId: newestSurviving(eb) })).where(removedRun).execute();
  return repointed.map((task) => ({ task: task.task, lastRunIdBefore: Number(task.lastRunIdBefore), lastRunIdAfter: task.lastRunIdAfter === null ? null : Number(task.lastRunIdAfter) }));
}

/**
 * Any failure of a restore, whichever backend: it happened in one transaction, so nothing was
 * restored, and the message says so whatever failed — a lost connection or a lost writer lock too,
 * which support staff would otherwise read as a restore cut off half-way. Their code stays. But a
 * connection lost during its COMMIT (CommitOutcomeUnknown) may have let it through: that is said
 * instead, and where to see which.
 */
export function restoreFailure(snapshot: Snapshot, error: unknown): GatehouseError {
  if (error instanceof CommitOutcomeUnknown) return new GatehouseError(error.code, `restore from snapshot ${snapshot.id} may or may not have been made: ${error.message}`, { cause: error });
  const failed = `restore from snapshot ${snapshot.id} failed`;
  if (!(error instanceof GatehouseError)) return canceledByServer(failed, 'nothing was restored', error) ?? new GatehouseError('DB_NOT_WRITABLE', `${failed}: ${(error as Error).message}; nothing was restored`, { cause: error });
  // A lost lock's own hint is a run's ("resume the run"): a restore is simply asked again.
  // A file moved away under it has no run to resume either: the restore is asked again once the file is back.
  const hint = error.code === 'INTERRUPTED' ? 'run the restore again once no other writer holds the database' : error instanceof DatabaseGone ? error.forCommand().hints : error.hints;
  return new GatehouseError(error.code, `${failed}: ${error.message}; nothing was restored`, { hint, cause: error });
}

/**
 * Whether the restore that wrote restore event `eventId` was committed, asked on a new connection
 * after the one that sent its COMMIT was lost before the answer came: the event is written in the
 * restore's one transaction, so it is there exactly when the restore is. Undefined: the database
 * did not answer the question either, and the restore's outcome stays unknown.
 */
export async function restoreLanded(db: Db, eventId: number): Promise<boolean | undefined> {
  return db.selectFrom('restoreEvents').select('id').where('id', '=', eventId).executeTakeFirst().then((row) => row !== undefined, () => undefined);
}

/**
 * A restore cut at its COMMIT whose event was then found stored: it was made, and its report and
 * attempt say how it was known, in the words a rollback's whose answer was lost uses.
 */
export function committedAllTheSame(snapshot: Snapshot, error: CommitOutcomeUnknown, eventId: number): string {
  const lost = error.cause instanceof GatehouseError ? error.cause : error;
  return `the connection to the database was lost during the restore from snapshot ${snapshot.id} (${lost.message}); it was committed all the same, before the answer could come back: restore ${eventId} is stored`;
}

/** A restore cut at its COMMIT whose event was then found missing: it was not made, said as a connection lost before its COMMIT is. */
export function notCommitted(error: CommitOutcomeUnknown): GatehouseError {
  const lost = error.cause instanceof GatehouseError ? error.cause : error;
  return new GatehouseError(lost.code, `${lost.message}; asked again on a new connection, its restore event is not there: its COMMIT did not go through`, { hint: lost.hints, cause: lost });
}

/** What re-checking a snapshot's checksum finds: [] when it is the one recorded. */
export function checksumProblems(snapshot: Snapshot, sha256: string): string[] {
  return sha256 === snapshot.sha256 ? [] : [`checksum differs: recorded ${snapshot.sha256.slice(0, 12)}…, now ${sha256.slice(0, 12)}…`];
}

/** The reviews that set runs.review; `accepted` changes a held run's status instead. */
export const REVIEW_MARKS = ['expected', 'confirmed', 'reopened'];

/**
 * Runs come back from a restore as they were in the snapshot; the operators' reviews of them do
 * not change with it, so each run's review mark is set again from the latest expected/confirmed/reopened one.
 */
async function reapplyReviewMarks(trx: Db): Promise<void> {
  await trx
    .updateTable('runs')
    .set((eb) => ({
      review: eb
        .selectFrom('runReviews')
        .select('action')
        .whereRef('runReviews.runId', '=', 'runs.id')
        .where('action', 'in', REVIEW_MARKS)
        .orderBy('runReviews.id', 'desc')
        .limit(1),
    }))
    .where('id', 'in', (eb) => eb.selectFrom('runReviews').select('runId').where('action', 'in', REVIEW_MARKS))
    .execute();
  await trx.updateTable('runs').set({ review: null }).where('review', '=', 'reopened').execute();
}
