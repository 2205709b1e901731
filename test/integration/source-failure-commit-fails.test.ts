import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { RecordSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { fakeCongressSource, isDetailRequest, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { connectToPostgres } from '../helpers/postgres.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A Congress.gov source failing part-way has the run commit what it fetched since its last batch
 * before it stops. When that commit failed too (the database gone or busy at that moment), the run
 * reported only the database's error: the operator never learnt that Congress.gov had failed, nor
 * that the meetings fetched were not kept. The run now says both, the source's reason first.
 */
const NOW = new Date('2025-03-08T00:00:00Z');
/** 300 meetings in pages of 40: the first window of 256 commits five batches of 50, and the list page at 280 fails. */
const MEETINGS = 300;
const PAGE_SIZE = 40;
const FIRST_ID = 810000;
const RETRIES = 5;

const feed = { house: Array.from({ length: MEETINGS }, (_, i) => hearingRecord(FIRST_ID + i, { updateDate: '2025-03-06T12:00:00Z' })) };
const failingPage = (fake: FakeCongress, status = 503) => {
  fake.override = (request) => (!isDetailRequest(request) && request.query.offset === '280' ? { status } : undefined);
};

/** The source, with `beforeFailing` awaited when its items fail and before the run hears of it. */
function failingAfter(source: RecordSource, beforeFailing: () => Promise<void>): RecordSource {
  return {
    ...source,
    async *items(options) {
      try {
        yield* source.items(options);
      } catch (failure) {
        await beforeFailing();
        throw failure;
      }
    },
  };
}

/**
 * Makes the database refuse writes from the moment the source fails until the commit of what it
 * fetched has failed past its retries: SQLite held by another connection (BEGIN IMMEDIATE), the
 * PostgreSQL hearings table locked against writes, not reads, by another session (the store waits
 * `lockWaitMs` for either). The
 * run's `sleep` lets the database go at the first retry after those (the run's end being recorded).
 */
async function databaseRefusingAtSourceFailure(backend: TestBackend, location: string): Promise<{ block: () => Promise<void>; sleep: () => Promise<void>; released: () => Promise<void> }> {
  let release: () => Promise<void> = async () => {};
  let sleeps = 0;
  const block = async () => {
    if (backend.name === 'sqlite') {
      const holder = new Database(location);
      holder.exec('BEGIN IMMEDIATE');
      release = async () => {
        if (holder.open) holder.close();
      };
      return;
    }
    const locker = await connectToPostgres();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${new URL(location).searchParams.get('schema')}".hearings IN EXCLUSIVE MODE`);
    release = async () => {
      await locker.end().catch(() => {});
    };
  };
  const sleep = async () => {
    if (++sleeps === RETRIES + 1) await release();
  };
  return { block, sleep, released: () => release() };
}

let server: FakeCongress | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe.each(testBackends())('a run whose source fails part-way and whose commit of the fetched part then fails, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function withStore<T>(location: string, work: (store: Store) => Promise<T>): Promise<T> {
    // A short wait on a busy SQLite file: each of the retries meets the holder at once.
    const store = await backend.open(location, { lockWaitMs: 20 });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  it('says the source failed first, then that the 30 meetings fetched since the last batch were not kept; keeps the 250 committed; the resume fetches the rest', async () => {
    server = await startFakeCongress(feed, { pageSize: PAGE_SIZE });
    failingPage(server);
    const location = await backend.freshLocation();
    const database = await databaseRefusingAtSourceFailure(backend, location);
    const stopped: RunSummary = await withStore(location, (store) =>
      runUpdate({ store, source: failingAfter(fakeCongressSource(server!, () => NOW), database.block), batchSize: 50, batchCeiling: null, clock: () => NOW, sleep: database.sleep }),
    );
    await database.released();

    expect(stopped.status).toBe('interrupted');
    expect(stopped.error).toMatch(/^the source failed: .*HTTP 503.*; the records fetched since the last committed batch could not be kept: the database stayed unreachable or busy after retries: /);
    expect(stopped.error).toMatch(new RegExp(`; nothing was blamed on a record — resume with --resume ${stopped.runId}$`));
    expect(stopped.metrics).toMatchObject({ fetched: 250, added: 250, quarantined: 0 });
    expect(stopped.batches).toMatchObject({ total: 5, succeeded: 5, failed: 0 });

    server.override = null;
    const since = server.requests.length;
    await withStore(location, async (store) => {
      expect(await store.getRun(stopped.runId)).toMatchObject({ status: 'interrupted', error: stopped.error });
      expect(await store.countHearings()).toBe(250);
      const resumed = await runUpdate({ store, source: fakeCongressSource(server!, () => NOW), batchSize: 50, batchCeiling: null, clock: () => NOW, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success', metrics: { fetched: MEETINGS, added: MEETINGS, quarantined: 0 } });
      expect(server!.requests.slice(since).filter(isDetailRequest)).toHaveLength(MEETINGS - 250);
      expect(await store.countHearings()).toBe(MEETINGS);
    });
  });

  it('fails with the refused key first, then that the fetched part was not kept, when Congress.gov refuses the key part-way', async () => {
    server = await startFakeCongress(feed, { pageSize: PAGE_SIZE });
    failingPage(server, 403);
    const location = await backend.freshLocation();
    const database = await databaseRefusingAtSourceFailure(backend, location);
    const failed = await withStore(location, (store) =>
      runUpdate({ store, source: failingAfter(fakeCongressSource(server!, () => NOW), database.block), batchSize: 50, batchCeiling: null, clock: () => NOW, sleep: database.sleep }),
    );
    await database.released();
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^[^;]*403[^;]*; the records fetched since the last committed batch could not be kept: the database stayed unreachable or busy after retries: .*(locked|lock.timeout)/);
    expect(failed.metrics).toMatchObject({ fetched: 250, added: 250 });
  });
});

/**
 * The all-or-nothing path said only the source's failure, as if nothing had been fetched (its
 * metrics say 0 fetched, since nothing was committed): the 280 meetings it had fetched, each a
 * request of the hourly quota, were rolled back without a word. It now says it as the batch path
 * does, the source's reason first, then what the run could not keep.
 */
describe.each(testBackends())('an all-or-nothing run whose source fails part-way, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function allOrNothing(location: string, options: { resumeRunId?: number } = {}): Promise<RunSummary> {
    const store = await backend.open(location);
    try {
      return await runUpdate({ store, source: fakeCongressSource(server!, () => NOW), mode: 'all-or-nothing', batchSize: 50, clock: () => NOW, sleep: async () => {}, ...options });
    } finally {
      await store.close();
    }
  }

  it('says the source failed first, then that the 280 meetings fetched were rolled back with the update; the resume lists them all again and commits', async () => {
    server = await startFakeCongress(feed, { pageSize: PAGE_SIZE });
    failingPage(server);
    const location = await backend.freshLocation();
    const stopped = await allOrNothing(location);
    expect(stopped.status).toBe('interrupted');
    expect(stopped.error).toMatch(/^the source failed: .*HTTP 503[^;]*; the records fetched since the last committed batch could not be kept: all 280 were rolled back with the update: an all-or-nothing run keeps nothing of an update that did not finish; /);
    expect(stopped.error).toMatch(new RegExp(`; nothing was blamed on a record — resume with --resume ${stopped.runId}$`));

    server.override = null;
    expect(await allOrNothing(location, { resumeRunId: stopped.runId })).toMatchObject({ runId: stopped.runId, status: 'success', metrics: { fetched: MEETINGS, added: MEETINGS } });
  });

  it('rolls back with the refused key first, then that the 280 meetings fetched were not kept, when Congress.gov refuses the key part-way', async () => {
    server = await startFakeCongress(feed, { pageSize: PAGE_SIZE });
    failingPage(server, 403);
    const rolledBack = await allOrNothing(await backend.freshLocation());
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.error).toMatch(/^[^;]*403[^;]*; the records fetched since the last committed batch could not be kept: all 280 were rolled back with the update/);
    expect(rolledBack.metrics).toMatchObject({ fetched: 280, added: 0, rolledBack: 280 });
  });
});
