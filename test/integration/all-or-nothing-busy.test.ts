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
 * retried — it made a passing lock fail the whole run (SQLite: the outside session's BEGIN
 * IMMEDIATE shuts the run's out; PostgreSQL's LOCK TABLE is met at the first write, part-way).
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

  it.runIf(backend.name === 'sqlite')('retries a database busy at BEGIN, where nothing was read or written yet, and writes every record', async () => {
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
        const run = await runUpdate({ store, source: lockedWhenRead(stuck.take), mode: 'all-or-nothing', batchSize: 50, sleep: async () => {}, onEvent });
        expect(run).toMatchObject({ status: 'success', error: null, metrics: { fetched: 120, added: 120, quarantined: 0 } });
      } finally {
        await stuck.letGo();
      }
      expect(warnings.some((warning) => /^database busy .*retrying in \d+ ms \(retry 1 of 5/.test(warning))).toBe(true);
      expect(await store.countHearings()).toBe(120);
    }, { lockWaitMs: 300 });
  });

  it.runIf(backend.name === 'postgres')('stops interrupted saying it was tried once, not "after retries", keeps nothing, and resumes to every record', async () => {
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async (store) => {
      const stuck = await stuckSession(backend, location);
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
      expect(await store.countHearings()).toBe(0);
      expect(await store.listQuarantine()).toEqual([]);

      const resumed = await runUpdate({ store, source: arraySource(RECORDS), mode: 'all-or-nothing', batchSize: 50, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success', metrics: { fetched: 120, added: 120, quarantined: 0 } });
      expect(await store.countHearings()).toBe(120);
    }, { lockWaitMs: 300 });
  });
});
