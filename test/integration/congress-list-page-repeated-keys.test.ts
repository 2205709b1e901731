import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore, type TestBackend } from '../helpers/backends.js';
import { isDetailRequest, startFakeCongress, updateFromFakeCongress, type FakeCongress, type SeenRequest } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A Congress.gov list page in which an object gives a key twice. Detail bodies were refused for it
 * (eng139), list pages were read with JSON.parse, which keeps the last value: `"next"` given as a
 * link and then as "" ended the listing after the first page and the run was a `success` without
 * the meetings after it; a listed meeting giving `"eventId"` twice had the detail of the last one
 * fetched, and the meeting first named was never read. Now the page is not read and the run stops
 * as interrupted naming the page and the key; nothing of that page is fetched or written.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const IDS = [280001, 280002, 280003, 280004];
const feed = () => ({ house: IDS.map((id) => hearingRecord(id, { updateDate: RECENT })) });

const update = (store: Store, fake: FakeCongress, resumeRunId?: number) => updateFromFakeCongress(store, fake, NOW, resumeRunId);

const listed = (eventId: number, fake: FakeCongress) => `{"eventId":"${eventId}","updateDate":"${RECENT}","url":"${fake.baseUrl}/committee-meeting/119/house/${eventId}?format=json"}`;
const isHousePage = (request: SeenRequest, offset: string) => !isDetailRequest(request) && request.path.endsWith('/house') && (request.query.offset ?? '0') === offset;

/** The house list page at `offset` answered with `body` (JSON text, sent as written). */
function housePage(fake: FakeCongress, offset: string, body: (fake: FakeCongress) => string): void {
  fake.override = (request) => (isHousePage(request, offset) ? { body: body(fake) } : undefined);
}

/** A fresh store and a fake Congress.gov serving `feed()` two meetings a page, both closed after `work`. */
async function withStoreAndFakeCongress(backend: TestBackend, work: (store: Store, fake: FakeCongress) => Promise<void>): Promise<void> {
  const fake = await startFakeCongress(feed(), { pageSize: 2 });
  try {
    await withFreshStore(backend, (store) => work(store, fake));
  } finally {
    await fake.close();
  }
}

describe.each(testBackends())('a Congress.gov list page that repeats a key, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stops as interrupted when the pagination gives "next" twice (a link, then ""), instead of ending the listing early as a success; the resume stores all four', async () => {
    await withStoreAndFakeCongress(backend, async (store, fake) => {
      housePage(fake, '0', (f) => `{"committeeMeetings":[${listed(IDS[0]!, f)},${listed(IDS[1]!, f)}],"pagination":{"next":"${f.baseUrl}/committee-meeting/119/house?offset=2","next":""}}`);
      const stopped = await update(store, fake);
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(
        /^the source failed: Congress\.gov served list page offset=0 of committee-meeting\/119\/house in which pagination gives the key "next" twice \("http:\/\/127\.0\.0\.1:\d+\/v3\/\S+, then ""\): which value was meant cannot be told; the page is not read; /,
      );
      expect(stopped.metrics).toMatchObject({ fetched: 0, added: 0, quarantined: 0 });
      expect(fake.requests.filter(isDetailRequest)).toEqual([]);

      fake.override = null;
      const resumed = await update(store, fake, stopped.runId);
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
      expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
    });
  });

  it('stops as interrupted when a listed meeting gives "eventId" twice, fetching no detail of that page, instead of reading the other meeting in silence', async () => {
    await withStoreAndFakeCongress(backend, async (store, fake) => {
      const [first, second, third, fourth] = IDS as [number, number, number, number];
      housePage(fake, '2', (f) => `{"committeeMeetings":[{"eventId":"${third}","eventId":"${first}","updateDate":"${RECENT}"},${listed(fourth, f)}],"pagination":{"count":4}}`);
      const stopped = await update(store, fake);
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toContain(
        `the source failed: Congress.gov served list page offset=2 of committee-meeting/119/house in which committeeMeetings[0] gives the key "eventId" twice ("${third}", then "${first}"): which value was meant cannot be told; the page is not read;`,
      );
      expect(stopped.metrics).toMatchObject({ fetched: 2, added: 2, quarantined: 0 });
      expect(fake.requests.filter(isDetailRequest).map((request) => request.path.split('/').at(-1))).toEqual([String(first), String(second)]);
      expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual([String(first), String(second)]);
    });
  });

  it('stops as interrupted when a listed meeting gives "url" twice, though no reader uses it: the page is not one to trust', async () => {
    await withStoreAndFakeCongress(backend, async (store, fake) => {
      housePage(fake, '0', (f) => `{"committeeMeetings":[{"eventId":"${IDS[0]}","updateDate":"${RECENT}","url":"${f.baseUrl}/a","url":"${f.baseUrl}/b"},${listed(IDS[1]!, f)}],"pagination":{"count":4}}`);
      const stopped = await update(store, fake);
      expect(stopped).toMatchObject({ status: 'interrupted', metrics: { fetched: 0, added: 0, quarantined: 0 } });
      expect(stopped.error).toMatch(/list page offset=0 of committee-meeting\/119\/house in which committeeMeetings\[0\] gives the key "url" twice/);
    });
  });
});
