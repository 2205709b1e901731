import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { domainRows } from '../helpers/domain-rows.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

/**
 * A record naming a committee by code alone passes once an earlier record of the run created it —
 * the one just before it as much as one a window earlier — and a resume judges the items before its
 * checkpoint as the run did, in order, from the committees known when the run began: where windows,
 * batches or a stop fall never changes which records are stored or why the others are quarantined.
 */
const byCodeAlone = (eventId: number, title = `Hearing ${eventId}`) => hearingRecord(eventId, { title, committees: [{ systemCode: 'hsnw00' }] });
const RECORDS = [
  byCodeAlone(200), // nothing created hsnw00 yet: UNKNOWN_COMMITTEE
  hearingRecord(201, { committees: [{ systemCode: 'hsnw00', name: 'New Committee' }] }),
  byCodeAlone(202), // the record just before created it, in the same window: stored
  ...hearingRecords(6, 300),
  byCodeAlone(200, 'A later copy'), // the first copy was refused, so this one is the run's: stored
  byCodeAlone(203),
  { eventId: '204', committees: 'hsnw00' }, // a bad record: BAD_SHAPE and more, either way
];

describe.each(testBackends())('committees known in run order, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function withStore<T>(work: (store: Store, location: string) => Promise<T>, on: TestBackend = backend): Promise<T> {
    const location = await on.freshLocation();
    const store = await on.open(location);
    try {
      return await work(store, location);
    } finally {
      await store.close();
    }
  }

  const quarantine = async (store: Store) => (await store.listQuarantine()).map((entry) => [entry.sourcePosition, entry.eventId, entry.reasons.map((reason) => reason.code).join(',')]);

  it('stores a record whose committee an earlier record of the same window created, and a stop and resume store what the clean run does', async () => {
    const clean = await withStore(async (store, location) => {
      const summary = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 2 });
      expect(summary.metrics).toMatchObject({ fetched: 12, added: 10, quarantined: 2, duplicates: 0 });
      const rejected = await quarantine(store);
      expect(rejected.slice(0, 1)).toEqual([[0, '200', 'UNKNOWN_COMMITTEE']]);
      expect(rejected[1]![0]).toBe(11);
      expect((await store.loadHearings(['200', '202', '203'])).get('200')!.content.title).toBe('A later copy');
      return { rows: await domainRows(location), rejected };
    });

    for (const stopAfterBatch of [1, 2, 4]) {
      await withStore(async (store, location) => {
        const controller = new AbortController();
        let batches = 0;
        const onEvent = (event: RunEvent) => {
          if (event.type === 'batch-finished' && ++batches === stopAfterBatch) controller.abort();
        };
        const stopped = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 2, signal: controller.signal, onEvent });
        expect(stopped.status).toBe('interrupted');
        const resumed = await runUpdate({ store, source: arraySource(RECORDS), resumeRunId: stopped.runId });
        expect([stopAfterBatch, resumed.metrics]).toMatchObject([stopAfterBatch, { fetched: 12, added: 10, quarantined: 2, duplicates: 0 }]);
        expect(await quarantine(store)).toEqual(clean.rejected);
        expect(await domainRows(location)).toEqual(clean.rows);
      });
    }
  });
});
