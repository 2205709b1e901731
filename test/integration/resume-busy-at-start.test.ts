import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { PG_URL } from '../helpers/postgres.js';

/**
 * PostgreSQL: a DBA's session holds a table lock (LOCK TABLE, VACUUM FULL) on what a resume reads
 * first — the run, its checkpoint — past lock_timeout. That is the database staying busy, as
 * flt135/flt137 say it mid-run, not another run holding the writer lock: before, the resume exited
 * 5 (LOCK_HELD). It exits 6 (DB_UNREACHABLE), names the run as not resumed and still interrupted,
 * keeps the driver's hint (which session to look for), and the run resumes once the lock is gone.
 * SQLite is not here: its readers never wait for another session (WAL).
 */
const SOURCE = 'synthetic:seed=144,count=150';
const backends = testBackends().filter((backend) => backend.name === 'postgres');

describe.skipIf(backends.length === 0).each(backends)('a resume whose first reads meet a locked table, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  // The run is read once before the run's retries (its kills, run-task.ts); its checkpoint with them.
  const busyWords = { runs: 'the database was unreachable or busy', checkpoints: 'the database stayed unreachable or busy after retries' };
  for (const table of ['runs', 'checkpoints'] as const) {
    it(`exits 6 naming the busy database, not 5, when ${table} is locked, and leaves the run interrupted`, async () => {
      const location = await backend.freshLocation();
      const runId = await withStoreAt(backend, location, async (store) => {
        const stop = new AbortController();
        const first = await runUpdate({ store, source: await openSource(SOURCE), batchSize: 50, signal: stop.signal, onEvent: (event) => event.type === 'batch-finished' && stop.abort('by the test') });
        expect(first.status).toBe('interrupted');
        return first.runId;
      });
      const dba = new pg.Client({ connectionString: PG_URL });
      await dba.connect();
      let locked = true;
      try {
        await dba.query('BEGIN');
        await dba.query(`LOCK TABLE "${new URL(location).searchParams.get('schema')!}".${table} IN ACCESS EXCLUSIVE MODE`);
        const refused = runCli(['update', '--db', location, '--source', SOURCE, '--resume', String(runId), '--no-snapshot', '--json'], { env: { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '300' } });
        expect(refused.code, refused.stderr).toBe(6);
        const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string; hint: string } };
        expect(error.code).toBe('DB_UNREACHABLE');
        expect(error.message).toMatch(new RegExp(`^run ${runId} was not resumed: ${busyWords[table]}: .*lock_timeout.*; it is still interrupted, nothing was changed$`));
        // Said to outlast retries only when it did: each retry is warned of on stderr.
        expect(refused.stderr.includes('retrying in'), refused.stderr).toBe(table === 'checkpoints');
        expect(error.hint).toContain('pg_stat_activity');
        await dba.query('ROLLBACK');
        locked = false;
        await withStoreAt(backend, location, async (store) => {
          expect(await store.getRun(runId)).toMatchObject({ status: 'interrupted' });
          expect((await store.listRuns({ limit: 10 })).filter((run) => run.status === 'running')).toEqual([]);
        });
        const resumed = runCli(['update', '--db', location, '--source', SOURCE, '--resume', String(runId), '--no-snapshot', '--json']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(JSON.parse(resumed.stdout)).toMatchObject({ runId, status: 'success', metrics: { fetched: 150, added: 150 } });
      } finally {
        if (locked) await dba.query('ROLLBACK').catch(() => undefined);
        await dba.end();
      }
    }, 60_000);
  }
});
