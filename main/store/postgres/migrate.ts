import type pg from 'pg';
import { GatehouseError } from '../../../shared/errors.js';
import type { PostgresTarget } from './connection.js';
import { quoteIdentifier } from './connection.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.at(-1)!.version;

/** Serializes migrations of one schema across processes opening it at the same moment. */
const MIGRATION_LOCK_CLASS = 0x4d494752;

/**
 * Creates the schema if need be and applies the migrations it lacks in one transaction
 * (PostgreSQL DDL is transactional, so a failed migration leaves nothing half-built); refuses a schema that a newer Gatehouse has migrated past this code.
 */
export async function migrate(client: pg.PoolClient, target: PostgresTarget): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(target.schema)}`);
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_CLASS}, hashtext($1))`, [target.schema]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > POSTGRES_SCHEMA_VERSION) {
      throw new GatehouseError(
        'SCHEMA_TOO_NEW',
        `database ${target.location} (schema ${target.schema}) has schema version ${current}; this Gatehouse knows up to ${POSTGRES_SCHEMA_VERSION}`,
        { hint: 'upgrade Gatehouse before opening this database' },
      );
    }
    for (const migration of POSTGRES_MIGRATIONS.filter((m) => m.version > current)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
