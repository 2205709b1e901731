import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { GatehouseError } from '../../../shared/errors.js';
import { queryLayer } from '../driver.js';
import { DEFAULT_LOCK_WAIT_MS, missingTables, noDatabaseAt } from '../faults.js';
import { applyMigrations, SCHEMA_VERSION } from '../migrations/index.js';
import type { StoreOptions } from '../types.js';
import { registerCaseFold } from './case-fold.js';
import { checkBeforeWrite, writesWaitAgain, writeGateOf } from './write-gate.js';
import { counted } from '../../../shared/plural.js';

/** PRAGMA application_id of every Gatehouse database: "GATE". */
const GATEHOUSE_APPLICATION_ID = 0x47415445;
const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * The folder a database file goes in must be one: a path through a regular file (`--db
 * file.db/x.db`) is refused as a missing folder is, naming the file, where SQLite said only
 * "unable to open database file".
 */
function refuseMissingFolder(file: string, folder: string): void {
  if (fs.existsSync(folder) && fs.statSync(folder).isDirectory()) return;
  let existing = folder;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  if (fs.existsSync(existing) && !fs.statSync(existing).isDirectory()) {
    throw new GatehouseError('DB_NOT_WRITABLE', `cannot create database ${file}: ${existing} is a file, not a folder`);
  }
  throw new GatehouseError('DB_NOT_WRITABLE', `cannot create database ${file}: folder ${folder} does not exist`);
}

/** The store's tables missing from the file (dropped outside Gatehouse), as the refusal that names them; null when all are there. */
export function tablesMissingFrom(db: Database.Database, file: string): GatehouseError | null {
  // A SQLite database keeps its snapshot list in a manifest beside the file, not in a table.
  return missingTables('sqlite', file, db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[], ['snapshots']);
}

/**
 * Opens a Gatehouse SQLite database, creating and migrating it as needed. A file that is not
 * Gatehouse's is refused before anything could write to it (no WAL switch, no migration, no
 * journal left behind): it stays byte for byte as it was. With `mustExist`, so is a file that holds
 * no store yet (zero bytes, or SQLite with no tables), as PostgreSQL's empty schema is refused: a
 * command that only reads or changes a store does not write a new one into whatever file it is given.
 */
export async function openSqliteFile(file: string, options: Pick<StoreOptions, 'lockWaitMs' | 'mustExist' | 'namedBy'> = {}): Promise<Database.Database> {
  const { lockWaitMs = DEFAULT_LOCK_WAIT_MS, mustExist = false } = options;
  const folder = path.dirname(file);
  refuseMissingFolder(file, folder);
  if (!holdsAStoreUnlessForeign(file) && mustExist) throw noDatabaseAt(file, options.namedBy);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: lockWaitMs });
    db.pragma('journal_mode = WAL');
    registerCaseFold(db);
  } catch (error) {
    throw openFailure(file, error);
  }
  try {
    db.pragma('foreign_keys = ON');
    // WAL with synchronous=NORMAL survives a killed process; only power loss can cost the last commits.
    db.pragma('synchronous = NORMAL');
    // One commit per batch dirties pages all over the indexes: a larger page cache keeps them from
    // being re-read, and checkpointing every ~40 MB of WAL (not 4 MB) writes each page back once.
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 10000');
    // Statement journals in memory: isolating a failed batch takes a savepoint per few records, and
    // each copies every page it dirties there (tens of KB a record), past 64 KB spilled to a temp file.
    db.pragma('temp_store = MEMORY');
    await migrateSqlite(db, file);
    const missing = tablesMissingFrom(db, file);
    if (missing) throw missing;
    return db;
  } catch (error) {
    db.close();
    throw openFailure(file, error);
  }
}

/** A store not all there, opened for a restore (StoreOptions.forRestore) with the settings openSqliteFile gives, migrating nothing. */
export function openSqliteFileAsItIs(file: string, options: Pick<StoreOptions, 'lockWaitMs'>): Database.Database {
  try {
    const db = new Database(file, { timeout: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS });
    db.pragma('journal_mode = WAL');
    registerCaseFold(db);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('temp_store = MEMORY');
    return db;
  } catch (error) {
    throw openFailure(file, error);
  }
}

/**
 * Applies pending migrations under BEGIN IMMEDIATE: of two processes creating the same file, the
 * second waits for the first and then finds the schema migrated. The version is read first
 * without the lock, so opening a current database never waits behind a running batch.
 */
export async function migrateSqlite(db: Database.Database, location: string): Promise<void> {
  if (isCurrent(db)) return;
  // Migration 5 rebuilds two tables, which SQLite only allows with foreign keys off (checked before COMMIT).
  db.pragma('foreign_keys = OFF');
  try {
    await immediateTransaction(db, async () => {
      // The query layer over this connection is for backfills; it is never destroyed (that would close the file).
      const session = {
        dialect: 'sqlite' as const, location, exec: async (text: string) => void db.exec(text), value: async (text: string) => db.prepare(text).pluck().get(),
        db: queryLayer(new SqliteDialect({ database: db })),
      };
      await applyMigrations(session);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new GatehouseError('INVARIANT_BROKEN', `migrating ${location} left ${counted(broken.length, 'broken foreign key')}; nothing was changed`);
      if (db.pragma('application_id', { simple: true }) !== GATEHOUSE_APPLICATION_ID) db.pragma(`application_id = ${GATEHOUSE_APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    });
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

/**
 * BEGIN IMMEDIATE (the one writer from here on), then COMMIT when `work` resolves — ROLLBACK when
 * it throws. Behind this thread's other transactions on the file (write-gate.ts). The connection's
 * write check (checkWritesOf) runs before BEGIN and again before COMMIT, the two steps that write
 * SQLite's -shm: a refusal before COMMIT rolls back what `work` wrote.
 */
export async function immediateTransaction<T>(db: Database.Database, work: () => Promise<T>): Promise<T> {
  return writeGateOf(db).around(db, async () => {
    checkBeforeWrite(db, 'write');
    db.exec('BEGIN IMMEDIATE');
    writesWaitAgain(db);
    try {
      const result = await work();
      checkBeforeWrite(db, 'write');
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  });
}

function isCurrent(db: Database.Database): boolean {
  if (db.pragma('application_id', { simple: true }) !== GATEHOUSE_APPLICATION_ID) return false;
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) return false;
  // As many versions as the highest: none lost below it (applyMigrations refuses a record with holes).
  const record = db.prepare('SELECT coalesce(max(version), 0) AS highest, count(*) AS recorded FROM schema_migrations').get() as { highest: number; recorded: number };
  return record.highest === SCHEMA_VERSION && record.recorded === SCHEMA_VERSION;
}

/**
 * A new or empty file, a Gatehouse database (stamped with our application_id), or one an older
 * Gatehouse made (its schema_migrations, runs and hearings tables) may be opened; anything else
 * is refused with the reason. Only reads: the header bytes, then a read-only look at the schema.
 * True when the file holds a store; false when it is new or empty.
 */
function holdsAStoreUnlessForeign(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const stat = fs.statSync(file);
  if (stat.isDirectory()) {
    throw new GatehouseError('INPUT_INVALID', `cannot use database ${file}: it is a directory, not a file`, { hint: 'give the path of a Gatehouse database, or a new file name to create one' });
  }
  if (stat.size === 0) return false;
  const header = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString('latin1', 0, 16) !== SQLITE_MAGIC) throw foreign(file, 'it is not a SQLite database');
  const applicationId = header.readInt32BE(68);
  if (applicationId === GATEHOUSE_APPLICATION_ID) return true;
  if (applicationId !== 0) throw foreign(file, `it belongs to another application (application_id 0x${applicationId.toString(16)})`);
  const tables = readOnlyLook(file, (db) =>
    db.pragma('application_id', { simple: true }) === GATEHOUSE_APPLICATION_ID
      ? null
      : (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]),
  );
  if (tables === null) return true;
  if (tables.length === 0) return false;
  if (['schema_migrations', 'runs', 'hearings'].every((table) => tables.includes(table))) return true;
  throw foreign(file, `it holds other tables (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''})`);
}

/**
 * A read-only connection. On a rollback-journal file (what other applications mostly use) it
 * creates nothing; on a WAL-mode file SQLite may leave -wal/-shm beside it, never removed here:
 * another process may be using them.
 */
export function readOnlyLook<T>(file: string, look: (db: Database.Database) => T): T {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return look(db);
  } catch (error) {
    throw openFailure(file, error);
  } finally {
    db?.close();
  }
}

function foreign(file: string, why: string): GatehouseError {
  return new GatehouseError('INPUT_INVALID', `refusing ${file}: it is not a Gatehouse database (${why}); nothing was changed`, {
    hint: 'give the path of a Gatehouse database, or a new file name to create one',
  });
}

/**
 * Result codes (extended ones share their primary's prefix) that say the file, its disk or the
 * process refused, not the data: read-only, unopenable, full, failing, damaged, out of memory.
 */
export const ENVIRONMENT_FAULT_CODE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM|PROTOCOL|NOLFS|PERM)/;

/** Driver failures while opening, as people read them: busy (another writer), corrupt or foreign, or unwritable. */
export function openFailure(file: string, error: unknown): GatehouseError {
  if (error instanceof GatehouseError) return error;
  const { code, message } = error as { code?: string; message: string };
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new GatehouseError('LOCK_HELD', `database ${file} is busy: another process is writing to it`, { hint: 'try again when the other process is done' });
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || /not a database|malformed/i.test(message)) {
    return new GatehouseError('INPUT_INVALID', `cannot use database ${file}: ${message}`, { hint: CORRUPT_HINT, cause: error });
  }
  if (code?.startsWith('SQLITE_READONLY')) {
    return new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${file}: ${message}`, { hint: READ_ONLY_HINT, cause: error });
  }
  if (code?.startsWith('SQLITE_CANTOPEN')) {
    // SQLite says only "unable to open database file"; a WAL database that cannot have its -wal and -shm created says the same.
    const why = unwritableBecause(file);
    if (why !== null) return new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${file}: ${message}: ${why}`, { hint: READ_ONLY_HINT, cause: error });
  }
  if (code?.startsWith('SQLITE_FULL') || code?.startsWith('SQLITE_IOERR')) {
    // A disk with under 32 KB left cannot size the -shm file: SQLite says only "disk I/O error" (SQLITE_IOERR_SHMSIZE).
    return new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${file}: ${message}${roomLeft(file)}`, { hint: DISK_ROOM_HINT, cause: error });
  }
  return new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${file}: ${message}`, { cause: error });
}

/** "; its disk is nearly full (12 KB free)" when the folder's file system is nearly full (under 1 MB), else nothing: a failing disk is not said full. */
function roomLeft(file: string): string {
  try {
    const { bavail, bsize } = fs.statfsSync(path.dirname(file));
    const freeKb = Math.floor((bavail * bsize) / 1024);
    return freeKb < 1024 ? `; its disk is nearly full (${freeKb.toLocaleString('en-US')} KB free)` : '';
  } catch {
    return '';
  }
}

/** Why the file, or the folder its -wal and -shm go in, cannot be written, as access(2) says (root too on a read-only mount); null when both can. */
function unwritableBecause(file: string): string | null {
  for (const place of fs.existsSync(file) ? [file, path.dirname(file)] : [path.dirname(file)]) {
    try {
      fs.accessSync(place, fs.constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return `${place} is on a read-only file system`;
      if (code === 'EACCES' || code === 'EPERM') return `${place} cannot be written by this user`;
    }
  }
  return null;
}

const READ_ONLY_HINT = 'the file, its folder or its -wal/-shm files cannot be written: check their permissions, that the file is not marked immutable (lsattr), and that the disk is not mounted read-only';

const DISK_ROOM_HINT = 'free room on the disk that holds the file and its -wal/-shm files (opening needs 32 KB for the -shm file), then try again; if it has room, check the system log for I/O errors (dmesg)';

/** A damaged file cannot take a restore (its safety snapshot would fail): it is repaired or replaced outside Gatehouse. */
export const CORRUPT_HINT = 'the file is damaged: recover it with the sqlite3 shell (.recover), or replace it with a verified snapshot file from <db>.backups/ (gatehouse backups list)';
