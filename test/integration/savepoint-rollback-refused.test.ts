import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A ROLLBACK TO SAVEPOINT the database refuses, its connection up, leaves the transaction no
 * record's fault: PostgreSQL aborts it (every later statement: 25P02, "current transaction is
 * aborted"), SQLite keeps what the savepoint wrote. Neither is a record's refusal. The batch is
 * written again in a new transaction; only the record the database really refused is quarantined.
 */
const BAD = '100003';

describe.each(testBackends())('a savepoint the database cannot return to, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('blames no record for it: the batch is written again and only the refused record is quarantined, once', async () => {
    let rollBacks = 0;
    // The first ROLLBACK TO, after isolation's first refused try, is refused; the rest go through.
    const failSavepointRollBack = () => ++rollBacks === 1;
    await withFreshStore(
      backend,
      async (store) => {
        const warnings: string[] = [];
        const summary = await runUpdate({
          store,
          source: arraySource(hearingRecords(40)),
          batchSize: 40,
          sleep: async () => {},
          onEvent: (event) => event.type === 'warning' && warnings.push(event.message),
        });
        expect(rollBacks).toBeGreaterThan(1);
        expect(summary.status).toBe('partial');
        expect(summary.metrics).toMatchObject({ fetched: 40, added: 39, quarantined: 1 });
        const entries = await store.listQuarantine({ runId: summary.runId });
        expect(entries.map((entry) => [entry.eventId, entry.reasons[0]!.message])).toEqual([[BAD, expect.stringContaining(`injected fault writing eventId ${BAD}`)]]);
        expect(await store.countHearings()).toBe(39);
        expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
        // Said as what it was: the transaction was lost, and the batch written again.
        expect(warnings).toEqual([expect.stringMatching(/savepoint|transaction is aborted/)]);
      },
      { failWriteOf: (eventId) => eventId === BAD, failSavepointRollBack },
    );
  });

  it('stops the run resumably, quarantining nothing, when the database never returns to a savepoint', async () => {
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await runUpdate({ store, source: arraySource(hearingRecords(40)), batchSize: 40, sleep: async () => {} });
        expect(summary).toMatchObject({ status: 'interrupted', metrics: { quarantined: 0 } });
        expect(summary.error).toMatch(/^the database stayed unreachable or busy after retries: .*(could not return to a savepoint|current transaction is aborted)/);
        expect(await store.listQuarantine({ runId: summary.runId })).toEqual([]);
        expect(await store.countHearings()).toBe(0);
      },
      { failWriteOf: (eventId) => eventId === BAD, failSavepointRollBack: () => true },
    );
  });
});
