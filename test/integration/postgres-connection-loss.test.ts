import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/run.js';
import { availablePostgresBackend, PG_URL } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const backend = await availablePostgresBackend();

/**
 * Ends, from a second connection, every session of this store that sits inside a transaction:
 * the engine's batch connection. Synchronous (psql) so the fault seam can call it at an exact
 * moment of the batch, between BEGIN and the first write.
 */
function terminateBatchConnection(schema: string): number {
  const sql = `SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
    WHERE application_name = 'gatehouse:${schema}' AND state = 'idle in transaction'`;
  return Number(execFileSync('psql', [PG_URL, '-XAtc', sql], { encoding: 'utf8' }).trim());
}

describe.skipIf(backend === null)('PostgreSQL connection loss', () => {
  afterAll(() => backend?.cleanup());

  async function freshStore(options: Parameters<typeof openStore>[1] = {}): Promise<{ store: Store; schema: string; url: string }> {
    const url = await backend!.freshLocation();
    const schema = new URL(url).searchParams.get('schema')!;
    return { store: await backend!.open(url, options), schema, url };
  }

  it('rolls back a batch whose connection is killed mid-write, reconnects, retries it and loses or doubles nothing', async () => {
    let schema = '';
    let killed = 0;
    const { store, schema: s } = await freshStore({
      failWriteOf: (eventId) => {
        // The middle of the second batch, the first time only; the retry goes through.
        if (eventId === String(hearingRecords(120)[75]!.eventId) && killed === 0) killed = terminateBatchConnection(schema);
        return false;
      },
    });
    schema = s;
    const warnings: string[] = [];
    try {
      const records = hearingRecords(120);
      const summary = await runUpdate({
        store,
        source: arraySource(records),
        onEvent: (event: RunEvent) => {
          if (event.type === 'warning') warnings.push(event.message);
        },
      });
      expect(killed).toBe(1);
      expect(warnings.some((w) => /retrying/.test(w))).toBe(true);
      expect(summary.status).toBe('success');
      expect(summary.metrics).toMatchObject({ fetched: 120, added: 120, updated: 0, unchanged: 0, quarantined: 0 });
      expect(summary.batches).toEqual({ total: 3, succeeded: 3, failed: 0, isolated: 0 });
      expect(await store.countHearings()).toBe(120);
      expect(await store.listQuarantine()).toEqual([]);
      const detail = await store.getRun(summary.runId);
      expect(detail!.batchList.map((b) => [b.seq, b.written])).toEqual([[1, 50], [2, 50], [3, 20]]);
    } finally {
      await store.close();
    }
  });

  it('fails to open with a clear DB_UNREACHABLE message that never shows the password', async () => {
    const closedPort = 'postgres://gatehouse:s3cret-pw@127.0.0.1:1/postgres?schema=nowhere';
    const failure = openStore(closedPort);
    await expect(failure).rejects.toMatchObject({ code: 'DB_UNREACHABLE' });
    const error = (await failure.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('postgres://gatehouse:***@127.0.0.1:1/postgres');
    expect(error.message).not.toContain('s3cret-pw');
  });

  it('names its location without the password', async () => {
    const withPassword = new URL(await backend!.freshLocation());
    withPassword.password = 'hunter2';
    const store = await openStore(withPassword.toString()).catch((e: Error) => e);
    // The local server may or may not ask for the password; either way it must not leak.
    const text = store instanceof Error ? store.message : store.location;
    expect(text).not.toContain('hunter2');
    if (!(store instanceof Error)) await store.close();
  });

  it('refuses a second writer on the same schema, naming the holder, and frees the lock when the holder disconnects', async () => {
    const { store: first, url } = await freshStore();
    const second = await openStore(url);
    try {
      const taken = await first.acquireWriterLock({ runId: 11, pid: 4242, host: 'ops-box' }, { now: new Date(), staleAfterMs: 120_000 });
      expect(taken.acquired).toBe(true);
      await expect(runUpdate({ store: second, source: arraySource(hearingRecords(3)) })).rejects.toMatchObject({
        code: 'LOCK_HELD',
        message: expect.stringContaining('pid 4242 on ops-box'),
      });
      await first.close();
      const after = await second.acquireWriterLock({ runId: null, pid: process.pid, host: 'here' }, { now: new Date(), staleAfterMs: 120_000 });
      expect(after).toMatchObject({ acquired: true, tookOverFrom: null });
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('lets schemas lock apart: a writer on one schema does not block another', async () => {
    const { store: a } = await freshStore();
    const { store: b } = await freshStore();
    try {
      expect((await a.acquireWriterLock({ runId: null, pid: 1, host: 'a' }, { now: new Date(), staleAfterMs: 1 })).acquired).toBe(true);
      expect((await b.acquireWriterLock({ runId: null, pid: 2, host: 'b' }, { now: new Date(), staleAfterMs: 1 })).acquired).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('marks a run left running by a writer that is gone as interrupted on the next start', async () => {
    const { store, url } = await freshStore();
    try {
      const runId = await store.createRun({
        mode: 'batch', batchSize: 50, task: null, source: 'memory:1', startedAt: new Date().toISOString(),
        pid: 999_999, host: 'elsewhere', flags: {}, resumedFrom: null,
      });
      const holder = await openStore(url);
      await holder.acquireWriterLock({ runId, pid: 999_999, host: 'elsewhere' }, { now: new Date(), staleAfterMs: 1 });
      // Its writer still holds the advisory lock and lives on another host: not an orphan.
      expect(await store.markOrphanedRunsInterrupted({ now: new Date() })).toEqual([]);
      await holder.close();
      expect(await store.markOrphanedRunsInterrupted({ now: new Date() })).toEqual([runId]);
      expect((await store.getRun(runId))!.status).toBe('interrupted');
    } finally {
      await store.close();
    }
  });
});
