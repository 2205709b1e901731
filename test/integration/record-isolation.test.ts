import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { contentHash, runUpdate, type UpdateOptions } from '../../main/engine/index.js';
import type { PlannedChange, Store } from '../../main/store/index.js';
import { applyRecordRules } from '../../main/validation/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { domainRows } from '../helpers/domain-rows.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

/**
 * A failed batch is written again in one transaction with a savepoint per record: the records the
 * database refuses are quarantined with their reason, every other record of the batch commits with
 * the batch row and its checkpoint.
 */
const failing = (...ids: number[]) => ({ failWriteOf: (eventId: string) => ids.includes(Number(eventId)) });

/** A seam refusing `ids` that counts every try of every record. */
function countingTries(...ids: number[]) {
  const triesOf = new Map<number, number>();
  const failWriteOf = (eventId: string) => {
    triesOf.set(Number(eventId), (triesOf.get(Number(eventId)) ?? 0) + 1);
    return ids.includes(Number(eventId));
  };
  return { triesOf, failWriteOf };
}

/** The size of every hearing write `store`'s batch transactions make, in order, as they are made. */
function countingWrites(store: Store): number[] {
  const sizes: number[] = [];
  const transaction = store.transaction.bind(store);
  store.transaction = (work) =>
    transaction((tx) =>
      work({
        ...tx,
        writeHearings: (runId, batchSeq, changes) => {
          sizes.push(changes.length);
          return tx.writeHearings(runId, batchSeq, changes);
        },
      }),
    );
  return sizes;
}

describe.each(testBackends())('record isolation on $name', (backend) => {
  afterAll(() => backend.cleanup());

  function update(store: Store, records: unknown[], options: Partial<UpdateOptions> = {}) {
    return runUpdate({ store, source: arraySource(records), batchSize: 50, ...options });
  }

  async function quarantined(store: Store, runId: number) {
    return (await store.listQuarantine({ runId })).map((entry) => ({ eventId: entry.eventId, batchSeq: entry.batchSeq, position: entry.sourcePosition, code: entry.reasons[0]!.code }));
  }

  it('quarantines three bad records of one batch with their reasons and commits its other 47 in the same batch', async () => {
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await update(store, hearingRecords(100));
        expect(summary.status).toBe('partial');
        expect(summary.metrics).toMatchObject({ fetched: 100, added: 97, quarantined: 3 });
        expect(summary.batches).toEqual({ total: 2, succeeded: 1, failed: 0, isolated: 1 });
        const run = (await store.getRun(summary.runId))!;
        expect(run.batchList[0]).toMatchObject({ status: 'isolated', planned: 50, written: 47, added: 47, quarantined: 3, retries: 1, firstPosition: 0, lastPosition: 49 });
        expect(run.batchList[0]!.error).toContain('injected fault writing eventId 100003');
        expect(await quarantined(store, summary.runId)).toEqual([
          { eventId: '100003', batchSeq: 1, position: 3, code: 'WRITE_FAILED' },
          { eventId: '100017', batchSeq: 1, position: 17, code: 'WRITE_FAILED' },
          { eventId: '100031', batchSeq: 1, position: 31, code: 'WRITE_FAILED' },
        ]);
        const [entry] = await store.listQuarantine({ runId: summary.runId });
        expect(entry!.reasons[0]!.message).toContain('injected fault writing eventId 100003');
        expect(await store.loadHearings(['100003', '100017', '100031'])).toEqual(new Map());
        expect(await store.getCheckpoint(summary.runId)).toMatchObject({ batchSeq: 2, nextPosition: 100, positionsDoneInBatch: [] });
        expect(run.reconciliation?.ok).toBe(true);
      },
      failing(100003, 100017, 100031),
    );
  });

  it('quarantines a bad record at the first and one at the last position of a batch and commits the 48 between', async () => {
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await update(store, hearingRecords(150));
        expect(summary.metrics).toMatchObject({ fetched: 150, added: 148, quarantined: 2 });
        const batches = (await store.getRun(summary.runId))!.batchList;
        expect(batches.map((b) => [b.status, b.written, b.quarantined])).toEqual([['committed', 50, 0], ['isolated', 48, 2], ['committed', 50, 0]]);
        expect(await quarantined(store, summary.runId)).toEqual([
          { eventId: '100050', batchSeq: 2, position: 50, code: 'WRITE_FAILED' },
          { eventId: '100099', batchSeq: 2, position: 99, code: 'WRITE_FAILED' },
        ]);
        expect(await store.countHearings()).toBe(148);
      },
      failing(100050, 100099),
    );
  });

  it('marks a batch whose every record is refused failed, stores none of it, and starts the next from the configured size', async () => {
    await withFreshStore(
      backend,
      async (store) => {
        // Adaptive: positions 10–29 make the second batch (grown to 20), all of it refused.
        const summary = await update(store, hearingRecords(100), { batchSize: 10, batchCeiling: 160 });
        expect(summary.status).toBe('partial');
        expect(summary.metrics).toMatchObject({ fetched: 100, added: 80, quarantined: 20 });
        const batches = (await store.getRun(summary.runId))!.batchList;
        expect(batches.map((b) => [b.status, b.planned, b.written])).toEqual([['committed', 10, 10], ['failed', 20, 0], ['committed', 10, 10], ['committed', 20, 20], ['committed', 40, 40]]);
        expect((await quarantined(store, summary.runId)).map((q) => q.position)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
        expect(await store.countHearings()).toBe(80);
      },
      { failWriteOf: (eventId) => Number(eventId) >= 100010 && Number(eventId) < 100030 },
    );
  });

  it('tries the record whose own write was refused alone before the rest of its chunk: three tries for a bad record, two for a bad record the batch never reached', async () => {
    const bad = [100003, 100040];
    const { triesOf, failWriteOf } = countingTries(...bad);
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await update(store, hearingRecords(50));
        expect(summary.metrics).toMatchObject({ fetched: 50, added: 48, quarantined: 2 });
        expect((await quarantined(store, summary.runId)).map((q) => q.eventId)).toEqual(bad.map(String));
        // SQLite names no row, but its writer knows whose statement failed; PostgreSQL names it in
        // the detail. Either way: the batch's try, its chunk's and its own alone; the rest then writes without it.
        expect(bad.map((eventId) => triesOf.get(eventId))).toEqual([3, 2]);
        expect(await store.countHearings()).toBe(48);
      },
      { failWriteOf },
    );
  });

  it('writes the rest of a chunk whose named record was refused alone with the next chunk, not in a write of its own', async () => {
    await withFreshStore(
      backend,
      async (store) => {
        const writes = countingWrites(store);
        const summary = await update(store, hearingRecords(100));
        expect(summary.metrics).toMatchObject({ fetched: 100, added: 98, quarantined: 2 });
        expect((await quarantined(store, summary.runId)).map((q) => q.eventId)).toEqual(['100003', '100060']);
        // Chunks of 24: the first batch's whole try; its first chunk; 100003 alone; the other 23 with the next chunk; its last 2.
        // The second batch, in savepoints from the start: the same without the whole try.
        expect(writes).toEqual([50, 24, 1, 47, 2, 24, 1, 47, 2]);
        expect(await store.countHearings()).toBe(98);
        expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
      },
      failing(100003, 100060),
    );
  });

  it('writes the batch after an isolated one in savepoints from the start, and sends the batch after a clean one back to its whole try', async () => {
    // Each bad record sits at offset 10 of its batch: 100060 after an isolated batch, 100160 after a clean one.
    const { triesOf, failWriteOf } = countingTries(100003, 100060, 100160);
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await update(store, hearingRecords(200));
        expect(summary.metrics).toMatchObject({ fetched: 200, added: 197, quarantined: 3 });
        const batches = (await store.getRun(summary.runId))!.batchList;
        // Not tried whole, the second batch has no retry; the third, clean in its savepoints, is committed.
        expect(batches.map((b) => [b.status, b.written, b.quarantined, b.retries])).toEqual([
          ['isolated', 49, 1, 1],
          ['isolated', 49, 1, 0],
          ['committed', 50, 0, 0],
          ['isolated', 49, 1, 1],
        ]);
        expect(batches[1]!.error).toContain('injected fault writing eventId 100060');
        expect(triesOf.get(100060)).toBe(triesOf.get(100160)! - 1);
        expect((await quarantined(store, summary.runId)).map((q) => [q.eventId, q.batchSeq])).toEqual([
          ['100003', 1],
          ['100060', 2],
          ['100160', 4],
        ]);
        expect(await store.countHearings()).toBe(197);
        expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
      },
      { failWriteOf },
    );
  });

  it('costs a bad record the changes before it in its chunk of 24, tried twice, and no other change of its batch', async () => {
    // 100078 sits at offset 28 of the second batch, written in savepoints from the start: its
    // chunk is offsets 24-47, so 100074-100077 are written in the try that fails and again in the
    // rest; the first chunk (100050-100073) writes once.
    const { triesOf, failWriteOf } = countingTries(100003, 100078);
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await update(store, hearingRecords(100));
        expect(summary.metrics).toMatchObject({ fetched: 100, added: 98, quarantined: 2 });
        const secondBatch = Array.from({ length: 50 }, (_, i) => 100050 + i).filter((eventId) => eventId !== 100078);
        expect(secondBatch.filter((eventId) => triesOf.get(eventId) === 2)).toEqual([100074, 100075, 100076, 100077]);
        expect(secondBatch.every((eventId) => triesOf.get(eventId)! <= 2)).toBe(true);
        expect((await quarantined(store, summary.runId)).map((q) => q.eventId)).toEqual(['100003', '100078']);
        expect(await store.countHearings()).toBe(98);
      },
      { failWriteOf },
    );
  });

  it('quarantines a record refused with a thrown value that is not an Error, its secrets redacted', async () => {
    // A driver may throw a bare string; its text reaches the quarantine row and the batch row all the same.
    const failWriteOf = (eventId: string) => {
      if (eventId === '100003') throw 'refused by postgres://gatehouse:hunter2@db.example/gh?api_key=k3y';
      return false;
    };
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await update(store, hearingRecords(50));
        expect(summary.metrics).toMatchObject({ added: 49, quarantined: 1 });
        const [entry] = await store.listQuarantine({ runId: summary.runId });
        expect(entry).toMatchObject({ eventId: '100003' });
        const reason = entry!.reasons[0]!;
        expect(reason.code).toBe('WRITE_FAILED');
        expect(reason.message).toContain('postgres://gatehouse:***@db.example/gh?api_key=***');
        const batchError = (await store.getRun(summary.runId))!.batchList[0]!.error!;
        for (const text of [reason.message, batchError]) expect(text).not.toMatch(/hunter2|k3y/);
      },
      { failWriteOf },
    );
  });

  it('forgets the witness and committee a rolled-back savepoint created, so a later write in the transaction creates them again', async () => {
    const raw = (eventId: number) =>
      hearingRecord(eventId, { committees: [{ systemCode: 'hsxx00', name: 'Savepoint Committee' }], witnesses: [{ name: 'Ms. Ada Newcomer', organization: 'Savepoint Institute' }] });
    const change = (eventId: number, position: number): PlannedChange => {
      const outcome = applyRecordRules(raw(eventId), { isKnownCommittee: () => true });
      if (!outcome.ok) throw new Error('the test record must pass the record rules');
      return { kind: 'added', hearing: outcome.hearing, contentHash: contentHash(outcome.hearing), position, raw: raw(eventId), diff: [] };
    };
    await withFreshStore(backend, async (store) => {
      const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: null, source: 'crafted', startedAt: new Date().toISOString(), pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
      const refused = new Error('refused after writing');
      await store.transaction(async (tx) => {
        await expect(tx.savepoint(async () => {
          await tx.writeHearings(runId, 1, [change(100001, 0)]);
          throw refused;
        })).rejects.toBe(refused);
        expect(await tx.writeHearings(runId, 1, [change(100002, 1)])).toEqual({ hearings: 1, related: 3 });
      });
      expect([...(await store.loadHearings(['100001', '100002'])).keys()]).toEqual(['100002']);
      expect((await store.knownCommitteeCodes()).has('hsxx00')).toBe(true);
      const rows = await domainRows(store.location);
      expect(rows.witnesses).toHaveLength(1);
      expect(rows.appearances).toHaveLength(1);
    });
  });

  it('rolls back an isolated batch exactly: the database is as if only the batch before it had run', async () => {
    const records = hearingRecords(100);
    const clean = await backend.freshLocation();
    const before = await backend.open(clean);
    await update(before, records.slice(0, 50)).finally(() => before.close());
    const location = await backend.freshLocation();
    const store = await backend.open(location, failing(100060, 100075));
    try {
      const summary = await update(store, records);
      expect((await store.getRun(summary.runId))!.batchList[1]).toMatchObject({ status: 'isolated', written: 48 });
      const report = await rollback(store, { runId: summary.runId, batchSeq: 2 });
      expect(report.hearings).toHaveLength(48);
    } finally {
      await store.close();
    }
    expect(await domainRows(location)).toEqual(await domainRows(clean));
  });
});
