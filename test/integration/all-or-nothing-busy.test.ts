import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { RecordSource } from '../../main/sources/index.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, withStoreAt, type TestBackend } from '../helpers/backends.js';
import { outsideSession } from '../helpers/outside-session.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * An all-or-nothing update writes everything in one transaction, so a database busy past the lock
 * wait (or a connection lost) inside it cannot be retried the way a batch is: the run stops at
 * once. It said "the database stayed unreachable or busy after retries" — retries that never ran,
 * sending an operator to look for an outage that lasted one lock wait. A database busy at the
 * transaction's BEGIN is another matter: nothing of the update was read or written yet, so it is
 * retried — it made a passing lock fail the whole run. SQLite's BEGIN IMMEDIATE meets an outside
 * session's write lock at BEGIN; PostgreSQL's LOCK TABLE was met at the first write, part-way, and
 * stopped the run after one lock wait, until the batch's BEGIN took its tables' locks as well. A
 * lock on rows the update changes is still met part-way on PostgreSQL.
 */
const RECORDS = hearingRecords(120);

/** A session outside Gatehouse keeping the hearings from being written: a sqlite3 shell's BEGIN IMMEDIATE, a DBA's LOCK TABLE. */
function stuckSession(backend: TestBackend, location: string) {
  return outsideSession(backend, location, (schema) => `${schema}.hearings IN SHARE ROW EXCLUSIVE MODE`);
}

/** The records, the outside session taking its lock as the run opens them: after the run's first writes, before its transaction. */
function lockedWhenRead(take: () => Promise<void> | void): RecordSource {
  const inner = arraySource(RECORDS);
  return {
    ...inner,
    items(options) {
      const taken = take();
      return (async function* () {
        await taken;
        yield* inner.items(options);
      })();
    },
  };
}

describe.each(testBackends())('an all-or-nothing update the database keeps busy, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('retries a database busy at BEGIN, where nothing was read or written yet, and writes every record', async () => {
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async (store) => {
      const stuck = await stuckSession(backend, location);
      const warnings: string[] = [];
      // The shell lets go once the run has said it waits for it: the retry then opens the transaction.
      const onEvent = (event: RunEvent) => {
        if (event.type !== 'warning') return;
        warnings.push(event.message);
        if (/retrying/.test(event.message)) void stuck.letGo();
      };
      try {
        // PostgreSQL's LOCK TABLE is taken before the run: taken once the run's transaction has begun, it waits for the run instead.
        const source = backend.name === 'sqlite' ? lockedWhenRead(stuck.take) : (await stuck.take(), arraySource(RECORDS));
        const run = await runUpdate({ store, source, mode: 'all-or-nothing', batchSize: 50, sleep: async () => {}, onEvent });
        expect(run).toMatchObject({ status: 'success', error: null, metrics: { fetched: 120, added: 120, quarantined: 0 } });
      } finally {
        await stuck.letGo();
      }
      expect(warnings.some((warning) => /^database (busy|error) .*retrying in \d+ ms \(retry 1 of 5/.test(warning))).toBe(true);
      expect(await store.countHearings()).toBe(120);
    }, { lockWaitMs: 300 });
  });

  it.runIf(backend.name === 'postgres')('stops interrupted at a row lock met part-way, saying it was tried once, not "after retries", keeps nothing, and resumes to every record', async () => {
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async (store) => {
      await runUpdate({ store, source: arraySource(hearingRecords(1, 100000, () => ({ title: 'An earlier title' }))), mode: 'all-or-nothing', batchSize: 50 });
      // A psql session's SELECT … FOR UPDATE on a stored hearing: no table lock a BEGIN could wait for, met at its write.
      const stuck = await outsideSession(backend, location, (schema) => `${schema}.hearings IN ROW SHARE MODE; SELECT 1 FROM ${schema}.hearings FOR UPDATE`);
      // The shell lets go once the run, stopped, waits to write its end (SQLite's one lock covers the runs table too).
      const onEvent = (event: RunEvent) => void (event.type === 'warning' && /retrying/.test(event.message) && stuck.letGo());
      let stopped;
      try {
        stopped = await runUpdate({ store, source: lockedWhenRead(stuck.take), mode: 'all-or-nothing', batchSize: 50, sleep: async () => {}, onEvent });
        expect(stopped.status).toBe('interrupted');
        expect(stopped.error).toMatch(/^the database was unreachable or busy: .+; an all-or-nothing update is not retried part-way: nothing of it was kept; nothing was blamed on a record — resume with --resume \d+$/);
        expect((await store.getRun(stopped.runId))?.error).toBe(stopped.error);
      } finally {
        await stuck.letGo();
      }
      expect(await store.countHearings()).toBe(1);
      expect(await store.listQuarantine()).toEqual([]);

      const resumed = await runUpdate({ store, source: arraySource(RECORDS), mode: 'all-or-nothing', batchSize: 50, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success', metrics: { fetched: 120, added: 119, updated: 1, quarantined: 0 } });
      expect(await store.countHearings()).toBe(120);
    }, { lockWaitMs: 300 });
  });
});
