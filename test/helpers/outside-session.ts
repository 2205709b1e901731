import Database from 'better-sqlite3';
import pg from 'pg';
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
