import { sql } from 'kysely';
import type { Db } from './driver.js';
import { isPrivilegeMissing } from './faults.js';

/**
 * Deleting witnesses has the database check, one deleted row at a time, that no appearance names
 * the witness. Migration 006 dropped the index on appearances.witness_id (half of batch mode's extra
 * WAL, for this one reader), so each check reads the whole table — on PostgreSQL together with the
 * appearances this same transaction deleted, which stay in the table until it ends. The rollback of
 * a first load of 20,000 hearings spent 3 of its 4 s there on PostgreSQL, a restore of 40,000
 * hearings 15 of its 22 s, growing with the square of the size. From this many witnesses on, a
 * rollback (and a PostgreSQL restore) builds the index inside its own transaction (one pass over the
 * table) and drops it before it commits: the batches never write it. A rollback's preview deletes
 * no created rows, so it builds none: it holds no writer lock, and CREATE INDEX's SHARE lock on the
 * appearances would stop every update's batch until the preview ended (main/backup/undo-journal.ts).
 */
export const WITNESSES_WORTH_AN_INDEX = 64;

const INDEX = sql.id('appearances_by_witness_in_transaction');

/** `work`, inside the caller's transaction `trx`, with appearances indexed by witness while it runs when `witnesses` (about to be deleted) is large enough. */
export async function withAppearancesByWitness<T>(trx: Db, witnesses: number, work: () => Promise<T>): Promise<T> {
  if (witnesses < WITNESSES_WORTH_AN_INDEX || !(await indexedAppearances(trx))) return work();
  const result = await work();
  await sql`DROP INDEX ${INDEX}`.execute(trx);
  return result;
}

/**
 * Builds the index, or says it could not: only the table's owner may index it on PostgreSQL, and a
 * team's read/write role owns none of the store's tables. Its rollback goes on without the index
 * (slower, as before migration 006's trade), the failed statement undone to a savepoint so the
 * transaction stays usable.
 */
async function indexedAppearances(trx: Db): Promise<boolean> {
  await sql`SAVEPOINT appearances_by_witness`.execute(trx);
  try {
    await sql`CREATE INDEX ${INDEX} ON appearances (witness_id)`.execute(trx);
    await sql`RELEASE SAVEPOINT appearances_by_witness`.execute(trx);
    return true;
  } catch (error) {
    if (!isPrivilegeMissing(error)) throw error;
    await sql`ROLLBACK TO SAVEPOINT appearances_by_witness`.execute(trx);
    await sql`RELEASE SAVEPOINT appearances_by_witness`.execute(trx);
    return false;
  }
}
