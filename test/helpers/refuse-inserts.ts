import { sql } from 'kysely';
import type { Store } from '../../main/store/index.js';

/**
 * From now on the table refuses every `statement` on a row with `message`, as a trigger a DBA added
 * would (or a full disk, a lost connection would refuse the statement). The trigger lives in the
 * test's own fresh database, so nothing needs dropping afterwards.
 */
async function refuseRows(store: Store, table: string, statement: 'INSERT' | 'DELETE', message: string): Promise<void> {
  const trigger = sql.id(`refuse_${statement.toLowerCase()}_${table}`);
  if (store.backend === 'sqlite') {
    await sql`CREATE TRIGGER ${trigger} BEFORE ${sql.raw(statement)} ON ${sql.table(table)} BEGIN SELECT RAISE(ABORT, ${sql.lit(message)}); END`.execute(store.queries.db);
    return;
  }
  await sql`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION ${sql.lit(message)}; END $$`.execute(store.queries.db);
  await sql`CREATE TRIGGER ${trigger} BEFORE ${sql.raw(statement)} ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION ${trigger}()`.execute(store.queries.db);
}

/** Every new row of the table refused with "audit write refused": for tests that a change is not written without its audit row. */
export function refuseInserts(store: Store, table: string): Promise<void> {
  return refuseRows(store, table, 'INSERT', 'audit write refused');
}

/** Every delete of a row of the table refused with `message`. */
export function refuseDeletes(store: Store, table: string, message: string): Promise<void> {
  return refuseRows(store, table, 'DELETE', message);
}
