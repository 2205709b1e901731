import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { isDetailRequest, startFakeCongress, updateFromFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * Bodies that fail while they are read said only "failed: terminated (UND_ERR_SOCKET)" or
 * "terminated (Z_DATA_ERROR)" in the run's error and the quarantine reason: words of the HTTP
 * library, not of what the server did. They now say it, keeping the code.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const IDS = [270001, 270002, 270003, 270004];
const feed = () => ({ house: IDS.map((id) => hearingRecord(id, { updateDate: RECENT })) });

const update = (store: Store, fake: FakeCongress, resumeRunId?: number) => updateFromFakeCongress(store, fake, NOW, resumeRunId);

describe.each(testBackends())('Congress.gov bodies that fail while they are read, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('quarantines a detail whose body is plain though its Content-Encoding says gzip, saying so', async () => {
    const fake = await startFakeCongress(feed());
    try {
      await withFreshStore(backend, async (store) => {
        fake.override = (request) => (request.path.endsWith(`/${IDS[1]}`) ? { body: JSON.stringify({ committeeMeeting: hearingRecord(IDS[1]!, { updateDate: RECENT }) }), headers: { 'content-encoding': 'gzip' } } : undefined);
        const run = await update(store, fake);
        expect(run.status).toBe('partial');
        expect(run.metrics).toMatchObject({ fetched: 4, added: 3, quarantined: 1 });
        const [entry] = await store.listQuarantine({ runId: run.runId });
        expect(entry!.reasons).toEqual([{ code: 'FETCH_FAILED', message: expect.stringMatching(new RegExp(`^detail of meeting ${IDS[1]} could not be fetched: GET \\S+ failed: the body could not be decoded as its Content-Encoding header declared \\(Z_DATA_ERROR\\) \\(gave up after 2 attempts\\)$`)) }]);
      });
    } finally {
      await fake.close();
    }
  });

  it('stops as interrupted when a list page is cut short on every attempt, saying the connection closed part-way, and resumes to every meeting', async () => {
    const fake = await startFakeCongress(feed(), { pageSize: 2 });
    try {
      await withFreshStore(backend, async (store) => {
        fake.override = (request) => (!isDetailRequest(request) && request.path.endsWith('/house') && request.query.offset === '2' ? { body: { committeeMeetings: [], pagination: { count: 4 } }, cutShort: true } : undefined);
        const stopped = await update(store, fake);
        expect(stopped.status).toBe('interrupted');
        expect(stopped.error).toMatch(/^the source failed: GET \S+offset=2\S* failed: the connection closed part-way through the body \(UND_ERR_SOCKET\) \(gave up after 2 attempts\)/);
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
