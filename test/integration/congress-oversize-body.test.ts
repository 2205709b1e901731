import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { fakeCongressSource, isDetailRequest, startFakeCongress, type FakeCongress, type FakeReply, type SeenRequest } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A Congress.gov answer far larger than any list page or detail (a proxy serving a file, a server
 * gone wrong) is refused at a size limit, read no further than it: the limit is lowered here to 64 KB
 * so the bodies past it stay small. A list page past it stops the run; a detail past it is that
 * meeting's quarantine entry alone.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const LIMIT_BYTES = 64 * 1024;
const IDS = [280001, 280002, 280003, 280004];
const feed = () => ({ house: IDS.map((id) => hearingRecord(id, { updateDate: RECENT })) });
/** Valid JSON, 100 KB of it: only its size is wrong. */
const padded = (document: Record<string, unknown>) => JSON.stringify({ ...document, padding: ' '.repeat(100 * 1024) });
/** Sent in chunks, without a Content-Length: the size shows only as it is read. */
const chunked = { 'transfer-encoding': 'chunked' };

const update = (store: Store, fake: FakeCongress, resumeRunId?: number) => runUpdate({
  store,
  source: fakeCongressSource(fake, () => NOW, { maxResponseBytes: LIMIT_BYTES, timeoutMs: 5_000 }),
  clock: () => NOW,
  ...(resumeRunId === undefined ? {} : { resumeRunId }),
});

const isHouseListPage = (request: SeenRequest) => !isDetailRequest(request) && request.path.endsWith('/house');

describe.each(testBackends())('a Congress.gov answer larger than the size limit, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stops as interrupted when a list page grows past the limit as it is read, writing nothing, and resumes to every meeting', async () => {
    const fake = await startFakeCongress(feed());
    try {
      await withFreshStore(backend, async (store) => {
        fake.override = (request) => (isHouseListPage(request) ? { body: padded({ committeeMeetings: [] }), headers: chunked } : undefined);
        const stopped = await update(store, fake);
        expect(stopped.status).toBe('interrupted');
        expect(stopped.error).toMatch(/^the source failed: Congress\.gov sent a body larger than 64 KB for GET \/v3\/committee-meeting\/119\/house\?\S+; nothing was blamed on a record/);
        expect(stopped.metrics).toMatchObject({ fetched: 0, added: 0, quarantined: 0 });
        expect((await store.loadHearings(IDS.map(String))).size).toBe(0);
        // Asking again would be answered the same: the refusal is not retried.
        expect(fake.requests.filter(isHouseListPage)).toHaveLength(1);

        fake.override = null;
        const resumed = await update(store, fake, stopped.runId);
        expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
        expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
      });
    } finally {
      await fake.close();
    }
  });

  it.each<{ what: string; reply: (id: number) => FakeReply }>([
    { what: 'grows past the limit as it is read', reply: (id) => ({ body: padded({ committeeMeeting: hearingRecord(id, { updateDate: RECENT }) }), headers: chunked }) },
    // Half of it is sent, then nothing: read, it would be waited for until the timeout instead.
    { what: 'declares a Content-Length past the limit', reply: (id) => ({ body: padded({ committeeMeeting: hearingRecord(id, { updateDate: RECENT }) }), stall: true }) },
  ])('quarantines a detail that $what as OVERSIZE_RECORD and stores the other meetings', async ({ reply }) => {
    const fake = await startFakeCongress(feed());
    try {
      await withFreshStore(backend, async (store) => {
        fake.override = (request) => (request.path.endsWith(`/${IDS[1]}`) ? reply(IDS[1]!) : undefined);
        const run = await update(store, fake);
        expect(run.status).toBe('partial');
        expect(run.metrics).toMatchObject({ fetched: 4, added: 3, quarantined: 1 });
        const [entry] = await store.listQuarantine({ runId: run.runId });
        expect(entry!.reasons).toEqual([{ code: 'OVERSIZE_RECORD', message: `detail of meeting ${IDS[1]} could not be fetched: Congress.gov sent a body larger than 64 KB for GET /v3/committee-meeting/119/house/${IDS[1]}?format=json` }]);
        expect(fake.requests.filter((request) => request.path.endsWith(`/${IDS[1]}`))).toHaveLength(1);
      });
    } finally {
      await fake.close();
    }
  });
});
