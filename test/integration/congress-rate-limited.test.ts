import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { fakeCongressSource, isDetailRequest, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';

let server: FakeCongress | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const congressSource = (fake: FakeCongress) => fakeCongressSource(fake, () => NOW, { maxRetries: 2 });

const detailsAsked = (fake: FakeCongress, since = 0) => fake.requests.slice(since).filter(isDetailRequest).length;

describe.each(testBackends())('a Congress.gov that keeps answering 429 to details, on $name', (backend) => {
  it('stops as interrupted after the first detail outlasts its retries, keeps the meeting fetched before it, quarantines none for it, and resumes to a clean run’s result', async () => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress({ house: [250001, 250002, 250003, 250004, 250005].map((id) => hearingRecord(id, { updateDate: RECENT })) });
      let limiting = true;
      // A short Retry-After the client does sit out, every time: only the retries run out.
      server.override = (request) => (limiting && /\/25000[2-5]$/.test(request.path) ? { status: 429, headers: { 'retry-after': '1' } } : undefined);
      const stopped = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/^the source failed: .*HTTP 429.*gave up after 3 attempts.*resume with --resume/);
      expect(await store.listQuarantine({ runId: stopped.runId })).toEqual([]);
      // Meeting 250001 and three tries at 250002; none at the meetings after it.
      expect(detailsAsked(server)).toBe(4);
      // What was fetched before the failure is committed, not fetched again by the resume.
      expect(stopped.metrics).toMatchObject({ fetched: 1, added: 1, quarantined: 0 });
      expect(await store.countHearings()).toBe(1);

      limiting = false;
      const since = server.requests.length;
      const resumed = await runUpdate({ store, source: congressSource(server), clock: () => NOW, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
      expect(resumed.metrics).toMatchObject({ fetched: 5, added: 5, updated: 0, unchanged: 0, quarantined: 0 });
      expect(detailsAsked(server, since)).toBe(4);
      expect(await store.countHearings()).toBe(5);
    });
  });

  it('stops as interrupted when a detail’s Retry-After waits would pass the wait budget, quarantines none for it, and resumes to a clean run’s result', async () => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress({ house: [250011, 250012, 250013].map((id) => hearingRecord(id, { updateDate: RECENT })) });
      let busy = true;
      // Each wait is one the client sits out; two together are more than one request may wait.
      server.override = (request) => (busy && request.path.endsWith('/250012') ? { status: 503, headers: { 'retry-after': '600' }, body: 'busy' } : undefined);
      const sleeps: number[] = [];
      const source = fakeCongressSource(server, () => NOW, { maxRetries: 4, sleep: async (ms) => void sleeps.push(ms) });
      const stopped = await runUpdate({ store, source, clock: () => NOW });

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/^the source failed: GET \/v3\/committee-meeting\/119\/house\/250012\?format=json answered HTTP 503 .*stopped after 2 attempts and 600 s of waiting between them: a further 600 s would pass the 900 s one request may wait.*resume with --resume/);
      expect(sleeps).toEqual([600_000]);
      expect(await store.listQuarantine({ runId: stopped.runId })).toEqual([]);
      expect(stopped.metrics).toMatchObject({ fetched: 1, added: 1, quarantined: 0 });

      busy = false;
      const resumed = await runUpdate({ store, source: congressSource(server), clock: () => NOW, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
      expect(resumed.metrics).toMatchObject({ fetched: 3, added: 3, quarantined: 0 });
      expect(await store.countHearings()).toBe(3);
    });
  });
});
