import { GatehouseError } from '../../shared/errors.js';
import { snakeCase, TABLES } from './schema.js';

/**
 * A statement waits this long for a lock another session holds, on either backend. Gatehouse's own
 * writers take turns through the writer lock, so a longer wait means a session outside it is stuck
 * (an operator's open transaction, a DBA's LOCK TABLE): failing, retrying and then stopping the run
 * as interrupted tells the operator; waiting forever does not, and no signal can stop that wait.
 */
export const DEFAULT_LOCK_WAIT_MS = 5_000;

/**
 * The command-line option that named a database which must be there (StoreOptions.mustExist), and
 * what makes such a database: a refusal's hint names the option the user gave, not always --db.
 */
export interface DatabaseOption {
  option: string;
  madeBy: string;
}

/** `--db`, or GATEHOUSE_DB in its place: the database most commands read or change. */
export const DB_OPTION: DatabaseOption = { option: '--db (or GATEHOUSE_DB)', madeBy: '`gatehouse update` creates a database' };

/**
 * A command that reads or changes a store was pointed at one that is not there (StoreOptions.mustExist).
 * The console opened its database when it started (creating it if need be), so there it is one
 * deleted or moved since: it has no option to mistype.
 */
export function noDatabaseAt(location: string, namedBy: DatabaseOption = DB_OPTION): GatehouseError {
  return new GatehouseError('DB_UNREACHABLE', `no database at ${location}`, {
    hint: {
      cli: `check ${namedBy.option} for a typo; ${namedBy.madeBy}`,
      console: 'the database was deleted or moved after the console opened it: put it back where it was, or restart the console to start a new, empty one',
    },
  });
}

/**
 * PostgreSQL's undefined_table and invalid_schema_name, and SQLite's "no such table" (SQLITE_ERROR,
 * whose message alone tells it from the others). Every statement of the store names its own tables
 * (a record only ever fills parameters), so a store that opened is missing one only because someone
 * dropped its schema or a table of it (a `DROP SCHEMA … CASCADE` from psql, a `DROP TABLE` from the
 * sqlite3 shell), under a running console or update or before they started: the environment's
 * fault, never a record's.
 */
const STORE_PART_MISSING_SQLSTATES = new Set(['42P01', '3F000']);
const SQLITE_TABLE_MISSING = /^no such table: /;

export function isStorePartMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return false;
  return STORE_PART_MISSING_SQLSTATES.has(code) || (code === 'SQLITE_ERROR' && typeof message === 'string' && SQLITE_TABLE_MISSING.test(message));
}

/**
 * What was found lost outside Gatehouse: a part of the store dropped (its schema, a table of it), or
 * rows deleted from a table still there (a DELETE from the sqlite3 shell or psql), which no DROP did.
 */
export type StoreLoss = { dropped: true } | { rowsDeletedFrom: string };

const DROPPED: StoreLoss = { dropped: true };

/** What was done to the store, as it was found, and the moment a copy to put back must come from. */
function lossText(loss: StoreLoss): { done: string; before: string } {
  return 'rowsDeletedFrom' in loss
    ? { done: `rows of its table ${loss.rowsDeletedFrom} were deleted outside Gatehouse`, before: 'before the rows were deleted' }
    : { done: 'its schema, or a table of it, was dropped outside Gatehouse', before: 'before the table was dropped' };
}

/** What puts a store missing a part (or rows) back, or lets Gatehouse start a new one in its place, on each backend. */
function rebuiltBy(backend: 'sqlite' | 'postgres', before: string): { cli: string; console: string } {
  if (backend === 'postgres') {
    return {
      cli: 'restore the schema from a backup of it (pg_restore), or drop what is left of it (DROP SCHEMA … CASCADE) for `gatehouse update` to start a new, empty database there',
      console: 'restore the schema from a backup of it (pg_restore) and restart the console, or drop what is left of it (DROP SCHEMA … CASCADE) and restart the console to start a new, empty database there',
    };
  }
  return {
    cli: `put back a copy of the file from ${before} (a backup of it), or move the file away for \`gatehouse update\` to start a new, empty database there`,
    console: `put back a copy of the file from ${before} (a backup of it) and restart the console, or move the file away and restart the console to start a new, empty database there`,
  };
}

/**
 * A store whose schema, or a table of it, is gone (isStorePartMissing, or found missing as it
 * opens), as the one error a person can act on: DB_UNREACHABLE, as a database no longer there is (noDatabaseAt), naming the database
 * and what the database said is missing, instead of an unexpected "relation … does not exist" or "no such table".
 * `loss`: what was found — a table or schema dropped, or only rows deleted from a table still
 * there (a migration record with holes), said as such and not as a DROP no one made.
 */
export function storePartMissing(backend: 'sqlite' | 'postgres', location: string, said: string, cause?: unknown, loss: StoreLoss = DROPPED): GatehouseError {
  const { done, before } = lossText(loss);
  return new GatehouseError('DB_UNREACHABLE', `${notAllThere(location)} (${said}): ${done}`, {
    hint: rebuiltBy(backend, before),
    cause,
  });
}

/** How storePartMissing begins: a run's reason that says it once need not say it again (the engine's finish-run). */
export function notAllThere(location: string): string {
  return `the database at ${location} is not all there`;
}

/**
 * A store whose schema lacks tables its migrations made (dropped outside Gatehouse), as the refusal
 * that names them, or null when every table is there: refused as it opens, before an update creates
 * a run that could only stop at its first statement, and asked by Store.lostForGood. `present`: the
 * tables the backend lists; `keptElsewhere`: the store's tables this backend keeps outside them.
 */
export function missingTables(backend: 'sqlite' | 'postgres', location: string, present: Iterable<string>, keptElsewhere: readonly string[] = []): GatehouseError | null {
  const found = new Set(present);
  const missing = Object.keys(TABLES).map(snakeCase).filter((table) => !keptElsewhere.includes(table) && !found.has(table));
  return missing.length > 0 ? storePartMissing(backend, location, `no table ${missing.join(', ')}`) : null;
}

/** PostgreSQL's insufficient_privilege: the role Gatehouse connects as may not read or write a table of the store. */
export function isPrivilegeMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '42501';
}

/**
 * A table of the store the connecting role was denied (an administrator's REVOKE, a role set up
 * for another tool), as one error a person can act on instead of an unexpected "permission denied
 * for table flag_values": DB_NOT_WRITABLE, as the same denial met opening the store is.
 */
export function privilegeMissing(location: string, error: Error): GatehouseError {
  return new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${location}: ${error.message}`, {
    hint: 'the role Gatehouse connects as needs every privilege on the tables of its schema: GRANT them to it (GRANT ALL ON ALL TABLES IN SCHEMA … TO …), or connect as the role that owns them',
    cause: error,
  });
}

/** What to check when the database's environment refused a write (environmentFailure, DatabaseUnwritable). */
export const NOT_WRITABLE_HINT = 'check that the database and its folder can be written (permissions, an immutable flag, a read-only mount) and that the disk has room';

/**
 * The SQLite file this connection opened is no longer one it can write (Store.refuseWritesOnceGone):
 * deleted or moved away (DatabaseGone), or made immutable under it (DatabaseUnwritable). The
 * environment's fault, never a record's: an update it meets stops as `interrupted`.
 */
export class DatabaseFileLost extends GatehouseError {}

/**
 * The database file was deleted, moved or replaced after this connection opened it: a write would
 * go into a file no one reads again. To a command or the console the same DB_UNREACHABLE "no
 * database at …" as a database that is not there. The hint says no more than what fits whoever met
 * it: an update that had started a run says its resume in the run's reason, the scheduler goes on by
 * itself once the file is back, and a restore, rollback or flag change is asked again (forCommand).
 */
export class DatabaseGone extends DatabaseFileLost {
  constructor(
    private readonly location: string,
    then?: string,
  ) {
    super('DB_UNREACHABLE', noDatabaseAt(location).message, {
      hint: {
        cli: `the database file was deleted or moved while this command had it open: put it back where it was to keep what was written to it${then ? `, then ${then}` : ''}`,
        console: 'the database was deleted or moved after the console opened it: put it back where it was, or restart the console to start a new, empty one',
      },
    });
  }

  /** As a command that is not an update meets it (withStore): one change, refused, that no resume continues; it is simply asked again. */
  forCommand(): DatabaseGone {
    return new DatabaseGone(this.location, 'run the command again');
  }
}

/**
 * The database, its -wal or its -shm was made immutable (chattr +i) or its file system read-only
 * while this connection had it open. SQLite keeps the -shm mapped (the WAL index): the next write
 * into a page of that mapping is refused by the kernel with SIGBUS, which ends the process on the
 * spot — no run row, no message. Refused before it is written instead (SqliteDriver's refuseIfGone).
 */
export class DatabaseUnwritable extends DatabaseFileLost {
  constructor(location: string, file: string, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EROFS' ? 'is on a file system now read-only' : 'was made immutable (chattr +i)';
    super('DB_NOT_WRITABLE', `cannot write database ${location}: ${file} ${why} while this process had it open`, { hint: NOT_WRITABLE_HINT, cause });
  }
}

/**
 * The SQLite file could not be written when this connection opened it (immutable, on a read-only
 * file system, or its permissions): SQLite then opens it read-only, for the connection's life, so no
 * write of this process succeeds even once the file can be written again; only a new process writes.
 */
export class DatabaseOpenedReadOnly extends GatehouseError {
  constructor(location: string, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EROFS' ? 'was on a read-only file system' : cause.code === 'EPERM' ? 'was immutable (chattr +i)' : 'could not be written by this user (its permissions)';
    super('DB_NOT_WRITABLE', `cannot write database ${location}: it ${why} when this process opened it, so this process only reads it`, { hint: NOT_WRITABLE_HINT, cause });
  }
}

let abandoned = 0;

/**
 * A SQLite connection whose -shm was made immutable is never closed: SQLite's close checkpoints,
 * writing the mapped -shm, and the kernel answers that write with SIGBUS, ending the process before
 * its summary and exit code. Left open, the WAL and -shm stay on disk as a killed process leaves
 * them, and the next open (once the flag is lifted) recovers them. better-sqlite3 still closes every
 * open connection when Node tears its environment down after a natural exit, so a process that left
 * one must end with process.exit (abandonedConnections), which skips that teardown.
 */
export function connectionAbandoned(): void {
  abandoned += 1;
}

/** Whether this process left a SQLite connection open on a file it could no longer write (connectionAbandoned). */
export function abandonedConnections(): number {
  return abandoned;
}

const ENVIRONMENT_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);
const DISK_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EIO']);

/**
 * What the PostgreSQL server itself ran short of, by SQLSTATE: what the operator is told to do. The
 * fix is on the server, never in the command or the machine Gatehouse runs on — so not the hint of a
 * SQLite file (its folder, its permissions), and not "check the URL" for a server that answered.
 * `disk`: the server's disk, full or failing, exits as a SQLite file's disk does (isDiskFault).
 */
const POSTGRES_SHORT_OF: Record<string, { disk: boolean; hint: string }> = {
  '53100': { disk: true, hint: "the PostgreSQL server's disk is full (its data directory, a tablespace or its WAL): free room there, then run the command again; nothing of the refused write was kept" },
  '58030': { disk: true, hint: "the PostgreSQL server could not read or write its disk (an I/O error): see the server's log and its disk's health, then run the command again; nothing of the refused write was kept" },
  '53200': { disk: false, hint: "the PostgreSQL server ran out of memory: see the server's log (work_mem, max_connections, the machine's memory), then run the command again" },
  '53300': { disk: false, hint: "max_connections, or the role's or the database's CONNECTION LIMIT, is reached: end idle sessions (pg_stat_activity) or raise the limit, then run the command again" },
};

/** What the operator must do about the PostgreSQL server running short (disk, memory, connections), or undefined when `error` is not that. */
export function serverShortOfHint(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(POSTGRES_SHORT_OF, code) ? POSTGRES_SHORT_OF[code]!.hint : undefined;
}

/**
 * Whether `error`, or an error it was made of, is the disk itself — full, over quota or failing —
 * rather than a file or mount that refuses writes: no argument or permission fixes it, room on the disk does.
 * On both backends: the operating system's errno, SQLite's SQLITE_FULL/SQLITE_IOERR, PostgreSQL's disk_full and io_error.
 */
export function isDiskFault(error: unknown): boolean {
  return causedBy(error, (cause) => {
    const { code } = cause as { code?: unknown };
    return typeof code === 'string' && (DISK_ERRNOS.has(code) || /^SQLITE_(FULL|IOERR)/.test(code) || POSTGRES_SHORT_OF[code]?.disk === true);
  });
}

/**
 * Whether the error, or an error it was caused by (`cause`, however deep), is such: drivers and
 * GatehouseError wrap what the server or the operating system said, and the fault lies underneath.
 */
export function causedBy(error: unknown, such: (cause: Error) => boolean): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (such(cause)) return true;
  return false;
}

/**
 * A write the environment refused for want of room or resources (isDiskFault, or the PostgreSQL
 * server out of memory): the same command works once there is room, so it is not a usage error.
 */
export function isResourceFault(error: unknown): boolean {
  return isDiskFault(error) || causedBy(error, (cause) => (cause as { code?: unknown }).code === '53200');
}

/**
 * What both backends class as the environment's fault, not the records': the operating system
 * saying the disk is full, failing or read-only, a writer that lost its lock (it must stop
 * before writing unguarded), and a SQLite file deleted, moved or made immutable under its connection (DatabaseFileLost). The engine stops such a run as `interrupted`, quarantining nothing.
 */
export function isEnvironmentFault(error: unknown): boolean {
  if (error instanceof GatehouseError) return error.code === 'INTERRUPTED' || error instanceof DatabaseFileLost;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ENVIRONMENT_ERRNOS.has(code);
}

/** PostgreSQL's query_canceled: the server's statement_timeout passed, or an administrator's pg_cancel_backend. An update's run stops at it, resumable, without retrying (engine/transient-retry.ts). */
const QUERY_CANCELED_SQLSTATE = '57014';

/**
 * A rollback's or restore's statement the server canceled (QUERY_CANCELED_SQLSTATE), or null when
 * `error` is not that. Classed transient for an update, which then blames no record for it, it escaped a rollback
 * or a restore — one transaction, asked once — as "unexpected error: canceling statement due to
 * statement timeout", exit 1, with no word that nothing was changed or of the timeout to raise.
 * `failed`: what failed ("rollback of run 4 failed"); `nothingDone`: what the transaction leaves.
 */
export function canceledByServer(failed: string, nothingDone: string, error: unknown): GatehouseError | null {
  if (!isCanceledByServer(error)) return null;
  return new GatehouseError('DB_NOT_WRITABLE', `${failed}: the PostgreSQL server canceled a statement of it (${(error as Error).message}); ${nothingDone}`, {
    hint: STATEMENT_TIMEOUT_HINT,
    cause: error,
  });
}

/** What to do about a statement the server canceled, on every surface alike. */
const STATEMENT_TIMEOUT_HINT = "the server's statement_timeout for the role or database Gatehouse connects as (SHOW statement_timeout) is shorter than this takes: raise it for that role (ALTER ROLE … SET statement_timeout = 0), then try again; an administrator's pg_cancel_backend ends it the same way";

/** Whether PostgreSQL canceled the statement (QUERY_CANCELED_SQLSTATE): its statement_timeout, or pg_cancel_backend. */
export function isCanceledByServer(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === QUERY_CANCELED_SQLSTATE;
}

/**
 * Any other command's statement the server canceled (isCanceledByServer) — a flag change, a review,
 * a task's change, a snapshot taken, pruned or deleted, a read — as the boundaries say it
 * (environmentFailure): DB_NOT_WRITABLE with the setting to raise, as a rollback or a restore says
 * it (canceledByServer), not "unexpected error: canceling statement due to statement timeout", exit 1.
 */
export function statementCanceled(location: string, error: unknown): GatehouseError {
  return new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${location}: the PostgreSQL server canceled a statement (${(error as Error).message})`, {
    hint: STATEMENT_TIMEOUT_HINT,
    cause: error,
  });
}

/**
 * A run's reason when the server canceled its statement (not retried: the same statement would be
 * canceled again): not a database "unreachable or busy", and not one a resume gets past before the
 * setting is raised.
 */
export function canceledRunReason(said: string): string {
  return `the PostgreSQL server canceled a statement (its statement_timeout for the role Gatehouse connects as, or an administrator's pg_cancel_backend): ${said}; if its statement_timeout (SHOW statement_timeout) ended it, raise that for the role (ALTER ROLE … SET statement_timeout = 0) before resuming`;
}

/** PostgreSQL's lock_not_available: lock_timeout passed behind another session's lock. Like SQLITE_BUSY, retried, then the run stops. */
const LOCK_TIMEOUT_SQLSTATE = '55P03';

/** A wait past PostgreSQL's lock_timeout: the driver's error, or the LOCK_HELD refusal made of it (postgres/connection.ts). */
export function isLockTimeout(error: unknown): boolean {
  if (error instanceof GatehouseError) return error.code === 'LOCK_HELD' && error.cause !== undefined && isLockTimeout(error.cause);
  return (error as { code?: unknown } | null)?.code === LOCK_TIMEOUT_SQLSTATE;
}

/** PostgreSQL's "current transaction is aborted, commands ignored until end of transaction block". */
const TRANSACTION_ABORTED_SQLSTATE = '25P02';

/**
 * The transaction, not a record, is what failed: PostgreSQL aborted it at an earlier error no one
 * was told of (a ROLLBACK TO SAVEPOINT refused while the connection stayed up, whose failure a
 * pipelined rollback does not wait for), so every statement after says 25P02 whatever it writes;
 * or a savepoint could not be returned to (SavepointLost), leaving in the transaction what a
 * refused try wrote. Both backends class it as transient: the batch is written again in a new
 * transaction, and if that keeps failing the run stops as interrupted; no record is blamed.
 */
export function isTransactionLost(error: unknown): boolean {
  return error instanceof SavepointLost || (error as { code?: unknown } | null)?.code === TRANSACTION_ABORTED_SQLSTATE;
}

/** A ROLLBACK TO SAVEPOINT the database refused, after `work` failed inside the savepoint: the transaction holds what the work wrote. */
export class SavepointLost extends Error {
  constructor(
    readonly rollBackFailure: unknown,
    readonly workFailure: unknown,
  ) {
    super(`could not return to a savepoint after a write failed (${errorText(rollBackFailure)}); the transaction is lost, not the record's fault (the write had failed with: ${errorText(workFailure)})`);
    this.name = 'SavepointLost';
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const lostAtCommit = new WeakSet<object>();

/**
 * Marks `error`, the connection's failure as its COMMIT was sent: the server may have committed
 * before it went, or not — nothing on this side tells which. Kept beside the error, as
 * refusedWhileWriting is, so a batch's engine sees the driver's own error; a command's transaction
 * says it (CommitOutcomeUnknown).
 */
export function lostDuringCommit(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) lostAtCommit.add(error);
  return error;
}

export function wasLostDuringCommit(error: unknown): boolean {
  return typeof error === 'object' && error !== null && lostAtCommit.has(error);
}

/**
 * A transaction whose connection was lost during its COMMIT (lostDuringCommit), as its command says
 * it: the connection's failure (`lost`, DB_UNREACHABLE), then that whether it went through cannot be
 * told — not "nothing was changed", which only a failure before COMMIT can say.
 */
export class CommitOutcomeUnknown extends GatehouseError {
  constructor(lost: GatehouseError) {
    super(lost.code, `${lost.message}; the connection was lost during its COMMIT, so whether that went through cannot be told from here`, { hint: lost.hints, cause: lost });
  }
}

/** The writer lock is gone (its session died, another writer may hold it now): stop before the next COMMIT. */
export class WriterLockLost extends GatehouseError {
  constructor(location: string, why: string) {
    super('INTERRUPTED', `lost the writer lock on ${location} (${why}); stopped before writing unguarded`, {
      hint: 'resume the run once no other update is writing',
    });
  }
}

/**
 * The record a writer was writing when the database refused it. SQLite's refusals name no row, but
 * its writer runs one record's statements at a time, so it knows whose statement failed; isolation
 * can then take that record out first, as it does with the row PostgreSQL names. Kept beside the
 * error, not in it: the message and code stay the database's own.
 */
const refusedRecords = new WeakMap<object, string>();

export function refusedWhileWriting(error: unknown, eventId: string): unknown {
  if (typeof error === 'object' && error !== null) refusedRecords.set(error, eventId);
  return error;
}

/** The eventId `refusedWhileWriting` put beside the error, if any. */
export function recordRefusedIn(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? refusedRecords.get(error) : undefined;
}

/**
 * Test seams only (GATEHOUSE_TEST_FAULTS=1): stops this thread for good, once `where` is on stderr
 * (a pipe's write is synchronous on Linux, so the line is out first): a kill -9 at a known step.
 */
export function holdForGood(where: string): void {
  process.stderr.write(`test seam: holding at ${where}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
