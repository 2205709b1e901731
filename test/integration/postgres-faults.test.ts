import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, listRestores, restoreSnapshot, rollback, undoJournal } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import type { RecordSource, SourceItem } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { domainRows } from '../helpers/domain-rows.js';
import { unreachable } from '../../main/store/postgres/connection.js';
import { parsePostgresTarget } from '../../main/store/postgres/target.js';
import { availablePostgresBackend, connectToPostgres as connect, PG_URL, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

const backend = await availablePostgresBackend();

const RECORDS = hearingRecords(700);
/** The last item of the second window of 256 (execute-run.ts MINIMUM_WINDOW): the next thing the run does is that window's lookup. */
const LAST_OF_SECOND_WINDOW = 511;

/**
 * Holds the schema's hearings table locked from another connection, so the run's next lookup
 * waits on it; each time a session of the store is seen waiting (a state, polled), terminates it
 * with pg_terminate_backend — `times` times, or until stopped — then lets go of the table.
 */
async function terminateLookups(schema: string, times: number): Promise<{ done: Promise<number>; stop: () => void }> {
  let stopped = false;
  const locker = await connect();
  await locker.query('BEGIN');
  await locker.query(`LOCK TABLE "${schema}".hearings IN ACCESS EXCLUSIVE MODE`);
  const watcher = await connect();
  const done = (async () => {
    let terminated = 0;
    try {
      while (terminated < times && !stopped) {
        const { rows } = await watcher.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_stat_activity
            WHERE application_name = $1 AND wait_event_type = 'Lock' AND pid <> $2`,
          [`gatehouse:${schema}`, (locker as unknown as { processID: number }).processID],
        );
        terminated += rows.filter((row) => row.ended).length;
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return terminated;
    } finally {
      await locker.query('COMMIT').catch(() => {});
      await locker.end().catch(() => {});
      await watcher.end().catch(() => {});
    }
  })();
  return { done, stop: () => void (stopped = true) };
}

/** Ends the session that holds the store's writer lock (the advisory lock "GATE"), and waits until it is gone. */
async function terminateLockSession(schema: string): Promise<number> {
  const client = await connect();
  try {
    const { rows } = await client.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(l.pid, 5000) AS ended FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${0x47415445} AND a.application_name = $1`,
      [`gatehouse:${schema}`],
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await client.end();
  }
}

/** The same, synchronously (psql), for a moment inside a call that cannot wait: the writer's clock. */
function terminateLockSessionNow(schema: string): number {
  const sql = `SELECT count(pg_terminate_backend(l.pid, 5000)) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${0x47415445} AND a.application_name = 'gatehouse:${schema}'`;
  return Number(execFileSync('psql', [PG_URL, '-XAtc', sql], { encoding: 'utf8' }).trim());
}

function safetySnapshotTaken(schema: string): boolean {
  return execFileSync('psql', [PG_URL, '-XAtc', `SELECT count(*) FROM "${schema}".snapshots WHERE kind = 'safety'`], { encoding: 'utf8' }).trim() !== '0';
}

/** The records, with a hook run (and awaited) just before the item at `position` is handed to the run. */
function sourceWithHook(records: unknown[], position: number, hook: () => Promise<void>): RecordSource {
  const inner = arraySource(records, 'memory:hooked');
  let fired = false;
  return {
    ...inner,
    async *items(options = {}): AsyncGenerator<SourceItem> {
      for await (const item of inner.items(options)) {
        if (item.position === position && !fired) {
          fired = true;
          await hook();
        }
        yield item;
      }
    },
  };
}

describe.skipIf(backend === null)('PostgreSQL hard faults', () => {
  afterAll(() => backend?.cleanup());

  /**
   * `holding` one hearing (not among RECORDS) stored by an earlier run: a first load into an empty
   * database asks for no stored hearings (execute-run.ts), so only a run over stored ones has a
   * planning lookup to cut.
   */
  async function freshStore(holding = false): Promise<{ store: Store; schema: string; url: string }> {
    const url = await backend!.freshLocation();
    const schema = new URL(url).searchParams.get('schema')!;
    const store = await backend!.open(url);
    if (holding) await runUpdate({ store, source: arraySource([hearingRecord(1)]) });
    return { store, schema, url };
  }

  async function loneRun(holding = false): Promise<RunSummary> {
    const { store } = await freshStore(holding);
    try {
      return await runUpdate({ store, source: arraySource(RECORDS, 'memory:hooked') });
    } finally {
      await store.close();
    }
  }

  function collectWarnings(into: string[]) {
    return (event: RunEvent) => {
      if (event.type === 'warning') into.push(event.message);
    };
  }

  it('retries a planning lookup whose connection is terminated and finishes exactly like a lone run', async () => {
    const lone = await loneRun(true);
    const { store, schema } = await freshStore(true);
    const warnings: string[] = [];
    let killer: Awaited<ReturnType<typeof terminateLookups>> | null = null;
    try {
      const source = sourceWithHook(RECORDS, LAST_OF_SECOND_WINDOW, async () => {
        killer = await terminateLookups(schema, 2);
      });
      const summary = await runUpdate({ store, source, onEvent: collectWarnings(warnings) });
      expect(await killer!.done).toBe(2);
      expect(warnings.filter((w) => /retrying/.test(w))).toHaveLength(2);
      expect(summary.status).toBe('success');
      expect({ ...summary.metrics, durationMs: 0 }).toEqual({ ...lone.metrics, durationMs: 0 });
      expect(summary.batches).toEqual(lone.batches);
      expect(await store.countHearings()).toBe(701);
      expect(await store.listQuarantine()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('stops as interrupted when the connection stays lost beyond the retries, and resumes to a lone run\'s result', async () => {
    const lone = await loneRun(true);
    const { store, schema } = await freshStore(true);
    const warnings: string[] = [];
    let killer: Awaited<ReturnType<typeof terminateLookups>> | null = null;
    try {
      const source = sourceWithHook(RECORDS, LAST_OF_SECOND_WINDOW, async () => {
        // Every attempt is terminated, the first and all the retries, until the run gives up.
        killer = await terminateLookups(schema, Infinity);
      });
      const noWait = async () => {};
      const stopped = await runUpdate({ store, source, sleep: noWait, onEvent: collectWarnings(warnings) });
      killer!.stop();
      expect(await killer!.done).toBeGreaterThanOrEqual(1);
      expect(warnings.filter((w) => /retrying/.test(w))).toHaveLength(5);
      expect(stopped.status).toBe('interrupted');
      const run = await store.getRun(stopped.runId);
      expect(run!.error).toMatch(/^the database stayed unreachable or busy after retries: .*resume with --resume \d+$/);
      expect(run!.error).not.toContain('\n');
      expect(await store.listQuarantine()).toEqual([]);

      const resumed = await runUpdate({ store, source: arraySource(RECORDS, 'memory:hooked'), resumeRunId: stopped.runId });
      expect(resumed.status).toBe('success');
      expect({ ...resumed.metrics, durationMs: 0 }).toEqual({ ...lone.metrics, durationMs: 0 });
      expect(await store.countHearings()).toBe(701);
      expect(await store.listQuarantine()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a writer whose lock session is terminated stops as interrupted before its next commit; a second update then writes alone, as a lone run would', async () => {
    const loneUrl = await backend!.freshLocation();
    const loneStore = await backend!.open(loneUrl);
    const lone = await runUpdate({ store: loneStore, source: arraySource(RECORDS, 'memory:hooked') }).finally(() => loneStore.close());
    const { store: first, schema, url } = await freshStore();
    const second = await backend!.open(url);
    let secondRun = null as Promise<RunSummary> | null;
    try {
      const source = sourceWithHook(RECORDS, LAST_OF_SECOND_WINDOW, async () => {
        expect(await terminateLockSession(schema)).toBe(1);
        // The second update starts once the lock is free, and the first goes on only once it has started (a state).
        await new Promise<void>((started) => {
          secondRun = runUpdate({
            store: second,
            source: arraySource(RECORDS, 'memory:hooked'),
            onEvent: (event) => event.type === 'run-started' && started(),
          });
          secondRun.catch(() => started());
        });
      });
      const stopped = await runUpdate({ store: first, source });
      const taken = await secondRun!;

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/^lost the writer lock on .*stopped before writing unguarded; nothing was blamed on a record — resume with --resume 1$/);
      expect(stopped.metrics).toMatchObject({ fetched: 250, added: 250, quarantined: 0 });
      expect((await second.getRun(stopped.runId))!.status).toBe('interrupted');

      expect(taken.status).toBe('success');
      expect(taken.metrics).toMatchObject({ fetched: 700, added: 450, unchanged: 250, updated: 0, quarantined: 0 });
      expect(taken.batches).toMatchObject({ failed: 0, isolated: 0 });
      expect(await second.countHearings()).toBe(lone.metrics.added);
      expect(await second.listQuarantine()).toEqual([]);
      expect(await domainRows(url)).toEqual(await domainRows(loneUrl));
    } finally {
      await secondRun?.catch(() => null);
      await first.close();
      await second.close();
    }
  });

  it('a restore whose lock session is terminated before it commits restores nothing and says so; the restore asked again succeeds', async () => {
    const { store, schema, url } = await freshStore();
    try {
      await runUpdate({ store, source: arraySource(RECORDS.slice(0, 300), 'memory:first') });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await runUpdate({ store, source: arraySource(RECORDS, 'memory:second') });
      const before = await domainRows(url);
      let armed = true;
      // The restore reads the clock once its safety snapshot is taken, just before its transaction.
      const clock = () => {
        if (armed && safetySnapshotTaken(schema)) {
          armed = false;
          expect(terminateLockSessionNow(schema)).toBe(1);
        }
        return new Date();
      };
      const request = { snapshotId: snapshot.id, reason: 'the second feed was a test feed', operator: 'sam' };
      const failure = await restoreSnapshot(store, { ...request, clock }).catch((error: unknown) => error);
      expect(armed).toBe(false);
      expect(failure).toMatchObject({
        code: 'INTERRUPTED',
        message: expect.stringMatching(new RegExp(`^restore from snapshot ${snapshot.id} failed: lost the writer lock on .*; nothing was restored; its safety snapshot \\S+ is kept: the writer lock was lost, and nothing is removed without it; delete it with gatehouse backups delete$`)),
        hint: 'run the restore again once no other writer holds the database',
      });
      expect(await domainRows(url)).toEqual(before);
      expect(await listRestores(store)).toEqual([]);

      const restored = await restoreSnapshot(store, request);
      expect([restored.hearingsBefore, restored.hearingsAfter]).toEqual([700, 300]);
      expect(await listRestores(store)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('a rollback whose lock session is terminated before it commits changes nothing and says so; the rollback asked again succeeds', async () => {
    const { store, schema, url } = await freshStore();
    try {
      await runUpdate({ store, source: arraySource(RECORDS.slice(0, 300), 'memory:first') });
      const second = await runUpdate({ store, source: arraySource(RECORDS, 'memory:second') });
      const before = await domainRows(url);
      let terminated = 0;
      // Told inside the rollback's transaction, before it undoes anything: that is where the session goes.
      const onProgress = () => {
        if (terminated === 0) terminated = terminateLockSessionNow(schema);
      };
      const request = { runId: second.runId, reason: 'the second feed was a test feed', operator: 'sam' };
      const failure = await rollback(store, { ...request, onProgress }).catch((error: unknown) => error);
      expect(terminated).toBe(1);
      expect(failure).toMatchObject({
        code: 'INTERRUPTED',
        message: expect.stringMatching(/^rollback of run 2 stopped: lost the writer lock on .*; nothing was changed$/),
        hint: 'run the rollback again once no other writer holds the database',
      });
      expect(await domainRows(url)).toEqual(before);
      expect(await undoJournal(store).listEvents()).toEqual([]);
      expect((await store.getRun(second.runId))!.status).toBe('success');

      const report = await rollback(store, request);
      expect(report).toMatchObject({ runRolledBack: true, counts: { deleted: 400 } });
      expect(await store.countHearings()).toBe(300);
    } finally {
      await store.close();
    }
  });

  it('says a session the server ended mid-query as ended by the server, not as a server it cannot reach', async () => {
    const schema = uniqueSchema();
    const victim = await connect();
    const watcher = await connect();
    try {
      const pid = (victim as unknown as { processID: number }).processID;
      const asked = victim.query('SELECT pg_sleep(60)').catch((error: unknown) => error);
      // Terminated once its query is seen running (a state, polled), as an operator's pg_terminate_backend would.
      while ((await watcher.query<{ ended: boolean }>(`SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`, [pid])).rows.length === 0);
      const ended = unreachable(parsePostgresTarget(urlWithSchema(schema)), await asked);
      expect(ended).toMatchObject({
        code: 'DB_UNREACHABLE',
        message: expect.stringMatching(/^PostgreSQL at .* ended this session: terminating connection due to administrator command$/),
        hint: expect.stringMatching(/^the server was reached and ended the session .*run the command again/),
      });
    } finally {
      await victim.end().catch(() => undefined);
      await watcher.end();
    }
  });

  it('classes disk full and I/O errors as the environment\'s fault, a lost connection as transient, a refused row as the record\'s', async () => {
    const { store } = await freshStore();
    try {
      const coded = (code: string) => Object.assign(new Error(code), { code });
      for (const code of ['53100', '58030', '25006', 'ENOSPC']) expect(store.classifyError(coded(code))).toBe('environment');
      for (const code of ['57P01', '08006', 'ECONNRESET']) expect(store.classifyError(coded(code))).toBe('transient');
      expect(store.classifyError(coded('23514'))).toBe('record');
    } finally {
      await store.close();
    }
  });

  it('resumes a run an earlier Gatehouse recorded as failed on a lost connection, and refuses one that failed for its records', async () => {
    const lone = await loneRun();
    const { store, schema } = await freshStore();
    let killer: Awaited<ReturnType<typeof terminateLookups>> | null = null;
    try {
      const source = sourceWithHook(RECORDS, LAST_OF_SECOND_WINDOW, async () => {
        killer = await terminateLookups(schema, Infinity);
      });
      const stopped = await runUpdate({ store, source, sleep: async () => {} });
      killer!.stop();
      await killer!.done;
      // As the run was recorded before this fix: failed, with the driver's message.
      const recorded = { finishedAt: stopped.finishedAt!, metrics: stopped.metrics, batchCounts: stopped.batches, validation: null };
      await store.finishRun(stopped.runId, { ...recorded, status: 'failed', error: 'cannot reach PostgreSQL at x: terminating connection due to administrator command' });
      const resumed = await runUpdate({ store, source: arraySource(RECORDS, 'memory:hooked'), resumeRunId: stopped.runId });
      expect(resumed.status).toBe('success');
      expect({ ...resumed.metrics, durationMs: 0 }).toEqual({ ...lone.metrics, durationMs: 0 });

      await store.finishRun(stopped.runId, { ...recorded, status: 'failed', error: 'all 700 records read were quarantined' });
      await expect(runUpdate({ store, source: arraySource(RECORDS, 'memory:hooked'), resumeRunId: stopped.runId })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('only an interrupted run can be resumed'),
      });
    } finally {
      await store.close();
    }
  });
});
