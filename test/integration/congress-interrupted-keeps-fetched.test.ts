import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { fakeCongressSource, FAKE_API_KEY, isDetailRequest, startFakeCongress, stopAtDetail, type FakeCongress, type FakeHandler, type SeenRequest } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A Congress.gov run interrupted part-way through a listing window — the source failing past its
 * retries, or the operator stopping it — threw away the details it had fetched of that window, so
 * the resume asked for every one of them again against the hourly quota. It now commits them as
 * validated batches first; the run still ends interrupted with its reason, and a resume skips them.
 */
const NOW = new Date('2025-03-08T00:00:00Z');
const RECENT = '2025-03-06T12:00:00Z';
const DAY_MS = 86_400_000;
/** 120 meetings listed in pages of 40, one listing window (at least 256 items): every interruption falls inside it. */
const MEETINGS = 120;
const PAGE_SIZE = 40;
const FIRST_ID = 800000;

let server: FakeCongress | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function feed(overrides: (i: number) => Record<string, unknown> = () => ({})): { house: Record<string, unknown>[] } {
  return { house: Array.from({ length: MEETINGS }, (_, i) => hearingRecord(FIRST_ID + i, { updateDate: RECENT, ...overrides(i) })) };
}

const source = (fake: FakeCongress) => fakeCongressSource(fake, () => NOW);

function update(store: Store, fake: FakeCongress, options: { resumeRunId?: number; signal?: AbortSignal } = {}): Promise<RunSummary> {
  return runUpdate({ store, source: source(fake), batchSize: 50, batchCeiling: null, clock: () => NOW, ...options });
}

const detailsAsked = (fake: FakeCongress, since = 0) => fake.requests.slice(since).filter(isDetailRequest).length;
const listPageAt = (offset: number) => (request: SeenRequest) => !isDetailRequest(request) && request.query.offset === String(offset);

/** Ways the source fails after the first 80 details (two list pages) were fetched. */
const failures: { what: string; reply: FakeHandler; error: RegExp }[] = [
  { what: 'the third list page answers 503 past its retries', reply: (r) => (listPageAt(80)(r) ? { status: 503 } : undefined), error: /HTTP 503/ },
  { what: 'the connection drops on the third list page, past its retries', reply: (r) => (listPageAt(80)(r) ? { drop: true } : undefined), error: /offset=80&format=json failed: fetch failed .*gave up after 2 attempts/ },
  { what: 'the 81st detail answers 429 past its retries', reply: (r) => (r.path.endsWith(`/${FIRST_ID + 80}`) ? { status: 429, headers: { 'retry-after': '1' } } : undefined), error: /HTTP 429/ },
];

function expectAccountedFor(run: RunSummary): void {
  const { fetched, added, updated, unchanged, quarantined } = run.metrics;
  expect(fetched).toBe(added + updated + unchanged + quarantined);
}

describe.each(testBackends())('a Congress.gov run interrupted part-way through a window, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it.each(failures)('commits the 80 meetings fetched before $what, stops as interrupted with the reason, and the resume fetches only the other 40', async ({ reply, error }) => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress(feed(), { pageSize: PAGE_SIZE });
      server.override = reply;
      const stopped = await update(store, server);

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/^the source failed: /);
      expect(stopped.error).toMatch(error);
      expect(stopped.error).toMatch(new RegExp(`— resume with --resume ${stopped.runId}$`));
      expect(stopped.metrics).toMatchObject({ fetched: 80, added: 80, quarantined: 0 });
      expect(stopped.batches).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
      expect(await store.countHearings()).toBe(80);
      expect(await store.listQuarantine({ runId: stopped.runId })).toEqual([]);

      server.override = null;
      const since = server.requests.length;
      const resumed = await update(store, server, { resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
      expect(resumed.metrics).toMatchObject({ fetched: MEETINGS, added: MEETINGS, updated: 0, unchanged: 0, quarantined: 0 });
      expectAccountedFor(resumed);
      expect(resumed.reconciliation?.ok, resumed.reconciliation?.problems.join('; ')).toBe(true);
      expect(detailsAsked(server, since)).toBe(MEETINGS - 80);
      expect(await store.countHearings()).toBe(MEETINGS);
    });
  });

  it('commits the 70 meetings fetched before a stop request, names the resume in its reason, and the resume fetches only the other 50', async () => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress(feed(), { pageSize: PAGE_SIZE });
      const controller = new AbortController();
      const restore = stopAtDetail(server, 71, () => controller.abort('by Ada from the console'));
      const stopped = await update(store, server, { signal: controller.signal });
      restore();

      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toBe(`stopped by Ada from the console after the last committed batch — resume with --resume ${stopped.runId}`);
      expect(stopped.metrics).toMatchObject({ fetched: 70, added: 70, quarantined: 0 });
      expect(stopped.batches).toMatchObject({ total: 2, succeeded: 2 });
      expect(await store.countHearings()).toBe(70);
      expect(detailsAsked(server)).toBe(71);

      const since = server.requests.length;
      const resumed = await update(store, server, { resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
      expect(resumed.metrics).toMatchObject({ fetched: MEETINGS, added: MEETINGS, unchanged: 0, quarantined: 0 });
      expectAccountedFor(resumed);
      expect(detailsAsked(server, since)).toBe(MEETINGS - 70);
      expect(await store.countHearings()).toBe(MEETINGS);

      // Listed again by the next run, every meeting is stored once and unchanged.
      const next = await update(store, server);
      expect(next).toMatchObject({ status: 'success', metrics: { fetched: MEETINGS, added: 0, updated: 0, unchanged: MEETINGS, quarantined: 0 } });
    });
  });

  it('a new run instead of the resume finds the meetings the interrupted run committed unchanged, and adds the rest', async () => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress(feed(), { pageSize: PAGE_SIZE });
      server.override = failures[0]!.reply;
      const stopped = await update(store, server);
      expect(stopped).toMatchObject({ status: 'interrupted', metrics: { added: 80 } });

      server.override = null;
      const next = await update(store, server);
      expect(next).toMatchObject({ status: 'success', metrics: { fetched: MEETINGS, added: MEETINGS - 80, updated: 0, unchanged: 80, quarantined: 0 } });
      expect(await store.countHearings()).toBe(MEETINGS);
    });
  });

  it('quarantines a malformed detail and a record the rules reject in the partial window with their reasons, and commits the other 78', async () => {
    await withFreshStore(backend, async (store) => {
      server = await startFakeCongress(feed((i) => (i === 60 ? { meetingStatus: 'NotAStatus' } : {})), { pageSize: PAGE_SIZE });
      const truncated = `/${FIRST_ID + 65}`;
      server.override = (request) => (request.path.endsWith(truncated) ? { body: '{"committeeMeeting": {"eventId": ' } : failures[0]!.reply(request));
      const stopped = await update(store, server);

      expect(stopped.status).toBe('interrupted');
      expect(stopped.metrics).toMatchObject({ fetched: 80, added: 78, quarantined: 2 });
      expectAccountedFor(stopped);
      const quarantined = await store.listQuarantine({ runId: stopped.runId });
      expect(quarantined.map((entry) => [entry.eventId, entry.reasons[0]?.code]).sort()).toEqual([[String(FIRST_ID + 60), 'BAD_STATUS'], [String(FIRST_ID + 65), 'FETCH_FAILED']]);
      expect(quarantined.find((entry) => entry.eventId === String(FIRST_ID + 65))?.reasons[0]?.message).toMatch(/malformed JSON/);
      const stored = await store.loadHearings([String(FIRST_ID + 59), String(FIRST_ID + 60), String(FIRST_ID + 65), String(FIRST_ID + 79)]);
      expect([...stored.keys()].sort()).toEqual([String(FIRST_ID + 59), String(FIRST_ID + 79)]);

      server.override = null;
      const since = server.requests.length;
      const resumed = await update(store, server, { resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ status: 'partial', metrics: { fetched: MEETINGS, added: MEETINGS - 2, quarantined: 2 } });
      expectAccountedFor(resumed);
      // Handled by the interrupted run, the two quarantined meetings are not asked for again.
      expect(detailsAsked(server, since)).toBe(MEETINGS - 80);
      expect(await store.listQuarantine({ runId: stopped.runId })).toHaveLength(2);
    });
  });

  it('`gatehouse update` stopped by SIGINT commits what it fetched, prints the resume hint, and `--resume` finishes the run', async () => {
    // The CLI reads the real clock: the feed is dated from it.
    const recent = new Date(Date.now() - DAY_MS).toISOString();
    server = await startFakeCongress(feed(() => ({ updateDate: recent })), { pageSize: PAGE_SIZE });
    const location = await backend.freshLocation();
    const args = ['update', '--db', location, '--source', `congress:${server.baseUrl}`, '--batch-size', '50', '--no-snapshot'];
    const env = { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY };
    let cli: ReturnType<typeof startCli> | null = null;
    stopAtDetail(server, 31, () => cli!.child.kill('SIGINT'));
    cli = startCli(args, env);
    const stopped = await cli.done;

    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('SIGINT: committing the records already fetched, then stopping');
    const hint = /error: stopped by SIGINT to gatehouse update \(pid \d+\) after the last committed batch — resume with --resume (\d+)\n/.exec(stopped.stdout);
    expect(hint, stopped.stdout).not.toBeNull();
    expect(stopped.stdout).toContain('30 fetched: 30 added');

    const resumed = await startCli([...args, '--resume', hint![1]!], env).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${MEETINGS} fetched: ${MEETINGS} added, 0 updated, 0 unchanged, 0 quarantined`);
    await withStore(location, async (store) => expect(await store.countHearings()).toBe(MEETINGS));
  });

  async function withStore(location: string, work: (store: Store) => Promise<void>): Promise<void> {
    const store = await backend.open(location);
    try {
      await work(store);
    } finally {
      await store.close();
    }
  }
});
