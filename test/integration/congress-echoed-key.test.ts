import { afterAll, describe, expect, it } from 'vitest';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { FAKE_API_KEY, isDetailRequest, startFakeCongress, updateFromFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A Congress.gov that echoes the API key back in the records it sends (`"url": "…?api_key=KEY"`, a video's link).
 * Only a meeting quarantined as FETCH_FAILED had its list item cleaned; a list entry or a detail the
 * record rules rejected was quarantined with the key in its raw record, shown by
 * `gatehouse quarantine list` and the console, and an accepted detail stored it with the hearing.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const [STORED, REJECTED] = [290001, 290002];
const echoed = (fake: FakeCongress, eventId: number | string) => `${fake.baseUrl}/committee-meeting/119/house/${eventId}?format=json&api_key=${FAKE_API_KEY}`;

/** The house list page with every url echoing the key, and one more entry that has no eventId. */
function echoingFeed(fake: FakeCongress): void {
  fake.override = (request) => {
    if (request.path.endsWith(`/${STORED}`)) return { body: { committeeMeeting: hearingRecord(STORED, { updateDate: RECENT, videos: [{ name: 'Hearing video', url: echoed(fake, STORED) }] }) } };
    if (request.path.endsWith(`/${REJECTED}`)) return { body: { committeeMeeting: hearingRecord(REJECTED, { updateDate: RECENT, title: '', url: echoed(fake, REJECTED) }) } };
    if (isDetailRequest(request) || !request.path.endsWith('/house')) return undefined;
    const meetings = [STORED, REJECTED].map((eventId) => ({ chamber: 'House', congress: 119, eventId: String(eventId), updateDate: RECENT, url: echoed(fake, eventId) }));
    return { body: { committeeMeetings: [...meetings, { chamber: 'House', congress: 119, updateDate: RECENT, url: echoed(fake, '') }], pagination: { count: 3 } } };
  };
}

describe.each(testBackends())('a Congress.gov that echoes the API key in its records, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stores and quarantines the records with the key replaced by ***, wherever the server echoed it', async () => {
    const fake = await startFakeCongress({});
    try {
      await withFreshStore(backend, async (store) => {
        echoingFeed(fake);
        const run = await updateFromFakeCongress(store, fake, NOW);
        expect(run.status).toBe('partial');
        expect(run.metrics).toMatchObject({ fetched: 3, added: 1, quarantined: 2 });

        const quarantined = await store.listQuarantine({ runId: run.runId });
        expect(quarantined.map((entry) => entry.reasons[0]!.code).sort()).toEqual(['EMPTY_TITLE', 'MISSING_EVENT_ID']);
        const stored = await store.loadHearings([String(STORED)]);
        expect(stored.size).toBe(1);
        const kept = JSON.stringify([quarantined, [...stored.values()]]);
        expect(kept).not.toContain(FAKE_API_KEY);
        expect(kept.match(/api_key=\*\*\*/g)).toHaveLength(3);
      });
    } finally {
      await fake.close();
    }
  });

  it('names no key in the run\'s error when the server\'s reason phrase gives it back without `api_key=` before it', async () => {
    const fake = await startFakeCongress({ house: [hearingRecord(STORED, { updateDate: RECENT })] });
    try {
      await withFreshStore(backend, async (store) => {
        fake.override = (request) => (request.path.endsWith('/senate') ? { status: 400, statusMessage: `Bad Request for key ${FAKE_API_KEY}` } : undefined);
        const run = await updateFromFakeCongress(store, fake, NOW);
        expect(run.status).toBe('interrupted');
        expect(run.error).toMatch(/^the source failed: GET \S+\/senate\?\S+ answered HTTP 400 Bad Request for key \*\*\*; /);
        expect(JSON.stringify(await store.getRun(run.runId))).not.toContain(FAKE_API_KEY);
      });
    } finally {
      await fake.close();
    }
  });
});
