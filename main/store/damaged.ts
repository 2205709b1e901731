import { sql } from 'kysely';
import { GatehouseError } from '../../shared/errors.js';
import type { Db } from './driver.js';
import { notAllThere } from './faults.js';
import { MIGRATIONS } from './migrations/index.js';
import { columnsOf, snakeCase, TABLES, type TableName } from './schema.js';
import type { Backend } from './types.js';

/**
 * A store opened for a restore (StoreOptions.forRestore) although it is not all there: a table
 * dropped, or rows of its migration record deleted, outside Gatehouse. Support staff restore a
 * snapshot precisely then; refusing the open refused the one command that mends it.
 */
export function isNotAllThere(error: unknown, location: string): error is GatehouseError {
  return error instanceof GatehouseError && error.message.startsWith(notAllThere(location));
}

/** What of a damaged store is where this code's migrations leave it, table by table (SQL names). */
export interface StoreShape {
  /** Tables a restore replaces that are gone: made again from this code's schema, then filled from the snapshot. */
  replacedMissing: TableName[];
  /** Tables a restore keeps that are gone (the audit, the writer lock…): no snapshot holds them. */
  keptMissing: string[];
  /** Columns this code's migrations add that a table present lacks: its schema is older or not ours. */
  columnsMissing: string[];
}

/** The store's tables and columns as they are now, against the typed description of them (schema.ts). */
export async function storeShape(db: Db, backend: Backend): Promise<StoreShape> {
  const query =
    backend === 'sqlite'
      ? sql<{ tableName: string; columnName: string }>`SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
      : sql<{ tableName: string; columnName: string }>`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`;
  const present = new Map<string, Set<string>>();
  for (const row of (await query.execute(db)).rows) present.set(row.tableName, (present.get(row.tableName) ?? new Set()).add(row.columnName));
  const shape: StoreShape = { replacedMissing: [], keptMissing: [], columnsMissing: [] };
  for (const table of Object.keys(TABLES) as TableName[]) {
    // A SQLite database keeps its snapshot list in a manifest beside the file, not in a table.
    if (table === 'snapshots' && backend === 'sqlite') continue;
    const columns = present.get(snakeCase(table));
    if (!columns) {
      if (TABLES[table].role === 'replaced') shape.replacedMissing.push(table);
      else shape.keptMissing.push(snakeCase(table));
      continue;
    }
    for (const column of columnsOf(table).map(snakeCase)) if (!columns.has(column)) shape.columnsMissing.push(`${snakeCase(table)}.${column}`);
  }
  return shape;
}

/**
 * A restore mends only what it replaces. The tables it keeps (the audit of restores, rollbacks and
 * flag changes, the writer lock) are in no snapshot, and a store whose tables lack this code's
 * columns is not one its migrations left: neither is mended by guessing. Said in plain words, with
 * what to do instead; nothing was restored.
 */
export function refuseUnmendable(shape: StoreShape, location: string, damage: GatehouseError, backend: Backend): void {
  const problems = [
    shape.keptMissing.length > 0 ? `what a restore keeps is gone too (no table ${shape.keptMissing.join(', ')}: the audit and the writer lock live outside what a restore replaces, and no snapshot holds them)` : null,
    shape.columnsMissing.length > 0 ? `its tables are not as this Gatehouse's migrations leave them (no column ${shape.columnsMissing.slice(0, 5).join(', ')}${shape.columnsMissing.length > 5 ? ', …' : ''})` : null,
  ].filter((problem): problem is string => problem !== null);
  if (problems.length === 0) return;
  const hint =
    backend === 'sqlite'
      ? `put back a copy of the whole file from a backup of it; a snapshot file in ${location}.backups/ is a whole database too, to copy over it by hand only if losing the audit kept since is acceptable`
      : 'restore the schema from a backup of it (pg_restore); a snapshot schema holds only the tables a restore replaces';
  throw new GatehouseError('DB_UNREACHABLE', `cannot restore ${location}: ${damage.message}, and ${problems.join('; and ')}; nothing was restored`, { hint });
}

/**
 * Once a restore has made every table this code's migrations leave, with every column, a migration
 * record that lost rows (or its table) outside Gatehouse gets them back: the tables are the
 * proof of which migrations ran. Only then: a store whose tables differ keeps its record as it was found.
 */
export async function rewriteMigrationRecord(trx: Db, backend: Backend, now: Date): Promise<boolean> {
  const shape = await storeShape(trx, backend);
  if (shape.replacedMissing.length + shape.keptMissing.length + shape.columnsMissing.length > 0) return false;
  const time = backend === 'sqlite' ? 'TEXT' : 'timestamptz';
  await sql.raw(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${time} NOT NULL)`).execute(trx);
  // The rows still there keep when they were applied; only the lost ones are written, as of now.
  const kept = new Set((await sql<{ version: number | string }>`SELECT version FROM schema_migrations`.execute(trx)).rows.map((row) => Number(row.version)));
  for (const migration of MIGRATIONS.filter((m) => !kept.has(m.version))) {
    await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${now.toISOString()})`.execute(trx);
  }
  return true;
}
