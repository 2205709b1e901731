import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { GatehouseError } from '../../shared/errors.js';
import { connectionConfig, parsePostgresTarget, quoteIdentifier, type PostgresTarget } from './postgres/target.js';
import type { NewTrialRecord } from './review-types.js';
import type { Store } from './types.js';

/**
 * Copies a database to a staging target for trials without writing a byte of the source: SQLite
 * through VACUUM INTO on a read-only connection, PostgreSQL by INSERT … SELECT from the source
 * schema into a fresh staging schema of the same database (the source schema is only read; it is
 * never opened as a Store, since opening migrates). The staging target's `trials` table is the
 * trial ledger: its rows survive each fresh copy.
 */
export interface StagingCopy {
  /** The trials the staging target held before the copy, written back into it. */
  keptTrials: number;
}

const isPostgres = (location: string) => /^postgres(ql)?:\/\//i.test(location);

/** Tables copied first, in foreign-key order; tables only the source has are appended. */
const COPY_ORDER = [
  'runs', 'committees', 'hearings', 'hearing_committees', 'witnesses', 'appearances', 'videos', 'transcripts', 'batches',
  'quarantine', 'checkpoints', 'rollback_events', 'undo_journal', 'flag_values', 'flag_events', 'scheduled_tasks',
  'notification_throttle', 'run_reviews',
];
/** Never copied: the lock belongs to the source's writer, the migrations to each schema, the ledger to staging. */
const NOT_COPIED = new Set(['schema_migrations', 'writer_lock', 'trials', 'snapshots']);

/**
 * Refuses a staging target that is the source, of another kind, in another PostgreSQL database or
 * in a folder that does not exist — before anything is copied (the console checks this up front).
 */
export function checkStagingTarget(source: string, staging: string): void {
  if (isPostgres(source) !== isPostgres(staging)) {
    throw new GatehouseError('UNSUPPORTED', 'the staging target must be the same kind of database as the source (a file for SQLite, a schema for PostgreSQL)');
  }
  if (isPostgres(source)) {
    const from = parsePostgresTarget(source);
    const to = parsePostgresTarget(staging);
    if (from.connectionString !== to.connectionString) {
      throw new GatehouseError('UNSUPPORTED', 'a PostgreSQL staging schema must be in the same database as the source', { hint: 'use the same URL with ?schema=STAGING_NAME' });
    }
    if (from.schema === to.schema) throw new GatehouseError('USAGE', `staging schema ${to.schema} is the source schema; trials never write the source`);
    return;
  }
  const from = path.resolve(source);
  const to = path.resolve(staging);
  if (!fs.existsSync(from)) throw new GatehouseError('NOT_FOUND', `source database ${source} does not exist`);
  if (from === to || (fs.existsSync(to) && fs.realpathSync(from) === fs.realpathSync(to))) {
    throw new GatehouseError('USAGE', `staging ${staging} is the source database; trials never write the source`);
  }
  if (!fs.existsSync(path.dirname(to))) throw new GatehouseError('USAGE', `staging folder ${path.dirname(to)} does not exist`);
}

export async function copyToStaging(source: string, staging: string, open: (location: string) => Promise<Store>): Promise<StagingCopy> {
  checkStagingTarget(source, staging);
  if (isPostgres(source)) {
    const from = parsePostgresTarget(source);
    const to = parsePostgresTarget(staging);
    await requirePostgresSource(from);
    const kept = await keptTrials(staging, open, async () => true);
    await copyPostgres(from, to, open);
    return { keptTrials: await restoreTrials(staging, open, kept) };
  }
  const from = path.resolve(source);
  const to = path.resolve(staging);
  const kept = await keptTrials(staging, open, async () => fs.existsSync(to));
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${to}${suffix}`, { force: true });
  copySqlite(from, to);
  return { keptTrials: await restoreTrials(staging, open, kept) };
}

async function keptTrials(staging: string, open: (location: string) => Promise<Store>, exists: () => Promise<boolean>): Promise<NewTrialRecord[]> {
  if (!(await exists())) return [];
  let store: Store;
  try {
    store = await open(staging);
  } catch (error) {
    throw new GatehouseError('CONFLICT', `staging ${staging} exists and cannot be opened as a Gatehouse database (${(error as Error).message}); choose another target`);
  }
  try {
    return (await store.trials.list()).map(({ id: _id, ...trial }) => trial);
  } finally {
    await store.close();
  }
}

async function restoreTrials(staging: string, open: (location: string) => Promise<Store>, trials: NewTrialRecord[]): Promise<number> {
  const store = await open(staging);
  try {
    for (const trial of trials) await store.trials.record(trial);
    return trials.length;
  } finally {
    await store.close();
  }
}

function copySqlite(from: string, to: string): void {
  let db: Database.Database;
  try {
    db = new Database(from, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new GatehouseError('INPUT_INVALID', `cannot read source database ${from}: ${(error as Error).message}`);
  }
  try {
    db.prepare('VACUUM INTO ?').run(to);
  } catch (error) {
    throw new GatehouseError('INPUT_INVALID', `cannot copy ${from} to ${to}: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

async function withClient<T>(target: PostgresTarget, work: (client: pg.Client) => Promise<T>): Promise<T> {
  // The driver loads only when a PostgreSQL staging copy is made.
  const { default: driver } = await import('pg');
  const client = new driver.Client(connectionConfig(target));
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new GatehouseError('DB_UNREACHABLE', `cannot reach PostgreSQL at ${target.location}: ${(error as Error).message}`);
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function requirePostgresSource(from: PostgresTarget): Promise<void> {
  const found = await withClient(from, async (client) =>
    (await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [from.schema, 'runs'])).rows.length > 0,
  );
  if (!found) throw new GatehouseError('NOT_FOUND', `source schema ${from.schema} holds no Gatehouse database`);
}

async function columnsOf(client: pg.Client, schema: string): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
    [schema],
  );
  const tables = new Map<string, string[]>();
  for (const row of rows) tables.set(row.table_name, [...(tables.get(row.table_name) ?? []), row.column_name]);
  return tables;
}

async function copyPostgres(from: PostgresTarget, to: PostgresTarget, open: (location: string) => Promise<Store>): Promise<void> {
  await withClient(to, (client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(to.schema)} CASCADE`));
  // Opening creates the staging schema at this code's version; the source may be older.
  await (await open(stagingUrl(to))).close();
  await withClient(to, async (client) => {
    const sourceTables = await columnsOf(client, from.schema);
    const stagingTables = await columnsOf(client, to.schema);
    const names = [...COPY_ORDER, ...[...sourceTables.keys()].filter((t) => !COPY_ORDER.includes(t)).sort()].filter((t) => !NOT_COPIED.has(t));
    await client.query('BEGIN');
    try {
      for (const table of names) {
        const theirs = sourceTables.get(table);
        const ours = stagingTables.get(table);
        if (!theirs || !ours) continue;
        const columns = theirs.filter((c) => ours.includes(c)).map(quoteIdentifier).join(', ');
        const [src, dst] = [`${quoteIdentifier(from.schema)}.${quoteIdentifier(table)}`, `${quoteIdentifier(to.schema)}.${quoteIdentifier(table)}`];
        await client.query(`INSERT INTO ${dst} (${columns}) SELECT ${columns} FROM ${src}`);
        if (ours.includes('id')) {
          // Serial ids continue after the copied rows, so staging runs get fresh ids.
          await client.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM ${dst} HAVING max(id) IS NOT NULL`, [dst]);
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw new GatehouseError('DB_NOT_WRITABLE', `cannot copy schema ${from.schema} to ${to.schema}: ${(error as Error).message}`);
    }
  });
}

function stagingUrl(target: PostgresTarget): string {
  const url = new URL(target.connectionString);
  url.searchParams.set('schema', target.schema);
  return url.toString();
}
