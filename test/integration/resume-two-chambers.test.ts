import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { fakeCongressSource, startFakeCongress, stopAtDetail, type FakeCongress } from '../helpers/congress-server.js';
import { domainRows } from '../helpers/domain-rows.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

/**
 * A meeting Congress.gov lists under both chambers is the run's once: the first copy listed counts,
 * the other is quarantined as a duplicate. A resume of a Congress.gov run re-lists and skips what its
 * batches handled; it must also remember which eventIds those took — the ones found unchanged, which
 * it never wrote, too — or the second chamber's copy, read after the stop, is stored over the first.
 * A copy refused by the record rules takes nothing, so the other chamber's copy is then the run's.
 */
const NOW = new Date('2025-03-08T00:00:00Z');
const RECENT = '2025-03-06T12:00:00Z';
const TWICE_LISTED = 7000;
const REFUSED_IN_HOUSE = 7001;

const house = [
  ...Array.from({ length: 30 }, (_, i) => hearingRecord(5000 + i, { updateDate: RECENT })),
  hearingRecord(TWICE_LISTED, { updateDate: RECENT }),
  hearingRecord(REFUSED_IN_HOUSE, { updateDate: RECENT, title: '' }),
  ...Array.from({ length: 30 }, (_, i) => hearingRecord(5100 + i, { updateDate: RECENT })),
];
const senate = [
  hearingRecord(TWICE_LISTED, { updateDate: RECENT, chamber: 'Senate', title: 'The Senate listing of the same meeting' }),
  hearingRecord(REFUSED_IN_HOUSE, { updateDate: RECENT, chamber: 'Senate', title: 'Stored from the Senate' }),
  ...Array.from({ length: 5 }, (_, i) => hearingRecord(6000 + i, { updateDate: RECENT, chamber: 'Senate' })),
];

describe.each(testBackends())('a meeting listed under two chambers, across a resume, on $name', (backend) => {
  afterAll(() => backend.cleanup());
  let server: FakeCongress;

  async function withStore<T>(work: (store: Store, location: string) => Promise<T>, on: TestBackend = backend): Promise<T> {
    const location = await on.freshLocation();
    const store = await on.open(location);
    try {
      // Stored before: the run finds the House copy unchanged, and so never writes it.
      await runUpdate({ store, source: arraySource([house[30]]) });
      return await work(store, location);
    } finally {
      await store.close();
    }
  }

  const update = (store: Store, options: { signal?: AbortSignal; resumeRunId?: number } = {}): Promise<RunSummary> =>
    runUpdate({ store, source: fakeCongressSource(server, () => NOW), batchSize: 20, batchCeiling: null, clock: () => NOW, ...options });
  const quarantine = async (store: Store, runId: number) => (await store.listQuarantine({ runId })).map((entry) => [entry.eventId, entry.reasons[0]!.code]).sort();

  it('quarantines the second copy after a stop and resume as the uninterrupted run does', async () => {
    server = await startFakeCongress({ house, senate });
    try {
      const clean = await withStore(async (store, location) => {
        const run = await update(store);
        expect(run.metrics).toMatchObject({ fetched: 69, added: 66, unchanged: 1, quarantined: 2, duplicates: 1 });
        const rejected = await quarantine(store, run.runId);
        expect(rejected).toEqual([[String(TWICE_LISTED), 'DUPLICATE_EVENT_ID'], [String(REFUSED_IN_HOUSE), 'EMPTY_TITLE']]);
        return { rows: await domainRows(location), rejected, metrics: run.metrics };
      });
      // Stopped after the 45th detail: the batches committed hold both House copies (one unchanged, one refused).
      for (const stopAt of [45, 64]) {
        await withStore(async (store, location) => {
          const controller = new AbortController();
          const restore = stopAtDetail(server, stopAt, () => controller.abort());
          const stopped = await update(store, { signal: controller.signal }).finally(restore);
          expect(stopped.status).toBe('interrupted');
          const resumed = await update(store, { resumeRunId: stopped.runId });
          expect([stopAt, resumed.status]).toEqual([stopAt, 'partial']);
          expect({ ...resumed.metrics, durationMs: 0 }).toEqual({ ...clean.metrics, durationMs: 0 });
          expect(await quarantine(store, stopped.runId)).toEqual(clean.rejected);
          expect(await domainRows(location)).toEqual(clean.rows);
        });
      }
    } finally {
      await server.close();
    }
  });
});
