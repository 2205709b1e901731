import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect, sql, type SqlBool } from 'kysely';
import { containsWith, queryLayer, type BulkHearingWriter, type Db, type StoreDriver } from '../driver.js';
import type { GatehouseError } from '../../../shared/errors.js';
import { connectionAbandoned, DatabaseGone, DatabaseOpenedReadOnly, DatabaseUnwritable, DEFAULT_LOCK_WAIT_MS, isStorePartMissing, noDatabaseAt } from '../faults.js';
import type { DatabaseFault, StoreOptions } from '../types.js';
import { foldCase, foldedColumn, registerCaseFold } from './case-fold.js';
import { SqliteHearingWriter } from './hearing-writer.js';
import { ENVIRONMENT_FAULT_CODE, immediateTransaction, openSqliteFile, openSqliteFileAsItIs, tablesMissingFrom } from './open.js';
import { isNotAllThere } from '../damaged.js';
import { IntegrityGuard } from './integrity.js';
import { SqliteSnapshots } from './snapshots.js';
import { SqliteWriterLock } from './writer-lock.js';
import { FileWriterNotes } from './writer-notes.js';
import { checkWritesOf, gatedSqliteDialect, tryWritesOnceWhileBusy, writesWaitAgain } from './write-gate.js';

export async function openSqliteDriver(file: string, options: StoreOptions): Promise<StoreDriver> {
  const resolved = path.resolve(file);
  if (options.mustExist && !fs.existsSync(resolved)) throw noDatabaseAt(resolved, options.namedBy);
  try {
    return new SqliteDriver(await openSqliteFile(resolved, options), resolved, options);
  } catch (error) {
    if (!options.forRestore || !isNotAllThere(error, resolved)) throw error;
    return new SqliteDriver(openSqliteFileAsItIs(resolved, options), resolved, options, error);
  }
}

/** Kysely prepares every query it runs; keeping the statements saves SQLite re-parsing them. */
function withStatementCache(db: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        // Lists bound as JSON keep the text of most queries fixed; the rest must not grow the cache forever.
        if (statements.size >= 500) statements.clear();
        statement = db.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * A dry run, as PostgreSQL's READ ONLY snapshot: one WAL read transaction on a read-only connection
 * of its own. It held BEGIN IMMEDIATE, so while support read a rollback preview an update in another
 * process failed with "database is busy" (and one of this thread queued behind it, write-gate.ts);
 * a reader blocks no writer in WAL mode, and a read-only connection cannot write by mistake.
 */
async function readSnapshot<T>(location: string, lockWaitMs: number, work: (trx: Db) => Promise<T>): Promise<T> {
  const reader = new Database(location, { readonly: true, fileMustExist: true, timeout: lockWaitMs });
  const db = queryLayer(new SqliteDialect({ database: reader }));
  try {
    registerCaseFold(reader);
    reader.pragma('temp_store = MEMORY');
    // A deferred BEGIN takes its snapshot at the first read: taken here, every read of `work` sees that one state.
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    return await work(db);
  } finally {
    if (reader.inTransaction) reader.exec('ROLLBACK');
    await db.destroy();
    // Kysely closes the connection only if it ever ran a query.
    if (reader.open) reader.close();
  }
}

/**
 * Why `file` cannot be written now, by access(2): made immutable (EPERM) or on a file system now
 * read-only (EROFS); null otherwise. EACCES (a mode bit taken away) stops no write through the
 * descriptors SQLite already has open, and a missing -wal or -shm is SQLite's to make.
 */
function unwritableNow(file: string): NodeJS.ErrnoException | null {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EPERM' || code === 'EROFS' ? (error as NodeJS.ErrnoException) : null;
  }
}

/** Why this process cannot write `file` now, any cause (its permissions too: SQLite then opens it read-only); null when it can. */
function notWritableByThisProcess(file: string): NodeJS.ErrnoException | null {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EPERM' || code === 'EROFS' || code === 'EACCES' ? (error as NodeJS.ErrnoException) : null;
  }
}

/** One better-sqlite3 connection, the lock row beside the data, file snapshots. */
class SqliteDriver implements StoreDriver {
  readonly backend = 'sqlite' as const;
  readonly lockWaitMs: number;
  readonly db: Db;
  readonly snapshots: SqliteSnapshots;
  readonly writerLock: SqliteWriterLock;
  readonly writerNotes: FileWriterNotes;
  readonly integrity: IntegrityGuard;
  /** Prepared at the first batch: a store opened not all there for a restore (damage) may lack the tables its statements name. */
  private hearingWriter: SqliteHearingWriter | null = null;
  private readonly options: StoreOptions;
  /** The file this connection opened: its device and inode are what `location` must still name (refuseWritesOnceGone). */
  private readonly openedFile: fs.Stats | undefined;
  private refusesWritesOnceGone = false;
  /** The database, -wal and -shm as they were writable when opened (one immutable then is SQLite's to refuse: SQLITE_READONLY, no mapping written). */
  private readonly writableFiles: string[];
  /** Set once the file was found made immutable under this connection (refuseIfGone): every statement after is refused with it. */
  private unwritable: DatabaseUnwritable | null = null;
  /** The file could not be written as this connection opened it: SQLite opened it read-only, for good (lostForGood). */
  private readonly openedReadOnly: DatabaseOpenedReadOnly | null;

  constructor(
    private readonly raw: Database.Database,
    readonly location: string,
    options: StoreOptions,
    readonly damage: GatehouseError | null = null,
  ) {
    this.lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    this.openedFile = fs.statSync(location, { throwIfNoEntry: false });
    this.writableFiles = [location, `${location}-wal`, `${location}-shm`].filter((file) => unwritableNow(file) === null);
    const refused = this.openedFile === undefined ? null : notWritableByThisProcess(location);
    this.openedReadOnly = refused === null ? null : new DatabaseOpenedReadOnly(location, refused);
    this.db = queryLayer(gatedSqliteDialect(raw, withStatementCache(raw)));
    checkWritesOf(raw, (before) => this.refuseIfGone(before));
    this.options = options;
    this.snapshots = new SqliteSnapshots(raw, location, this);
    this.integrity = new IntegrityGuard(raw, location);
    this.writerLock = new SqliteWriterLock(raw, location);
    this.writerNotes = new FileWriterNotes(location);
  }

  async transaction<T>(work: (trx: Db) => Promise<T>, options: { dryRun?: boolean } = {}): Promise<T> {
    if (options.dryRun) return readSnapshot(this.location, this.lockWaitMs, work);
    // refuseIfGone runs before BEGIN and again before COMMIT: a file deleted while the transaction wrote (a batch, a whole all-or-nothing run) is refused, rolled back, not committed into it.
    return immediateTransaction(this.raw, async () => {
      // First, not last as on PostgreSQL: BEGIN IMMEDIATE already shuts out every other writer.
      this.writerLock.fence();
      return work(this.db);
    });
  }

  batchTransaction<T>(work: (trx: Db, writer: BulkHearingWriter) => Promise<T>): Promise<T> {
    return this.transaction((trx) => work(trx, (this.hearingWriter ??= new SqliteHearingWriter(this.raw, this.options))));
  }

  keyedReads<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return work(this.db);
  }

  anyOf(column: string, values: readonly (string | number)[]) {
    return sql<SqlBool>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
  }

  contains(column: string, text: string) {
    // LIKE ignores ASCII case only: both sides are folded first, as ILIKE does on PostgreSQL.
    return containsWith('like', foldedColumn(column), foldCase(text));
  }

  classifyError(error: unknown): DatabaseFault {
    // Extended result codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, SQLITE_BUSY_SNAPSHOT…) share their primary's prefix.
    const code = String((error as { code?: unknown } | null)?.code ?? '');
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'transient';
    if (ENVIRONMENT_FAULT_CODE.test(code) || isStorePartMissing(error)) return 'environment';
    return 'record';
  }

  tryWritesOnceWhileBusy(): void {
    tryWritesOnceWhileBusy(this.raw);
  }

  writesWaitAgain(): void {
    writesWaitAgain(this.raw);
  }

  refuseWritesOnceGone(): void {
    this.refusesWritesOnceGone = true;
  }

  async lostForGood(): Promise<GatehouseError | null> {
    // Refused for good by this connection (refuseIfGone), lifted flag or not: only a new process writes the file again.
    if (this.unwritable) return this.unwritable;
    // Read-only from its open, whatever the file is now: every write of this connection is refused (SQLITE_READONLY) until a restart.
    if (this.openedReadOnly) return this.openedReadOnly;
    if (this.openedFile !== undefined && !this.stillNamesOpenedFile()) return new DatabaseGone(this.location);
    return tablesMissingFrom(this.raw, this.location);
  }

  /** Whether `location` still names the file this connection opened (not deleted, moved or replaced since). */
  private stillNamesOpenedFile(): boolean {
    const now = fs.statSync(this.location, { throwIfNoEntry: false });
    return now?.ino === this.openedFile?.ino && now?.dev === this.openedFile?.dev;
  }

  /**
   * Before a write (a write transaction's BEGIN and COMMIT, a write outside one), one stat(2): the
   * path no longer names the file this connection has open (deleted, moved, replaced), so a write
   * would go where no one reads. Then one access(2) for each of the database, its -wal and its -shm
   * writable when opened: one made immutable since (or its file system read-only) is refused here,
   * as an environment fault, where SQLite's next write into the mapped -shm would end the process
   * with SIGBUS. Before a read outside a transaction, the -shm's access(2) alone: starting a read
   * writes its read mark there. access(2), not open(2): closing any descriptor of the file would drop
   * SQLite's POSIX locks on it.
   */
  private refuseIfGone(before: 'write' | 'read'): void {
    if (!this.refusesWritesOnceGone || this.openedFile === undefined) return;
    if (this.unwritable) throw this.unwritable;
    // A read of a deleted file harms nothing (the console still shows what it held); only the -shm, which every read may write, is checked before one.
    if (before === 'write' && !this.stillNamesOpenedFile()) throw new DatabaseGone(this.location);
    for (const file of this.writableFiles) {
      if (before === 'read' && !file.endsWith('-shm')) continue;
      const refused = unwritableNow(file);
      if (refused === null) continue;
      // For good: this connection must not touch the mapped -shm again, not even to close (connectionAbandoned).
      this.unwritable = new DatabaseUnwritable(this.location, file, refused);
      throw this.unwritable;
    }
  }

  async close(): Promise<void> {
    if (!this.raw.open) return;
    // SQLite's close checkpoints, writing the mapped -shm: the kernel would answer with SIGBUS (connectionAbandoned).
    if (this.unwritable) return connectionAbandoned();
    try {
      await this.integrity.closeWith(async () => {
        await this.db.destroy();
        // Kysely closes the connection only if it ever ran a query.
        if (this.raw.open) this.raw.close();
      });
    } catch (error) {
      // Found made immutable only now, by the close's own look at the file (IntegrityGuard's data_version, checked): abandoned as above.
      if (this.unwritable) return connectionAbandoned();
      throw error;
    }
  }
}
