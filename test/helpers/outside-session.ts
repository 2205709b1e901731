import Database from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import type { Store } from '../../main/store/index.js';
import type { TestBackend } from './backends.js';
import { PG_URL } from './postgres.js';

export interface OutsideSession {
  take: () => Promise<void>;
  letGo: () => Promise<void>;
}

/**
 * A session outside Gatehouse that keeps its writes waiting: a sqlite3 shell's BEGIN IMMEDIATE, or a
 * DBA's `LOCK TABLE …` on PostgreSQL (`lockTables` names what, in the test's schema). letGo may be
 * called twice (once when the test has seen what it waits for, once in its finally).
 */
export async function outsideSession(backend: TestBackend, location: string, lockTables: (schema: string) => string): Promise<OutsideSession> {
  if (backend.name === 'sqlite') {
    const shell = new Database(location);
    return {
      take: async () => void shell.prepare('BEGIN IMMEDIATE').run(),
      letGo: async () => {
        if (shell.open && shell.inTransaction) shell.prepare('ROLLBACK').run();
        if (shell.open) shell.close();
      },
    };
  }
  const psql = new pg.Client({ connectionString: PG_URL });
  await psql.connect();
  const schema = new URL(location).searchParams.get('schema')!;
  let ended = false;
  return {
    take: async () => {
      await psql.query('BEGIN');
      await psql.query(`LOCK TABLE ${lockTables(`"${schema}"`)}`);
    },
    letGo: async () => {
      if (ended) return;
      ended = true;
      await psql.query('ROLLBACK');
      await psql.end();
    },
  };
}

/**
 * A run's row deleted outside Gatehouse, the rest of the run left: the sqlite3 shell (its foreign
 * keys are off), or psql with triggers disabled.
 */
export async function deleteRunRowOutsideGatehouse(store: Store, runId: number): Promise<void> {
  if (store.backend === 'sqlite') {
    await sql`PRAGMA foreign_keys = OFF`.execute(store.queries.db);
    await sql`DELETE FROM runs WHERE id = ${runId}`.execute(store.queries.db);
    await sql`PRAGMA foreign_keys = ON`.execute(store.queries.db);
    return;
  }
  await store.queries.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    await sql`DELETE FROM runs WHERE id = ${runId}`.execute(trx);
  });
}
