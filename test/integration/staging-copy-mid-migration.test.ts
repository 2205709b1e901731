import { afterAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { runUpdate } from '../../main/engine/index.js';
import { copyToStaging } from '../../main/store/index.js';
import { MIGRATION_LOCK_CLASS } from '../../main/store/postgres/target.js';
import { availablePostgresBackend, connectToPostgres, waitsForTableOf } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const postgres = await availablePostgresBackend();

/**
 * A migration as opening a store runs one (driver.ts): under the schema's migration lock, in one
 * transaction, here rewriting `hearings` (a volatile default), held open until the test commits it.
 */
async function migrationUnderWay(schema: string): Promise<pg.Client> {
  const migration = await connectToPostgres();
  await migration.query('BEGIN');
  await migration.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
  await migration.query(`ALTER TABLE "${schema}".hearings ADD COLUMN rewritten int DEFAULT (random() * 0)::int`);
  return migration;
}

/** Whether a session (the copy's) is waiting for a lock the migration holds on a table of the source schema. */
async function copyWaitingOnTheMigration(schema: string): Promise<boolean> {
  const watcher = await connectToPostgres();
  try {
    return await waitsForTableOf(watcher, schema);
  } finally {
    await watcher.end();
  }
}

/**
 * A table a migration rewrites reads as empty to a snapshot taken before the migration committed
 * (PostgreSQL's MVCC-unsafe DDL): a staging copy made while the source was being migrated came out
 * failed on a foreign key, as a "restore from snapshot schema", or — had the lock wait run out —
 * as a busy "restore".
 */
describe.skipIf(!postgres)('a staging copy made while the source schema is being migrated (postgres)', () => {
  const backend = postgres!;
  afterAll(() => backend.cleanup());

  async function sourceWithHearings(): Promise<{ source: string; schema: string }> {
    const source = await backend.freshLocation();
    const store = await backend.open(source);
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(20)) });
    } finally {
      await store.close();
    }
    return { source, schema: new URL(source).searchParams.get('schema')! };
  }

  it('waits for the migration to commit, then copies every hearing as migrated', async () => {
    const { source, schema } = await sourceWithHearings();
    const staging = await backend.freshLocation();
    const migration = await migrationUnderWay(schema);
    try {
      const copying = copyToStaging(source, staging, (location) => backend.open(location));
      await expect.poll(() => copyWaitingOnTheMigration(schema), { timeout: 20_000 }).toBe(true);
      await migration.query('COMMIT');
      await copying;
    } finally {
      await migration.end();
    }
    const copy = await backend.open(staging);
    try {
      expect(await copy.countHearings()).toBe(20);
      expect((await copy.listRuns({})).map((run) => run.status)).toEqual(['success']);
    } finally {
      await copy.close();
    }
  });

  it('refuses, copying nothing, when the migration outlasts lock_timeout', async () => {
    const { source, schema } = await sourceWithHearings();
    const staging = await backend.freshLocation();
    const migration = await migrationUnderWay(schema);
    try {
      await expect(copyToStaging(source, staging, (location) => backend.open(location))).rejects.toMatchObject({
        code: 'LOCK_HELD',
        message: `source schema ${schema} is being migrated or restored by another session (for longer than lock_timeout): a copy read now could find its tables half-changed, so nothing was copied`,
      });
    } finally {
      await migration.query('ROLLBACK');
      await migration.end();
    }
  });
});
