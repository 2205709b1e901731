import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { fakeCongressSource, isDetailRequest, startFakeCongress, type FakeCongress, type FakeReply } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A Congress.gov that goes down after the first detail: every detail after it fails as a server that
 * is down fails, until the circuit breaker opens and ends the run. The details that failed before it
 * opened were quarantined as FETCH_FAILED, one by one — the outage blamed on five meetings, while the
 * run said "nothing was blamed on a record" — and the resume read past them as handled.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const IDS = [280001, 280002, 280003, 280004, 280005, 280006, 280007, 280008];

let server: FakeCongress | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const congressSource = (fake: FakeCongress) => fakeCongressSource(fake, () => NOW);

const outages: [string, FakeReply][] = [
  ['answers 503 to every detail', { status: 503, body: { error: 'Service Unavailable' } }],
  ['answers every detail with an HTML page and 200', { body: '<html><body>Down for maintenance</body></html>', headers: { 'content-type': 'text/html' } }],
];

describe.each(testBackends())('a Congress.gov that goes down while its details are read, on $name', (backend) => {
  it.each(outages)('stops as interrupted when it %s, quarantines none of the meetings it failed, and the resume stores every meeting', async (_, reply) => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress({ house: IDS.map((id) => hearingRecord(id, { updateDate: RECENT })) });
      let down = true;
      server.override = (request) => (down && isDetailRequest(request) && !request.path.endsWith('/280001') ? reply : undefined);
      const stopped = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/^the source failed: Congress\.gov is failing: 5 requests in a row failed, .*nothing was blamed on a record — resume with --resume/);
      expect(await store.listQuarantine({ runId: stopped.runId })).toEqual([]);
      expect(stopped.metrics).toMatchObject({ fetched: 1, added: 1, quarantined: 0, fetchErrors: 0 });

      down = false;
      const resumed = await runUpdate({ store, source: congressSource(server), clock: () => NOW, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
      expect(resumed.metrics).toMatchObject({ fetched: IDS.length, added: IDS.length, quarantined: 0 });
      expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
    });
  });

  it.each([1, 3])('stops as interrupted when it goes down for the last %i details of the listing, quarantines none of them, and the resume stores them', async (failing) => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress({ house: IDS.map((id) => hearingRecord(id, { updateDate: RECENT })) });
      let down = false;
      let answered = 0;
      // Down from the first of the last `failing` details on, for every detail, as a server that went down.
      server.override = (request) => {
        if (!isDetailRequest(request)) return undefined;
        if (!down && answered === IDS.length - failing) down = true;
        if (down) return { status: 503, body: { error: 'Service Unavailable' } };
        answered++;
        return undefined;
      };
      const stopped = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(new RegExp(`Congress\\.gov failed ${failing} meeting details? at the end of the listing twice, and then failed committee-meeting/119/house/${IDS[IDS.length - failing - 1]}, which it had answered before: the server is down, not those meetings .*nothing was blamed on a record — resume with --resume`));
      expect(await store.listQuarantine({ runId: stopped.runId })).toEqual([]);
      expect(stopped.metrics).toMatchObject({ fetched: IDS.length - failing, quarantined: 0, fetchErrors: 0 });

      down = false;
      answered = -Infinity;
      const resumed = await runUpdate({ store, source: congressSource(server), clock: () => NOW, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
      expect(resumed.metrics).toMatchObject({ fetched: IDS.length, added: IDS.length, quarantined: 0 });
      expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
    });
  });

  it('quarantines the last detail of the listing when it alone keeps answering 503 while the server answers others: the meeting failed on its own', async () => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress({ house: IDS.slice(0, 3).map((id) => hearingRecord(id, { updateDate: RECENT })) });
      server.override = (request) => (isDetailRequest(request) && request.path.endsWith('/280003') ? { status: 503, body: {} } : undefined);
      const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

      expect(summary.status).toBe('partial');
      expect(summary.metrics).toMatchObject({ fetched: 3, added: 2, quarantined: 1, fetchErrors: 1 });
      const quarantined = await store.listQuarantine({ runId: summary.runId });
      expect(quarantined.map((entry) => [entry.eventId, entry.reasons.map((reason) => reason.code)])).toEqual([['280003', ['FETCH_FAILED']]]);
    });
  });

  it('quarantines a detail that answered 503 once the next detail is fetched, in listing order: the server was up, the meeting failed on its own', async () => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress({ house: IDS.slice(0, 3).map((id) => hearingRecord(id, { updateDate: RECENT })) });
      server.override = (request) => (isDetailRequest(request) && request.path.endsWith('/280002') ? { status: 503, body: {} } : undefined);
      const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

      expect(summary.status).toBe('partial');
      expect(summary.metrics).toMatchObject({ fetched: 3, added: 2, quarantined: 1, fetchErrors: 1 });
      const quarantined = await store.listQuarantine({ runId: summary.runId });
      expect(quarantined.map((entry) => [entry.eventId, entry.reasons.map((reason) => reason.code)])).toEqual([['280002', ['FETCH_FAILED']]]);
    });
  });
});
