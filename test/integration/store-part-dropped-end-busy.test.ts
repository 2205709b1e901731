import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { connectToPostgres } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A run stopped by a table dropped under it offers no resume (every command refuses the store until
 * it is restored). When the run's end then could not be written for another reason — a session
 * outside Gatehouse keeping the database busy — its reason still ended "resume with --resume N".
 */
const LOCK_WAIT_MS = 200;

/** Drops the hearings table and keeps the run's row from being written, as an operator's shell or psql session would. */
async function dropAndHold(backend: TestBackend, location: string) {
  if (backend.name === 'sqlite') {
    const shell = new Database(location);
    return {
      take: () => {
        shell.exec('PRAGMA foreign_keys = OFF; DROP TABLE hearings');
        shell.prepare('BEGIN IMMEDIATE').run();
      },
      letGo: async () => {
        if (shell.inTransaction) shell.prepare('ROLLBACK').run();
        shell.close();
      },
    };
  }
  const psql = await connectToPostgres();
  const schema = new URL(location).searchParams.get('schema')!;
  return {
    take: async () => {
      await psql.query(`DROP TABLE "${schema}".hearings CASCADE`);
      await psql.query('BEGIN');
      await psql.query(`LOCK TABLE "${schema}".runs IN EXCLUSIVE MODE`);
    },
    letGo: async () => {
      await psql.query('ROLLBACK');
      await psql.end();
    },
  };
}

// PostgreSQL only: on SQLite the busy file is met before the dropped table (a write precedes the next batch's reads), so the end never meets the drop first.
describe.each(testBackends().filter((b) => b.name === 'postgres'))('a run stopped by a dropped table whose end a busy database keeps from being written, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says why it stopped and why its end is not recorded, and offers no resume', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location, { lockWaitMs: LOCK_WAIT_MS });
    const held = await dropAndHold(backend, location);
    try {
      const stopped = await runUpdate({
        store,
        source: arraySource(hearingRecords(200)),
        batchSize: 50,
        sleep: async () => {},
        betweenBatches: async (_runId, nextBatch) => {
          if (nextBatch === 2) await held.take();
          return null;
        },
      });
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toContain('is not all there');
      expect(stopped.error).toMatch(/; the run's end could not be recorded: the database stayed unreachable or busy after retries: /);
      expect(stopped.error).toMatch(/nothing was blamed on a record — it cannot be resumed from what is left of the database$/);
      expect(stopped.error).not.toContain('--resume');
    } finally {
      await held.letGo();
      await store.close();
    }
  }, 60_000);
});
