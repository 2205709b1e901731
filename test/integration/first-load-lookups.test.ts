import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Issue 12: a first load planned each window of 256 records with a read of the stored hearings it
 * names, ≈ 400 reads at 100,000 records, every one finding nothing. With no hearing stored as the
 * run begins (under the writer lock), none is asked; a run over stored hearings still reads them
 * and classifies against them, and a record repeated in the feed is still refused as a duplicate.
 */
function countedLookups(store: Store): { calls: number } {
  const counted = { calls: 0 };
  const read = store.loadHearings.bind(store);
  store.loadHearings = (eventIds) => {
    counted.calls += 1;
    return read(eventIds);
  };
  return counted;
}

describe.each(testBackends())('stored-hearing lookups of a first load on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('reads no stored hearing while loading an empty database, then reads and classifies on the next run', async () => {
    await withFreshStore(backend, async (store) => {
      const records = hearingRecords(600);
      const lookups = countedLookups(store);
      const first = await runUpdate({ store, source: arraySource([...records, records[7]]) });
      expect(lookups.calls).toBe(0);
      expect(first.metrics).toMatchObject({ fetched: 601, added: 600, quarantined: 1 });
      expect((await store.listQuarantine({ runId: first.runId })).map((entry) => [entry.eventId, entry.reasons[0]!.code])).toEqual([['100007', 'DUPLICATE_EVENT_ID']]);

      const changed = records.map((record, i) => (i === 3 ? { ...record, title: 'A retitled hearing' } : record));
      const second = await runUpdate({ store, source: arraySource(changed) });
      expect(lookups.calls).toBeGreaterThan(0);
      expect(second.metrics).toMatchObject({ fetched: 600, added: 0, updated: 1, unchanged: 599 });
    });
  });
});
