import { sql } from 'kysely';
import type { Store } from '../../main/store/index.js';

/**
 * From now on the table refuses every new row with "audit write refused", as a full disk or a lost
 * connection would refuse the statement: for tests that a change is not written without its audit row.
 * The trigger lives in the test's own fresh database, so nothing needs dropping afterwards.
 */
export async function refuseInserts(store: Store, table: string): Promise<void> {
  const trigger = sql.id(`refuse_${table}`);
  if (store.backend === 'sqlite') {
    await sql`CREATE TRIGGER ${trigger} BEFORE INSERT ON ${sql.table(table)} BEGIN SELECT RAISE(ABORT, 'audit write refused'); END`.execute(store.queries.db);
    return;
  }
  await sql`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit write refused'; END $$`.execute(store.queries.db);
  await sql`CREATE TRIGGER ${trigger} BEFORE INSERT ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION ${trigger}()`.execute(store.queries.db);
}
