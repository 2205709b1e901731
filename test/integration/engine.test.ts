import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate, type UpdateOptions } from '../../main/engine/index.js';
import type { Store, StoreOptions } from '../../main/store/index.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

function expectAccounted(summary: RunSummary): void {
  const m = summary.metrics;
  expect(m.fetched).toBe(m.added + m.updated + m.unchanged + m.quarantined + (m.rolledBack ?? 0));
}

describe.each(testBackends())('update engine on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const withStore = <T>(work: (store: Store) => Promise<T>, options?: StoreOptions) => withFreshStore(backend, work, options);

  function update(store: Store, records: unknown[], options: Partial<UpdateOptions> = {}) {
    return runUpdate({ store, source: arraySource(records), ...options });
  }

  it.each([0, 1, 10, 100, 500])('adds %i clean hearings and reports success', async (count) => {
    await withStore(async (store) => {
      const summary = await update(store, hearingRecords(count));
      expect(summary.status).toBe('success');
      expect(summary.metrics).toMatchObject({ fetched: count, added: count, updated: 0, unchanged: 0, quarantined: 0 });
      expect(summary.batches).toEqual({ total: Math.ceil(count / 50), succeeded: Math.ceil(count / 50), failed: 0, isolated: 0 });
      expect(await store.countHearings()).toBe(count);
      expectAccounted(summary);
    });
  });

  it.each([
    [1, 10, 10],
    [50, 120, 3],
    [1000, 120, 1],
  ])('with batch size %i commits %i hearings in %i batches', async (batchSize, count, batches) => {
    await withStore(async (store) => {
      const summary = await update(store, hearingRecords(count), { batchSize });
      expect(summary.batches.total).toBe(batches);
      expect(summary.batches.succeeded).toBe(batches);
      expect(await store.countHearings()).toBe(count);
    });
  });

  it('reports everything unchanged when the same input is fed twice', async () => {
    await withStore(async (store) => {
      const records = hearingRecords(120);
      await update(store, records);
      const second = await update(store, records);
      expect(second.status).toBe('success');
      expect(second.metrics).toMatchObject({ fetched: 120, added: 0, updated: 0, unchanged: 120 });
      expect(second.batches.total).toBe(0);
    });
  });

  it('calls a hearing updated only when a tracked field changed, and keeps the diff', async () => {
    await withStore(async (store) => {
      const records = hearingRecords(10);
      await update(store, records);
      const changed = records.map((r, i) =>
        i === 3 ? { ...r, title: 'A new title' } : i === 5 ? { ...r, updateDate: '2025-04-01T00:00:00Z' } : r,
      );
      const second = await update(store, changed);
      expect(second.metrics).toMatchObject({ added: 0, updated: 1, unchanged: 9 });
      const stored = await store.loadHearings([String(records[3]!.eventId), String(records[5]!.eventId)]);
      expect(stored.get(String(records[3]!.eventId))!.content.title).toBe('A new title');
      // Not written: the stored updateDate stays that of the content stored (catch-up windows come from the runs' source windows, not from it).
      expect(stored.get(String(records[5]!.eventId))!.content.updateDate).toBe('2025-03-01T12:00:00.000Z');
    });
  });

  it('quarantines 5 bad records spread over different batches and commits the other 495', async () => {
    await withStore(async (store) => {
      const records = hearingRecords(500);
      records[3] = { ...records[3], date: '2025-02-30' };
      records[120] = { ...records[120], chamber: 'Senat' };
      records[260] = { ...records[260], title: '   ' };
      records[377] = { ...records[377], eventId: undefined };
      records[499] = { ...records[499], committees: [{ systemCode: 'hszz99' }] };
      const summary = await update(store, records);
      expect(summary.status).toBe('partial');
      expect(summary.metrics).toMatchObject({ fetched: 500, added: 495, quarantined: 5 });
      expect(await store.countHearings()).toBe(495);
      const reasons = (await store.listQuarantine({ runId: summary.runId })).map((q) => [q.sourcePosition, q.reasons[0]!.code]);
      expect(reasons).toEqual([
        [3, 'BAD_DATE'],
        [120, 'BAD_CHAMBER'],
        [260, 'EMPTY_TITLE'],
        [377, 'MISSING_EVENT_ID'],
        [499, 'UNKNOWN_COMMITTEE'],
      ]);
      expectAccounted(summary);
    });
  });

  it('isolates a record whose write fails, quarantines it with the database error and commits the other 49', async () => {
    await withStore(
      async (store) => {
        const summary = await update(store, hearingRecords(150));
        expect(summary.status).toBe('partial');
        expect(summary.batches).toEqual({ total: 3, succeeded: 2, failed: 0, isolated: 1 });
        expect(summary.metrics).toMatchObject({ added: 149, quarantined: 1 });
        const [entry] = await store.listQuarantine({ runId: summary.runId });
        expect(entry).toMatchObject({ eventId: '100077', batchSeq: 2, sourcePosition: 77 });
        expect(entry!.reasons[0]!.code).toBe('WRITE_FAILED');
        expect(entry!.reasons[0]!.message).toContain('injected fault');
        expect((entry!.raw as { eventId: string }).eventId).toBe('100077');
        const run = await store.getRun(summary.runId);
        expect(run!.batchList[1]).toMatchObject({ status: 'isolated', planned: 50, written: 49, quarantined: 1 });
        expect(run!.batchList[1]!.retries).toBeGreaterThan(0);
      },
      { failWriteOf: (id) => id === '100077' },
    );
  });

  it.each([
    ['the first batch', (id: number) => id < 100050, 'partial', 100],
    ['the last batch', (id: number) => id >= 100100, 'partial', 100],
    ['every batch', () => true, 'failed', 0],
  ])('when %s fails entirely, its records are quarantined and the rest commit', async (_label, fails, status, stored) => {
    await withStore(
      async (store) => {
        const summary = await update(store, hearingRecords(150));
        expect(summary.status).toBe(status);
        expect(await store.countHearings()).toBe(stored);
        expect(summary.metrics.quarantined).toBe(150 - stored);
        expectAccounted(summary);
      },
      { failWriteOf: (id) => fails(Number(id)) },
    );
  });

  it('with isolation off quarantines the whole failed batch and keeps the others', async () => {
    await withStore(
      async (store) => {
        const summary = await update(store, hearingRecords(100), { isolate: false });
        expect(summary.batches).toMatchObject({ total: 2, succeeded: 1, failed: 1 });
        expect(await store.countHearings()).toBe(50);
        expect(summary.metrics.quarantined).toBe(50);
      },
      { failWriteOf: (id) => id === '100010' },
    );
  });

  it('in all-or-nothing mode commits everything in one transaction on clean data', async () => {
    await withStore(async (store) => {
      const summary = await update(store, hearingRecords(120), { mode: 'all-or-nothing' });
      expect(summary.status).toBe('success');
      expect(summary.batches).toEqual({ total: 1, succeeded: 1, failed: 0, isolated: 0 });
      expect(await store.countHearings()).toBe(120);
    });
  });

  it('in all-or-nothing mode rolls everything back when one write fails', async () => {
    await withStore(
      async (store) => {
        const summary = await update(store, hearingRecords(120), { mode: 'all-or-nothing' });
        expect(summary.status).toBe('rolled_back');
        expect(await store.countHearings()).toBe(0);
        expect(summary.metrics).toMatchObject({ fetched: 120, added: 0, rolledBack: 120 });
        expect(summary.error).toContain('injected fault');
        expectAccounted(summary);
      },
      { failWriteOf: (id) => id === '100100' },
    );
  });

  it.each(['batch', 'all-or-nothing'] as const)('treats an empty input as a successful run with nothing to do and no batch, in %s mode', async (mode) => {
    await withStore(async (store) => {
      const summary = await update(store, [], { mode });
      expect(summary.status).toBe('success');
      expect(summary.metrics).toMatchObject({ fetched: 0, added: 0 });
      expect(summary.batches).toEqual({ total: 0, succeeded: 0, failed: 0, isolated: 0 });
      expect((await store.getRun(summary.runId))?.batches).toEqual(summary.batches);
    });
  });

  it.each(['batch', 'all-or-nothing'] as const)('counts no batch for an update that changes nothing — its records all unchanged, or all quarantined — in %s mode', async (mode) => {
    await withStore(async (store) => {
      const records = hearingRecords(3);
      await update(store, records);
      const unchanged = await update(store, records, { mode });
      expect(unchanged).toMatchObject({ status: 'success', metrics: { fetched: 3, unchanged: 3 }, batches: { total: 0, succeeded: 0, failed: 0, isolated: 0 } });
      expect((await store.getRun(unchanged.runId))?.batchList).toEqual([]);

      const refused = await update(store, [hearingRecord(200001, { chamber: 'Bogus' }), hearingRecord(200002, { chamber: 'Bogus' })], { mode });
      expect(refused).toMatchObject({ status: 'failed', metrics: { fetched: 2, quarantined: 2 }, batches: { total: 0, succeeded: 0, failed: 0, isolated: 0 } });
      expect((await store.listQuarantine({ runId: refused.runId })).map((entry) => entry.batchSeq)).toEqual([null, null]);
    });
  });

  it('quarantines every repeat when a batch is all duplicates of one eventId', async () => {
    await withStore(async (store) => {
      const records = Array.from({ length: 50 }, () => hearingRecord(424242));
      const summary = await update(store, records);
      expect(summary.metrics).toMatchObject({ fetched: 50, added: 1, quarantined: 49 });
      const entries = await store.listQuarantine({ runId: summary.runId });
      expect(new Set(entries.map((e) => e.reasons[0]!.code))).toEqual(new Set(['DUPLICATE_EVENT_ID']));
    });
  });

  it('creates an unknown committee the record names, and links the hearing to it as primary', async () => {
    await withStore(async (store) => {
      const records = [hearingRecord(1, { committees: [{ systemCode: 'hsif16', name: 'Subcommittee on Tomorrow' }, { systemCode: 'hsif00', name: 'Energy and Commerce' }] })];
      const summary = await update(store, records);
      expect(summary.status).toBe('success');
      expect(await store.knownCommitteeCodes()).toEqual(new Set(['hsif16', 'hsif00']));
      const stored = (await store.loadHearings(['1'])).get('1')!;
      expect(stored.content.committees[0]!.systemCode).toBe('hsif16');
    });
  });

  it('keeps the stored name of a committee that records name otherwise, and warns once per committee with both names, in either mode', async () => {
    await withStore(async (store) => {
      const named = (eventId: number, name: string) => hearingRecord(eventId, { committees: [{ systemCode: 'hsju00', name }] });
      const warnings: string[] = [];
      const onEvent = (event: RunEvent) => (event.type === 'warning' ? warnings.push(event.message) : undefined);
      await update(store, [named(1, 'Judiciary'), named(2, 'Committee on the Judiciary'), named(3, 'Committee on the Judiciary'), hearingRecord(4)], { onEvent });
      expect(warnings).toEqual([
        'committee hsju00 is stored as "Judiciary", but records this run wrote call it "Committee on the Judiciary" (eventId 2); the stored name was kept, and each hearing keeps the name its record gives',
      ]);
      warnings.length = 0;
      // Against what is stored: hearing 2, unchanged, is not told again; hearing 5 is new.
      await update(store, [named(2, 'Committee on the Judiciary'), named(5, 'House Judiciary')], { onEvent, mode: 'all-or-nothing' });
      expect(warnings).toEqual([
        'committee hsju00 is stored as "Judiciary", but records this run wrote call it "House Judiciary" (eventId 5); the stored name was kept, and each hearing keeps the name its record gives',
      ]);
      expect(await store.committeeNames(['hsju00', 'hsif00'])).toEqual(new Map([['hsju00', 'Judiciary'], ['hsif00', 'Energy and Commerce Committee']]));
      expect((await store.loadHearings(['5'])).get('5')!.content.committees).toEqual([{ systemCode: 'hsju00', name: 'House Judiciary' }]);
    });
  });

  it('refuses a second writer and names the holder', async () => {
    await withStore(async (store) => {
      const lock = await store.acquireWriterLock({ runId: 7, pid: process.ppid, host: 'another-host' }, { now: new Date(), staleAfterMs: 120_000 });
      expect(lock.acquired).toBe(true);
      await expect(update(store, hearingRecords(3))).rejects.toMatchObject({ code: 'LOCK_HELD', message: expect.stringContaining('another-host') });
    });
  });

  it('survives a 1,000-record fuzz of malformed records and stores no bad row', async () => {
    await withStore(async (store) => {
      const records = fuzzRecords(1000, 20251128);
      const summary = await update(store, records);
      expectAccounted(summary);
      expect(summary.metrics.fetched).toBe(1000);
      const stored = await store.loadHearings(records.map((r) => String((r as { eventId?: unknown })?.eventId ?? '')));
      for (const hearing of stored.values()) {
        expect(hearing.content.title.trim()).not.toBe('');
        expect(['House', 'Senate', 'NoChamber']).toContain(hearing.content.chamber);
        expect(Number.isNaN(Date.parse(hearing.content.date))).toBe(false);
      }
    });
  });
});

/** Valid records with random damage: wrong types, missing fields, junk values, non-objects. */
function fuzzRecords(count: number, seed: number): unknown[] {
  let state = seed;
  const random = () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
  const junk = [null, undefined, 42, -1, '', ' ', 'x'.repeat(20_000), [], {}, true, '2025-99-99', '\u0000', 1e308, 'Senat', { item: 3 }];
  const fields = ['eventId', 'congress', 'chamber', 'type', 'meetingStatus', 'title', 'date', 'location', 'committees', 'witnesses', 'videos', 'hearingTranscript'];
  return Array.from({ length: count }, (_, i) => {
    if (random() < 0.05) return junk[Math.floor(random() * junk.length)];
    const record: Record<string, unknown> = hearingRecord(500000 + Math.floor(random() * 900));
    const damage = Math.floor(random() * 4);
    for (let d = 0; d < damage; d += 1) {
      record[fields[Math.floor(random() * fields.length)]!] = junk[Math.floor(random() * junk.length)];
    }
    return i % 97 === 0 ? JSON.parse(JSON.stringify(record)) : record;
  });
}
