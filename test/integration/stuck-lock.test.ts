import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends, withStoreAt, type TestBackend } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, PG_URL } from '../helpers/postgres.js';

/**
 * A session outside Gatehouse's writer lock — an operator's transaction left open in psql or the
 * sqlite3 shell, a DBA's LOCK TABLE — that holds what a run must write. The run may wait for it a
 * while, but not forever: it stops as interrupted, blames no record, and resumes once it lets go.
 */
const LOCK_WAIT_MS = 100;
const SOURCE = 'synthetic:seed=53,count=120';

interface StuckSession {
  /** Takes the lock: before the run on PostgreSQL (reads pass it), once the run holds the writer lock on SQLite. */
  take(): Promise<void> | void;
  letGo(): Promise<void>;
}

/** The CLI's own wait for another session's lock, shortened (cli/database.ts). */
const SHORT_LOCK_WAIT = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: String(LOCK_WAIT_MS) };

function schemaOf(location: string): string {
  return new URL(location).searchParams.get('schema')!;
}

async function pgSession(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** `table` of the store held as by an operator's open transaction: SQLite's whole file, PostgreSQL's one table. */
function stuckSession(backend: TestBackend, location: string, table = 'hearings'): StuckSession {
  if (backend.name === 'sqlite') {
    let shell: Database.Database | null = null;
    return {
      take: () => {
        shell = new Database(location);
        shell.prepare('BEGIN IMMEDIATE').run();
      },
      letGo: async () => {
        shell?.prepare('ROLLBACK').run();
        shell?.close();
      },
    };
  }
  let psql: pg.Client | null = null;
  return {
    take: async () => {
      psql = await pgSession();
      await psql.query('BEGIN');
      // EXCLUSIVE: others may still read the table (the run's lookups), but not write it.
      await psql.query(`LOCK TABLE "${schemaOf(location)}".${table} IN EXCLUSIVE MODE`);
    },
    letGo: async () => {
      await psql?.query('ROLLBACK');
      await psql?.end();
    },
  };
}

describe.each(testBackends())('a lock held by a stuck session, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stops the run as interrupted instead of waiting forever, blames no record, and the resume writes each record once', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location, { lockWaitMs: LOCK_WAIT_MS });
    const stuck = stuckSession(backend, location);
    let stopped: RunSummary;
    try {
      if (backend.name === 'postgres') await stuck.take();
      const warnings: string[] = [];
      const onEvent = (event: RunEvent) => {
        if (event.type === 'run-started' && backend.name === 'sqlite') void stuck.take();
        if (event.type === 'warning') warnings.push(event.message);
      };
      // On SQLite the stuck session holds the whole file, so even the run's end cannot be written: still a summary, not a crash.
      stopped = await runUpdate({ store, source: await openSource(SOURCE), batchSize: 50, sleep: async () => {}, onEvent });

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/the database stayed unreachable or busy after retries: .*(lock timeout|database is locked).*nothing was blamed on a record — resume with --resume \d+$/);
      // One series of retries for the whole run, each said with what it waits for: the run's end,
      // which the stuck session on SQLite blocks too, gets one retry, not a series of its own.
      const retries = warnings.filter((warning) => /retry/.test(warning));
      expect(retries.map((warning) => /\(retry (\d of \d)/.exec(warning)?.[1])).toEqual(['1 of 5', '2 of 5', '3 of 5', '4 of 5', '5 of 5', ...(backend.name === 'sqlite' ? ['1 of 1'] : [])]);
      if (backend.name === 'sqlite') expect(retries[0]).toMatch(/^database busy \(database is locked\): another connection has held a write transaction on the file for the whole 0.1 s lock wait, and each retry waits up to 0.1 s more — not a Gatehouse writer, since this run holds the writer lock/);
      expect(retries[0]).toMatch(/retrying in \d+ ms \(retry 1 of 5; still so after the last, the run stops as interrupted: resumable, nothing blamed on a record\)$/);
      expect(stopped.metrics).toMatchObject({ fetched: 0, added: 0, quarantined: 0 });
      await stuck.letGo();
      // SQLite's lock row could not be deleted either; a CLI's exit lets the next writer take it over, this test process lives on.
      await store.releaseWriterLock();
      expect(await store.listQuarantine({ runId: stopped.runId })).toEqual([]);
      expect(await store.countHearings()).toBe(0);
    } finally {
      await store.close();
    }

    // Resumed by another process, as an operator would: on SQLite that process also finds the run left running.
    const resumed = runCli(['update', '--db', location, '--source', SOURCE, '--resume', String(stopped.runId), '--json']);
    expect(resumed.stderr).not.toMatch(/unexpected/);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as RunSummary;
    expect(summary).toMatchObject({ runId: stopped.runId, status: 'success' });
    expect(summary.metrics).toMatchObject({ fetched: 120, added: 120, updated: 0, unchanged: 0, quarantined: 0 });
    await withStoreAt(backend, location, async (store) => expect(await store.countHearings()).toBe(120));
  });

  it('refuses an update that cannot even start (the runs are held) with LOCK_HELD, exit 5 and a hint, instead of an unexpected error', async () => {
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async () => {});
    const stuck = stuckSession(backend, location, 'runs');
    await stuck.take();
    let refused: ReturnType<typeof runCli>;
    try {
      refused = runCli(['update', '--db', location, '--source', SOURCE, '--json'], { env: SHORT_LOCK_WAIT });
    } finally {
      await stuck.letGo();
    }
    expect(refused.code).toBe(5);
    const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string; hint?: string } };
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toMatch(/is busy/);
    expect(error.hint).toBeTruthy();
    expect(refused.stderr).not.toMatch(/unexpected/);
    await withStoreAt(backend, location, async (store) => {
      expect(await store.listRuns()).toEqual([]);
      expect(await store.countHearings()).toBe(0);
    });
  });
});

const postgres = await availablePostgresBackend();

describe.skipIf(postgres === null)('a writer stuck in its last commit, on postgres', () => {
  afterAll(() => postgres?.cleanup());

  it('refuses the next writer instead of waiting forever for a dead writer\'s commit that hangs, and lets it in once that commit ends', async () => {
    const location = await postgres!.freshLocation();
    const store = await postgres!.open(location, { lockWaitMs: LOCK_WAIT_MS });
    // The fence every write transaction of a holder takes ("GATF"), held as by a writer whose lock session died mid-commit.
    const writer = await pgSession();
    try {
      await writer.query('BEGIN');
      await writer.query(`SELECT pg_advisory_xact_lock(${0x47415446}, hashtext($1))`, [schemaOf(location)]);
      const refused = await store.acquireWriterLock({ runId: null, pid: 1, host: 'test' }, { now: new Date(), staleAfterMs: 60_000 });
      expect(refused).toMatchObject({ acquired: false, holder: { runId: null } });

      await writer.query('COMMIT');
      const taken = await store.acquireWriterLock({ runId: null, pid: 1, host: 'test' }, { now: new Date(), staleAfterMs: 60_000 });
      expect(taken.acquired).toBe(true);
      await store.releaseWriterLock();
    } finally {
      await writer.end();
      await store.close();
    }
  });
});
