import { afterAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { failure } from '../helpers/console-api.js';
import { withReader } from '../helpers/domain-rows.js';
import { connectToPostgres } from '../helpers/postgres.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

/**
 * An operator accepts a held run while support's long rollback of it is under way on PostgreSQL.
 * The rollback locks the run's row, so the accept waits for it: it must not land, and what it is
 * told must be true — the rollback, by whom and since when, when its wait runs out (it blamed "a
 * transaction left open (a psql session, LOCK TABLE)"), and that the run was rolled back meanwhile
 * when the rollback commits first (it said "run N is held; only a held run can be accepted").
 */
describe.each(testBackends())('accepting a held run while a rollback of it runs, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  /**
   * A held run whose rollback by support-ann is held mid-way: another session holds the row of the
   * hearing the run wrote last, which the rollback (its run's row already locked) waits for.
   */
  async function rollbackHeldMidway(work: (held: { runId: number; location: string; release: () => Promise<void>; rollbackWaitedOnBy: () => Promise<number> }) => Promise<void>) {
    const location = await backend.freshLocation();
    const store = await backend.open(location, { lockWaitMs: 120_000 });
    const schema = new URL(location).searchParams.get('schema')!;
    const holder: pg.Client = await connectToPostgres();
    // Watched from a session of its own: inside the holder's transaction pg_stat_activity is a snapshot, blind to sessions opened since.
    const watcher: pg.Client = await connectToPostgres();
    const blockedBy = async (pid: number) => ((await watcher.query('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid])).rows as { pid: number }[]).map((row) => row.pid);
    try {
      const run = await runUpdate({ store, source: arraySource(Array.from({ length: 30 }, (_, i) => hearingRecord(i + 1))) });
      // Held by BLOCK_ON_ANOMALY, as an anomalous verdict would leave it.
      await withReader(location, (query) => query("UPDATE runs SET status = 'held' WHERE id = $1", [run.runId]));
      const [{ pid }] = (await holder.query('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${schema}".hearings WHERE event_id = '30' FOR UPDATE`);
      const rollingBack = rollback(store, { runId: run.runId, reason: 'bad feed', operator: 'support-ann' });
      rollingBack.catch(() => undefined);
      await expect.poll(async () => (await blockedBy(pid)).length, { timeout: 30_000 }).toBe(1);
      const [rollbackSession] = await blockedBy(pid);
      let released = false;
      const release = async () => {
        released = true;
        await holder.query('ROLLBACK');
        await rollingBack;
      };
      await work({ runId: run.runId, location, release, rollbackWaitedOnBy: async () => (await blockedBy(rollbackSession!)).length });
      if (!released) await release();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await watcher.end();
      await store.close();
    }
  }

  async function consoleOn(location: string, lockWaitMs: number) {
    const store = await backend.open(location, { lockWaitMs });
    const engine = createInProcessEngineHost({ location });
    const api = createApi({ store, engine, transport: 'http' });
    return { api, close: async () => (await engine.close(), await store.close()) };
  }

  it.runIf(backend.name === 'postgres')('is refused naming the rollback, its operator and since when, once its wait for the rollback runs out', async () => {
    await rollbackHeldMidway(async ({ runId, location }) => {
      const desk = await consoleOn(location, 300);
      try {
        const error = failure(await dispatch(desk.api, 'runs.accept', { runId, reason: 'looks fine' }, tester));
        expect(error.code).toBe('LOCK_HELD');
        expect(error.message).toMatch(new RegExp(`^cannot write now: a rollback of run ${runId} by support-ann holds .* since \\d{4}-`));
        expect(error.message).not.toMatch(/psql/);
      } finally {
        await desk.close();
      }
    });
  }, 60_000);

  it.runIf(backend.name === 'postgres')('is refused as rolled back meanwhile when the rollback commits while it waits, and leaves no accepted review', async () => {
    await rollbackHeldMidway(async ({ runId, location, release, rollbackWaitedOnBy }) => {
      const desk = await consoleOn(location, 60_000);
      try {
        const accepting = dispatch(desk.api, 'runs.accept', { runId, reason: 'looks fine' }, tester);
        // The accept waits for the rollback's session.
        await expect.poll(rollbackWaitedOnBy, { timeout: 30_000 }).toBe(1);
        await release();
        const error = failure(await accepting);
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toBe(`run ${runId} was held when this accept began, and is rolled_back now: a rollback of it was committed first; nothing was accepted`);
      } finally {
        await desk.close();
      }
      const rows = await withReader(location, (query) => query("SELECT r.status, (SELECT count(*) FROM run_reviews WHERE action = 'accepted') AS accepted FROM runs r WHERE r.id = $1", [runId]));
      expect(rows).toEqual([{ status: 'rolled_back', accepted: '0' }]);
    });
  }, 60_000);
});
