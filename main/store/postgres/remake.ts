import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../driver.js';
import { snakeCase, TABLES, type TableName } from '../schema.js';

/**
 * A snapshot schema holds its tables' rows (CREATE TABLE AS), not their definitions, so a table a
 * restore replaces that was dropped outside Gatehouse is made again from a scratch schema this
 * code's migrations have just built: the same columns, defaults, keys, indexes and foreign keys as
 * the migrations leave, under the same names.
 */
export function scratchSchemaName(schema: string): string {
  return `gh_remake_${crypto.createHash('sha1').update(schema).digest('hex').slice(0, 8)}_${process.pid}`;
}

/** Definitions read from `scratch` name its tables qualified (it is not on the search path): said of the live schema, unqualified. */
function unqualified(definition: string, scratch: string): string {
  return definition.replaceAll(`${scratch}.`, '');
}

/** Makes `table` again in the live schema (the search path) as the migrated `scratch` has it, its foreign keys aside (relinkForeignKeys). */
export async function remakeTable(trx: Db, scratch: string, table: TableName): Promise<void> {
  const name = snakeCase(table);
  const from = sql.id(scratch, name);
  await sql`CREATE TABLE ${sql.id(name)} (LIKE ${from} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED)`.execute(trx);
  if ((TABLES[table].columns as Record<string, string>).id === 'serial') {
    // The copied default draws from the scratch schema's sequence, which goes with it: the table gets its own, as bigserial made it.
    const sequence = `${name}_id_seq`;
    await sql`ALTER TABLE ${sql.id(name)} ALTER COLUMN id DROP DEFAULT`.execute(trx);
    await sql`CREATE SEQUENCE ${sql.id(sequence)} OWNED BY ${sql.id(name, 'id')}`.execute(trx);
    await sql`ALTER TABLE ${sql.id(name)} ALTER COLUMN id SET DEFAULT nextval(${sql.lit(sequence)}::regclass)`.execute(trx);
  }
  const keys = await sql<{ conname: string; definition: string }>`SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
    WHERE conrelid = ${`${scratch}.${name}`}::regclass AND contype IN ('p', 'u') ORDER BY conname`.execute(trx);
  for (const key of keys.rows) await sql`ALTER TABLE ${sql.id(name)} ADD CONSTRAINT ${sql.id(key.conname)} ${sql.raw(unqualified(key.definition, scratch))}`.execute(trx);
  const indexes = await sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE schemaname = ${scratch} AND tablename = ${name}
    AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = ${`${scratch}.${name}`}::regclass) ORDER BY indexname`.execute(trx);
  for (const index of indexes.rows) await sql.raw(unqualified(index.indexdef, scratch)).execute(trx);
}

/**
 * After the tables are filled: the foreign keys from and to the remade tables (a DROP … CASCADE took
 * those of the tables pointing at them too) that the live schema lacks, checked against what was restored.
 */
export async function relinkForeignKeys(trx: Db, scratch: string, remade: readonly TableName[]): Promise<void> {
  const names = remade.map(snakeCase);
  const { rows } = await sql<{ tableName: string; conname: string; definition: string }>`SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = ${scratch} AND c.contype = 'f' AND (c.conrelid::regclass::text = ANY(${names.map((t) => `${scratch}.${t}`)}) OR c.confrelid::regclass::text = ANY(${names.map((t) => `${scratch}.${t}`)}))
      AND NOT EXISTS (SELECT 1 FROM pg_constraint live WHERE live.connamespace = current_schema()::regnamespace AND live.conname = c.conname)
    ORDER BY c.conname`.execute(trx);
  for (const key of rows) {
    await sql`ALTER TABLE ${sql.id(unqualified(key.tableName, scratch))} ADD CONSTRAINT ${sql.id(key.conname)} ${sql.raw(unqualified(key.definition, scratch))}`.execute(trx);
  }
}
