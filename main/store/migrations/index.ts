import { sql } from 'kysely';
import { GatehouseError } from '../../../shared/errors.js';
import type { Db } from '../driver.js';
import type { Backend } from '../types.js';
import { storePartMissing } from '../faults.js';
import { snakeCase, TABLES } from '../schema.js';
import { migration001 } from './001-domain-and-operations.js';
import { migration002 } from './002-flags-tasks-notifications.js';
import { migration003 } from './003-rollback-events.js';
import { migration004 } from './004-anomaly-reviews-trials.js';
import { migration005 } from './005-audit-outlives-restores.js';
import { migration006 } from './006-appearances-without-witness-index.js';
import { migration007 } from './007-guarded-rollouts.js';
import { migration008 } from './008-sensitivity-versions.js';
import { migration009 } from './009-review-reopened.js';
import { migration010 } from './010-snapshot-policy-reconciliation.js';
import { migration011 } from './011-checkpoint-planned-related.js';
import { migration012 } from './012-run-hearings-in-key-order.js';
import { migration013 } from './013-run-hearings-carry-reconciled-columns.js';
import { migration014 } from './014-run-source-fingerprint.js';
import { migration015 } from './015-task-events.js';
import { migration016 } from './016-resume-by-identity.js';
import { migration017 } from './017-anomaly-folds-stored.js';
import { migration018 } from './018-restore-repointed-tasks.js';
import { migration019 } from './019-writer-lock-names-its-operation.js';
import { migration020 } from './020-writer-attempts.js';
import { migration021 } from './021-restore-removed-runs.js';
import { migration022 } from './022-task-lookback-in-range.js';
import { migration023 } from './023-json-kept-as-written.js';
import { migration024 } from './024-run-flag-changes.js';
import { migration025 } from './025-canonical-event-ids.js';
import { migration026 } from './026-task-backoff.js';
import { migration027 } from './027-trial-task-sensitivity.js';
import { migration028 } from './028-witness-organizations-composed.js';
import { migration029 } from './029-witness-names-as-they-show.js';
import { migration030 } from './030-merged-appearances-in-record-order.js';
import { migration031 } from './031-attempts-can-be-stopped.js';
import { migration032 } from './032-stopped-trial-sessions-backfilled.js';
import { migration033 } from './033-quarantine-by-run-in-id-order.js';
import { migration034 } from './034-run-source-warnings.js';
import { migration035 } from './035-flag-reverts-name-their-event.js';
import { migration036 } from './036-runs-name-their-starter.js';
import { migration037 } from './037-trial-first-alarm.js';
import { migration038 } from './038-task-events-say-why.js';
import { migration039 } from './039-runs-tell-a-task-resume.js';
import { migration040 } from './040-runs-keep-their-stop.js';
import { migration041 } from './041-attempts-know-their-events.js';

/** The column types that differ between the backends; a migration writes the rest literally. */
export interface Dialect {
  name: Backend;
  /** A generated integer primary key. */
  id: string;
  /** An integer that may outgrow 32 bits (ids, durations). */
  long: string;
  /** An operational timestamp, written and read as ISO 8601. */
  time: string;
  /** jsonb on PostgreSQL, as migrations 1–22 created it; 23 turns the columns read back to people into json, which keeps their key order. */
  json: string;
  bool: string;
  real: string;
}

export const DIALECTS: Record<Backend, Dialect> = {
  sqlite: { name: 'sqlite', id: 'INTEGER PRIMARY KEY', long: 'INTEGER', time: 'TEXT', json: 'TEXT', bool: 'INTEGER', real: 'REAL' },
  postgres: { name: 'postgres', id: 'bigserial PRIMARY KEY', long: 'bigint', time: 'timestamptz', json: 'jsonb', bool: 'boolean', real: 'double precision' },
};

/**
 * One numbered list for both backends; where they differ, the difference is inside the migration.
 * Never edit one that has landed: add the next number. Versions 1–4 are the numbers the twin
 * lists before them used, with the same resulting schema, so their databases open unchanged.
 */
export interface Migration {
  version: number;
  name: string;
  sql: (dialect: Dialect) => string;
  /** Fills what SQL alone cannot derive, in the migration's transaction, once its SQL has run; `now` as the migration records. */
  backfill?: (db: Db, dialect: Dialect, now: Date) => Promise<void>;
}

export const MIGRATIONS: Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007, migration008, migration009, migration010, migration011, migration012, migration013, migration014, migration015, migration016, migration017, migration018, migration019, migration020, migration021, migration022, migration023, migration024, migration025, migration026, migration027, migration028, migration029, migration030, migration031, migration032, migration033, migration034, migration035, migration036, migration037, migration038, migration039, migration040, migration041];
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** What the runner needs from a connection; the caller holds the lock that serializes migrations. */
interface MigrationSession {
  readonly dialect: Backend;
  /** Where the database is, for messages (password removed). */
  readonly location: string;
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  /** The first column of the first row of a query without parameters. */
  value(sql: string): Promise<unknown>;
  /** The query layer over the same connection, for a migration's backfill. */
  readonly db: Db;
}

/** Applies the migrations the database lacks; refuses one that a newer Gatehouse has migrated. Returns how many ran. */
export async function applyMigrations(session: MigrationSession, now: Date = new Date()): Promise<number> {
  const dialect = DIALECTS[session.dialect];
  const recordKept = Number(await session.value(TABLES_NAMED[session.dialect]("'schema_migrations'"))) > 0;
  await refuseLostMigrationRecord(session, recordKept);
  // Made only when absent: on PostgreSQL even CREATE TABLE IF NOT EXISTS wants CREATE on the schema,
  // which a role that reads and writes a migrated store need not have.
  if (!recordKept) await session.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${dialect.time} NOT NULL)`);
  const current = Number(await session.value('SELECT coalesce(max(version), 0) FROM schema_migrations'));
  if (current > SCHEMA_VERSION) {
    throw new GatehouseError('SCHEMA_TOO_NEW', `database ${session.location} has schema version ${current}; this Gatehouse knows up to ${SCHEMA_VERSION}`, {
      hint: 'upgrade Gatehouse before opening this database',
    });
  }
  await refuseMigrationRecordWithHoles(session, current);
  const pending = MIGRATIONS.filter((migration) => migration.version > current);
  for (const migration of pending) {
    await session.exec(migration.sql(dialect)).catch((error: unknown) => Promise.reject(current > 0 && isAlreadyMade(error) ? newestRecordsLost(session, current, migration, error) : error));
    await migration.backfill?.(session.db, dialect, now);
    // Versions and names are constants of this file, never input.
    await session.exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, '${migration.name}', '${now.toISOString()}')`);
  }
  return pending.length;
}

/** Counts the tables of the open database or schema named in `names` (constants of schema.ts, never input). */
const TABLES_NAMED: Record<Backend, (names: string) => string> = {
  sqlite: (names) => `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (${names})`,
  postgres: (names) => `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN (${names})`,
};

/**
 * A store whose schema_migrations was dropped or emptied outside Gatehouse (its tables still there)
 * reads as version 0: every migration would run again over tables that exist and fail part-way
 * ("table committees already exists") as DB_NOT_WRITABLE. Refused before anything runs, as a store
 * that is not all there, in the same words on both backends: a dropped table as dropped, an emptied
 * one as rows deleted.
 */
async function refuseLostMigrationRecord(session: MigrationSession, recordKept: boolean): Promise<void> {
  if (recordKept && Number(await session.value('SELECT count(*) FROM schema_migrations')) > 0) return;
  const storeTables = Object.keys(TABLES).map((table) => `'${snakeCase(table)}'`).join(', ');
  if (Number(await session.value(TABLES_NAMED[session.dialect](storeTables))) === 0) return;
  // An emptied table is rows deleted (a DELETE), not the DROP a missing one is: said as it was found.
  if (recordKept) throw storePartMissing(session.dialect, session.location, 'no record of its migrations: table schema_migrations is empty', undefined, MIGRATION_ROWS_DELETED);
  throw storePartMissing(session.dialect, session.location, 'no record of its migrations: no table schema_migrations');
}

/** Rows of the migration record deleted outside Gatehouse, its table still there. */
const MIGRATION_ROWS_DELETED = { rowsDeletedFrom: 'schema_migrations' };

/**
 * Migrations are recorded one by one, from 1 up, in the transaction that ran each, so a record
 * missing a version below its highest lost rows outside Gatehouse (a DELETE from the sqlite3 shell
 * or psql). Read as it stood, the missing migrations were taken as applied and nothing said so; it
 * is damage, not a database to migrate, refused as a lost record is.
 */
async function refuseMigrationRecordWithHoles(session: MigrationSession, highest: number): Promise<void> {
  // Versions are a primary key of positive integers: exactly 1…highest when there are as many as the highest.
  if (Number(await session.value(`SELECT count(*) FROM schema_migrations WHERE version BETWEEN 1 AND ${highest}`)) === highest) return;
  const { rows } = await sql<{ version: number | string }>`SELECT version FROM schema_migrations`.execute(session.db);
  const recorded = new Set(rows.map((row) => Number(row.version)));
  const missing = MIGRATIONS.filter((migration) => migration.version < highest && !recorded.has(migration.version)).map((migration) => migration.version);
  const lacks = missing.length === 1 ? `version ${missing[0]}` : `versions ${missing.join(', ')}`;
  throw storePartMissing(session.dialect, session.location, `its record of migrations lacks ${lacks} below version ${highest}`, undefined, MIGRATION_ROWS_DELETED);
}

/** A migration's statement that found what it makes already there: PostgreSQL's duplicate_table, _column, _object; SQLite's SQLITE_ERROR saying so. */
const ALREADY_MADE_SQLSTATES = new Set(['42P07', '42701', '42710']);
const SQLITE_ALREADY_MADE = /^(duplicate column name: |(table|index|trigger|view) \S+ already exists)/;

function isAlreadyMade(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return false;
  return ALREADY_MADE_SQLSTATES.has(code) || (code === 'SQLITE_ERROR' && typeof message === 'string' && SQLITE_ALREADY_MADE.test(message));
}

/**
 * The record ends below a migration whose work is already in the schema: its newest rows were
 * deleted, and running that migration again failed part-way ("duplicate column name: started_by")
 * as DB_NOT_WRITABLE. Said as the lost record it is; the open's transaction undoes what ran.
 */
function newestRecordsLost(session: MigrationSession, highest: number, migration: Migration, error: unknown): GatehouseError {
  const said = `its record of migrations ends at version ${highest}, but migration ${migration.version} (${migration.name}) finds its work already done (${(error as Error).message})`;
  return storePartMissing(session.dialect, session.location, said, error, MIGRATION_ROWS_DELETED);
}
