import { afterAll, describe, expect, it } from 'vitest';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { isDetailRequest, startFakeCongress, updateFromFakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A list page that gives one meeting twice itself. The next page was asked for from the page's
 * length, as if each entry held a place in the server's listing: when the repeat stood in for a
 * meeting instead, that meeting was never listed, and the run ended `success` without it, saying
 * only that the list had shifted and each meeting listed twice was fetched once.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const IDS = [270001, 270002, 270003, 270004, 270005, 270006];
const entry = (eventId: number) => ({ eventId: String(eventId), updateDate: RECENT });

describe.each(testBackends())('a Congress.gov list page that lists a meeting twice, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stores the meeting a repeat on the first page stood in for, asking for the next page from after the page’s distinct meetings, and says why it was listed twice', async () => {
    const fake = await startFakeCongress({ house: IDS.map((id) => hearingRecord(id, { updateDate: RECENT })) }, { pageSize: 2 });
    try {
      // The first page gives its two meetings and the first again; the server's own listing has no repeat.
      fake.override = (request) => !isDetailRequest(request) && request.path.endsWith('/house') && request.query.offset === '0'
        ? { body: { committeeMeetings: [entry(270001), entry(270002), entry(270001)], pagination: { count: IDS.length, next: `${fake.baseUrl}/committee-meeting/119/house?offset=2` } } }
        : undefined;
      await withFreshStore(backend, async (store) => {
        const summary = await updateFromFakeCongress(store, fake, NOW);

        expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
        expect(summary.metrics).toMatchObject({ fetched: 6, added: 6, quarantined: 0 });
        expect(summary.status).toBe('success');
        expect(summary.sourceWarnings).toEqual([{ code: 'LISTED_TWICE', count: 1, message: expect.stringContaining('1 entry repeated a meeting on the same page') }]);
        expect(fake.requests.filter((request) => isDetailRequest(request) && request.path.endsWith('/270001'))).toHaveLength(1);
      });
    } finally {
      await fake.close();
    }
  });

  it('pages to the count without a loop or a loss when the server\'s own listing holds the repeat and counts it', async () => {
    const house = IDS.map((id) => hearingRecord(id, { updateDate: RECENT }));
    // Seven places, 270001 in two of them: the first page of three gives it twice.
    const fake = await startFakeCongress({ house: [house[0]!, house[1]!, house[0]!, ...house.slice(2)] }, { pageSize: 3 });
    try {
      await withFreshStore(backend, async (store) => {
        const summary = await updateFromFakeCongress(store, fake, NOW);

        expect(summary.status).toBe('success');
        expect(summary.metrics).toMatchObject({ fetched: 6, added: 6, quarantined: 0 });
        expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
        expect(fake.requests.filter((request) => !isDetailRequest(request) && request.path.endsWith('/house')).map((request) => request.query.offset)).toEqual(['0', '2', '5', '0', '2', '5']);
      });
    } finally {
      await fake.close();
    }
  });
});
