import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { isDetailRequest, startFakeCongress, updateFromFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A list page that goes back to the start of the listing once — its pagination pointing at offset
 * 0 again, or a server that ignored the offset for one request — while the count stays as it was.
 * One page of repeats was let pass (meetings moving to the front push a page back), so the run
 * paged on to the count and ended `success` without the page of meetings that page should have
 * listed. A shift by meetings moving to the front grows the count by as many; this one does not.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const IDS = [260001, 260002, 260003, 260004, 260005, 260006];
const feed = () => ({ house: IDS.map((id) => hearingRecord(id, { updateDate: RECENT })) });

const update = (store: Store, fake: FakeCongress, resumeRunId?: number) => updateFromFakeCongress(store, fake, NOW, resumeRunId);

/** Offset 2 of the house listing answers the first page again, once, with the count unchanged. */
function goesBackOnce(fake: FakeCongress): void {
  let served = false;
  fake.override = (request) => {
    if (served || isDetailRequest(request) || !request.path.endsWith('/house') || request.query.offset !== '2') return undefined;
    served = true;
    const first = IDS.slice(0, 2).map((eventId) => ({ eventId, updateDate: RECENT }));
    return { body: { committeeMeetings: first, pagination: { count: IDS.length, next: `${fake.baseUrl}/committee-meeting/119/house?offset=0` } } };
  };
}

describe.each(testBackends())('a Congress.gov listing that goes back to its start once, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stops the run as interrupted naming the page, instead of success without the meetings that page held; the resume stores all six', async () => {
    const fake = await startFakeCongress(feed(), { pageSize: 2 });
    try {
      await withFreshStore(backend, async (store) => {
        goesBackOnce(fake);
        const stopped = await update(store, fake);
        expect(stopped.status).toBe('interrupted');
        expect(stopped.error).toMatch(/^the source failed: Congress\.gov served list page offset=2 of committee-meeting\/119\/house with only meetings it had already listed \(2\) while its count stayed 6; the listing went back/);
        expect(stopped.metrics).toMatchObject({ fetched: 2, added: 2, quarantined: 0 });

        fake.override = null;
        const resumed = await update(store, fake, stopped.runId);
        expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
        expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
      });
    } finally {
      await fake.close();
    }
  });
});
