import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { configureLogging } from '../../main/logging/index.js';
import { RequestRateLimiter, type CongressSourceOptions } from '../../main/sources/index.js';
import { PAGE_SIZE } from '../../main/sources/congress/source.js';
import { openStore, type Store } from '../../main/store/index.js';
import { fakeCongressSource, FAKE_API_KEY, isDetailRequest, startFakeCongress, type FakeCongress, type FakeReply, type SeenRequest } from '../helpers/congress-server.js';
import { startCli } from '../helpers/cli.js';
import { arraySource, hearingRecord } from '../helpers/records.js';
import type { RunSummary } from '../../shared/run.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function temporaryStore(): Promise<Store> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-congress-'));
  cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }));
  const store = await openStore(path.join(folder, 'gatehouse.db'));
  cleanups.push(() => store.close());
  return store;
}

async function serve(...args: Parameters<typeof startFakeCongress>): Promise<FakeCongress> {
  const server = await startFakeCongress(...args);
  cleanups.push(() => server.close());
  return server;
}

function congressSource(server: FakeCongress, overrides: Partial<CongressSourceOptions> = {}) {
  return fakeCongressSource(server, () => NOW, overrides);
}

describe('update from the congress: source', () => {
  it('quarantines a meeting whose detail failed as FETCH_FAILED and leaves the stored hearing’s title alone', async () => {
    const store = await temporaryStore();
    const stored = hearingRecord(115538, { title: 'Original stored title', updateDate: '2025-03-01T12:00:00Z' });
    expect((await runUpdate({ store, source: arraySource([stored]), clock: () => NOW })).status).toBe('success');

    const server = await serve({
      house: [
        hearingRecord(115537, { updateDate: RECENT }),
        hearingRecord(115538, { title: 'Revised title nobody may see', updateDate: RECENT }),
      ],
      nochamber: [hearingRecord(900001, { chamber: 'NoChamber', updateDate: RECENT })],
    });
    server.override = (request) => (request.path.endsWith('/115538') ? { status: 502 } : undefined);
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.status).toBe('partial');
    expect(summary.metrics).toMatchObject({ fetched: 3, added: 2, updated: 0, unchanged: 0, quarantined: 1 });
    const [entry, ...others] = await store.listQuarantine({ runId: summary.runId });
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ sourcePosition: 1, reasons: [{ code: 'FETCH_FAILED' }], raw: { eventId: '115538', updateDate: RECENT } });
    expect(entry!.reasons[0]!.message).toMatch(/HTTP 502/);
    expect(JSON.stringify(entry)).not.toContain(FAKE_API_KEY);
    const kept = (await store.loadHearings(['115538'])).get('115538');
    expect(kept?.content.title).toBe('Original stored title');
    expect(await store.countHearings()).toBe(3);
  });

  it('records a refused key as a failed run, with the key nowhere in the run record', async () => {
    const store = await temporaryStore();
    const server = await serve({ house: [hearingRecord(1, { updateDate: RECENT })] });
    const source = congressSource(server, { apiKey: 'refused-secret-key' });
    const summary = await runUpdate({ store, source, clock: () => NOW });

    expect(summary.status).toBe('failed');
    expect(summary.error).toBe('the API key was refused (HTTP 403)');
    expect(summary.metrics.fetched).toBe(0);
    const run = await store.getRun(summary.runId);
    expect(run?.source).toBe(`congress:${server.baseUrl}`);
    expect(JSON.stringify(run)).not.toContain('refused-secret-key');
  });

  it('stops the run as interrupted, with the reason, when the server serves the same page again, instead of paging until the quota is spent or ending in success without the meetings its pagination promised', async () => {
    const store = await temporaryStore();
    const meetings = [hearingRecord(200001, { updateDate: RECENT }), hearingRecord(200002, { updateDate: RECENT })];
    const server = await serve({ house: meetings });
    // Ignores the offset and always links a next page, as a loop in the pagination would.
    server.override = (request) => request.path.endsWith('/house')
      ? { body: { committeeMeetings: meetings.map(({ eventId, updateDate }) => ({ eventId, updateDate })), pagination: { count: 1000, next: `${server.baseUrl}/committee-meeting/119/house?offset=0` } } }
      : undefined;
    const limiter = new RequestRateLimiter({ clock: () => NOW, limit: 50, sleep: () => Promise.reject(new Error('the hourly request quota is spent')) });
    const source = congressSource(server, { limiter });
    const terminal: string[] = [];
    configureLogging({ file: null, terminal: (line) => terminal.push(line) });
    const summary = await runUpdate({ store, source, clock: () => NOW });

    expect(summary.status).toBe('interrupted');
    // The count did not grow by the page of repeats: the first such page ends the listing.
    expect(summary.error).toMatch(/^the source failed: Congress\.gov served list page offset=2 of committee-meeting\/119\/house with only meetings it had already listed \(2\) while its count stayed 1000; the listing went back/);
    expect(summary.metrics).toMatchObject({ fetched: 2, added: 2, updated: 0, unchanged: 0, quarantined: 0 });
    expect(server.requests.filter((request) => request.path.endsWith('/house'))).toHaveLength(2);
    expect(source.stats).toMatchObject({ repeatedPages: 1, duplicatesSkipped: 2 });
    expect(terminal).toContainEqual(expect.stringMatching(/^gatehouse: warning: Congress.gov served 1 list page listing nothing new; one the count does not explain, or two in a row, stop the run/));
    expect(await store.countHearings()).toBe(2);
  });

  it('keeps listing past one page of repeats, as when a page’s worth of meetings moved to the front between two pages, and lists those on a second pass', async () => {
    const store = await temporaryStore();
    const house = [250001, 250002, 250003, 250004, 250005, 250006].map((id) => hearingRecord(id, { updateDate: RECENT }));
    const server = await serve({ house }, { pageSize: 2 });
    server.override = (request) => {
      if (request.path.endsWith('/house') && request.query.offset === '2' && house.length === 6) {
        house.unshift(...[250101, 250102].map((id) => hearingRecord(id, { updateDate: RECENT })));
      }
      return undefined;
    };
    const source = congressSource(server);
    const summary = await runUpdate({ store, source, clock: () => NOW });

    expect(summary.status).toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 8, added: 8, quarantined: 0 });
    expect(source.stats).toMatchObject({ repeatedPages: 1, duplicatesSkipped: 2, listedOnLaterPass: 2 });
    expect([...(await store.loadHearings(house.map((meeting) => String(meeting.eventId)))).keys()].sort()).toEqual(['250001', '250002', '250003', '250004', '250005', '250006', '250101', '250102']);
  });

  it('reads list pages and details that start with a byte order mark, as the file sources do', async () => {
    const store = await temporaryStore();
    const server = await serve({ house: [hearingRecord(210001, { updateDate: RECENT })], senate: [hearingRecord(210002, { chamber: 'Senate', updateDate: RECENT })] }, { byteOrderMark: true });
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.status).toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 2, added: 2, quarantined: 0 });
    expect(await store.countHearings()).toBe(2);
  });

  it('asks again after a body that is not JSON (a cut-short gzip list page, an HTML page with 200) and stores every meeting', async () => {
    const store = await temporaryStore();
    const server = await serve({ house: [hearingRecord(220001, { updateDate: RECENT }), hearingRecord(220002, { updateDate: RECENT })] });
    const answered = new Set<string>();
    server.override = (request): FakeReply | undefined => {
      if (answered.has(request.path)) return undefined;
      answered.add(request.path);
      if (request.path.endsWith('/house')) {
        const gzip = zlib.gzipSync(JSON.stringify({ committeeMeetings: [], pagination: { count: 0 } }));
        return { body: gzip.subarray(0, gzip.length - 10), headers: { 'content-encoding': 'gzip' } };
      }
      if (request.path.endsWith('/220002')) return { body: '<html><body>Service temporarily busy</body></html>', headers: { 'content-type': 'text/html' } };
      return undefined;
    };
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.status).toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 2, added: 2, quarantined: 0 });
    expect(await store.countHearings()).toBe(2);
  });

  it('quarantines a detail that describes another meeting as FETCH_FAILED, and stores that other meeting from its own detail', async () => {
    const store = await temporaryStore();
    const genuine = hearingRecord(230001, { title: 'The genuine title', updateDate: RECENT });
    const server = await serve({ house: [hearingRecord(230002, { updateDate: RECENT }), genuine] });
    server.override = (request) => (request.path.endsWith('/230002') ? { body: { committeeMeeting: { ...genuine, title: 'A title from the wrong detail' } } } : undefined);
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.status).toBe('partial');
    expect(summary.metrics).toMatchObject({ fetched: 2, added: 1, updated: 0, unchanged: 0, quarantined: 1 });
    const [entry, ...others] = await store.listQuarantine({ runId: summary.runId });
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ sourcePosition: 0, reasons: [{ code: 'FETCH_FAILED', message: 'the detail of meeting 230002 describes meeting 230001 instead' }], raw: { eventId: '230002' } });
    expect((await store.loadHearings(['230001'])).get('230001')?.content.title).toBe('The genuine title');
    expect(await store.countHearings()).toBe(1);
  });

  it('ends the run when Congress.gov asks it to stay away longer than it waits, instead of asking for every next detail and quarantining each', async () => {
    const store = await temporaryStore();
    const server = await serve({ house: [240001, 240002, 240003, 240004].map((id) => hearingRecord(id, { updateDate: RECENT })) });
    server.override = (request) => (/\/24000[234]$/.test(request.path) ? { status: 429, headers: { 'retry-after': '3600' } } : undefined);
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.status).toBe('interrupted');
    expect(summary.error).toMatch(/^the source failed: .*HTTP 429.*asked to wait 3600 s.*resume with --resume/);
    expect(server.requests.filter((request) => /\/24000[34]$/.test(request.path))).toEqual([]);
    expect(await store.listQuarantine({ runId: summary.runId })).toEqual([]);
    const { fetched, added, updated, unchanged, quarantined } = summary.metrics;
    expect(fetched).toBe(added + updated + unchanged + quarantined);
  });

  it('says on the terminal, before it starts, each wait a Retry-After asks for, the short one as the long one: every retry is one line', async () => {
    const store = await temporaryStore();
    const server = await serve({ house: [241001, 241002, 241003].map((id) => hearingRecord(id, { updateDate: RECENT })) });
    const retryAfter: Record<string, string> = { '241001': '5', '241002': '120' };
    const refused = new Set<string>();
    server.override = (request) => {
      const eventId = request.path.split('/').at(-1)!;
      if (retryAfter[eventId] === undefined || refused.has(eventId)) return undefined;
      refused.add(eventId);
      return { status: 503, headers: { 'retry-after': retryAfter[eventId] }, body: 'busy' };
    };
    const terminal: string[] = [];
    configureLogging({ file: null, terminal: (line) => terminal.push(line) });
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.status).toBe('success');
    expect(terminal.filter((line) => line.includes('waiting'))).toEqual([
      'gatehouse: warning: GET /v3/committee-meeting/119/house/241001?format=json answered HTTP 503 Service Unavailable; waiting 5 s, as its Retry-After asked, before attempt 2 of 2',
      'gatehouse: warning: GET /v3/committee-meeting/119/house/241002?format=json answered HTTP 503 Service Unavailable; waiting 120 s, as its Retry-After asked, before attempt 2 of 2',
    ]);
  });

  it('passes a list item whose numeric eventId JSON could not hold exactly to the record rules, without asking for a rounded id', async () => {
    const store = await temporaryStore();
    const server = await serve({ house: [hearingRecord(260001, { updateDate: RECENT })] });
    server.override = (request) => request.path.endsWith('/house')
      ? { body: `{"committeeMeetings": [{"eventId": 260001, "updateDate": "${RECENT}"}, {"eventId": 12345678901234567890, "updateDate": "${RECENT}"}], "pagination": {"count": 2}}` }
      : undefined;
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.metrics).toMatchObject({ fetched: 2, added: 1, quarantined: 1 });
    const [entry] = await store.listQuarantine({ runId: summary.runId });
    expect(entry?.sourcePosition).toBe(1);
    expect(entry?.reasons[0]?.code).toBe('BAD_EVENT_ID');
    expect(server.requests.map((request) => request.path).filter((path) => /\/\d{10,}$/.test(path))).toEqual([]);
  });

  it('asks for meeting 61 once when the list spells it "061" and 61, stores it as 61, and quarantines a 21-digit eventId as BAD_EVENT_ID without asking for its detail', async () => {
    const store = await temporaryStore();
    const server = await serve({ house: [hearingRecord(61, { updateDate: RECENT })] });
    server.override = (request) => request.path.endsWith('/house')
      ? { body: { committeeMeetings: [{ eventId: '061', updateDate: RECENT }, { eventId: 61, updateDate: RECENT }, { eventId: '123456789012345678901', updateDate: RECENT }], pagination: { count: 3 } } }
      : undefined;
    const summary = await runUpdate({ store, source: congressSource(server), clock: () => NOW });

    expect(summary.metrics).toMatchObject({ fetched: 2, added: 1, quarantined: 1, fetchErrors: 0 });
    expect(server.requests.map((request) => request.path).filter((path) => !/\/(house|senate|nochamber)$/.test(path))).toEqual(['/v3/committee-meeting/119/house/61']);
    const [entry, ...others] = await store.listQuarantine({ runId: summary.runId });
    expect(others).toEqual([]);
    // The list item, which has no more than its eventId and updateDate to judge.
    expect(entry?.reasons[0]).toEqual({ code: 'BAD_EVENT_ID', message: 'eventId has 21 digits ("123456789012345678901"); an eventId has at most 20' });
    expect([...(await store.loadHearings(['61', '061'])).keys()]).toEqual(['61']);
  });

  it('stops as interrupted when a list page stays unreachable mid-run, keeps the committed batches, and resumes to a clean run’s result', async () => {
    const store = await temporaryStore();
    const house = Array.from({ length: 600 }, (_, i) => hearingRecord(270000 + i, { updateDate: RECENT }));
    const server = await serve({ house });
    let down = true;
    server.override = (request) => (down && request.path.endsWith('/house') && request.query.offset === '500' ? { status: 503 } : undefined);
    const source = () => congressSource(server);
    const stopped = await runUpdate({ store, source: source(), clock: () => NOW });

    expect(stopped.status).toBe('interrupted');
    expect(stopped.error).toMatch(/^the source failed: .*offset=500.*HTTP 503.*resume with --resume/);
    expect(await store.listQuarantine({ runId: stopped.runId })).toEqual([]);
    const committed = await store.countHearings();
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBe(stopped.metrics.added);

    down = false;
    const resumed = await runUpdate({ store, source: source(), clock: () => NOW, resumeRunId: stopped.runId });
    expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success' });
    expect(resumed.metrics).toMatchObject({ fetched: 600, added: 600, updated: 0, unchanged: 0, quarantined: 0 });
    expect(await store.countHearings()).toBe(600);
  });
});

const houseListRequest = (request: SeenRequest) => !isDetailRequest(request) && request.path.endsWith('/house');

/** The house list pages as the fake serves them, their pagination replaced by `pagination(offset)`. */
function housePagination(server: FakeCongress, house: Record<string, unknown>[], pagination: (offset: number) => Record<string, unknown>): void {
  server.override = (request) => {
    if (!houseListRequest(request)) return undefined;
    const offset = Number(request.query.offset ?? 0);
    const page = house.slice(offset, offset + Number(request.query.limit)).map(({ eventId, updateDate }) => ({ eventId, updateDate }));
    return { body: { committeeMeetings: page, pagination: pagination(offset) } };
  };
}

/**
 * Where a Congress.gov listing ends. A last page that still linked a `next` once its count was met
 * led to two empty pages and stopped the run as interrupted; a full page with neither a count nor a
 * `next` ended the listing, and a run without the meetings after it reported success. Ending at the
 * count instead lost the meetings a count that understates the feed left out, without a word.
 */
describe('the end of a Congress.gov listing', () => {
  it('ends at the empty page a next link past the count leads to, succeeds, and says the pagination disagreed', async () => {
    const store = await temporaryStore();
    const house = [1, 2, 3].map((i) => hearingRecord(960000 + i, { updateDate: RECENT }));
    const server = await serve({ house });
    housePagination(server, house, (offset) => ({ count: house.length, next: `${server.baseUrl}/committee-meeting/119/house?offset=${offset + PAGE_SIZE}` }));
    const terminal: string[] = [];
    configureLogging({ file: null, terminal: (line) => terminal.push(line) });
    const source = fakeCongressSource(server, () => NOW);
    const summary = await runUpdate({ store, source, clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 3, added: 3, quarantined: 0 });
    expect(server.requests.filter(houseListRequest).map((request) => request.query.offset)).toEqual(['0', '3', '0', '3']);
    expect(source.stats.nextPastCount).toBe(1);
    expect(terminal).toContainEqual(expect.stringMatching(/^gatehouse: warning: Congress\.gov's pagination of committee-meeting\/119\/house still gave a next page after all 3 meetings it counted were listed/));
    expect(summary.sourceWarnings).toEqual([{ code: 'NEXT_PAST_COUNT', count: 1, message: expect.stringContaining('(committee-meeting/119/house)') as unknown }]);
  });

  it('follows the next link past a count that understates the feed and stores every meeting it lists, saying the pagination disagreed', async () => {
    const store = await temporaryStore();
    const house = Array.from({ length: 60 }, (_, i) => hearingRecord(962000 + i, { updateDate: RECENT }));
    const server = await serve({ house });
    // Counts 40 meetings, but its second page still links a third, which lists 20 more.
    server.override = (request) => {
      if (!houseListRequest(request)) return undefined;
      const offset = Number(request.query.offset);
      const page = house.slice(offset, offset + 20).map(({ eventId, updateDate }) => ({ eventId, updateDate }));
      return { body: { committeeMeetings: page, pagination: { count: 40, ...(offset + 20 < house.length ? { next: `${server.baseUrl}/committee-meeting/119/house?offset=${offset + 20}` } : {}) } } };
    };
    const source = fakeCongressSource(server, () => NOW);
    const summary = await runUpdate({ store, source, clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 60, added: 60, quarantined: 0 });
    expect(server.requests.filter(houseListRequest).map((request) => request.query.offset)).toEqual(['0', '20', '40', '0', '20', '40']);
    expect(await store.countHearings()).toBe(60);
    expect(source.stats).toMatchObject({ nextPastCount: 1, repeatedPages: 0, duplicatesSkipped: 0 });
    expect(summary.sourceWarnings).toEqual([{ code: 'NEXT_PAST_COUNT', count: 1, message: expect.stringMatching(/\(committee-meeting\/119\/house\); its next pages were read until they listed nothing new/) as unknown }]);
  });

  it('ends, in success, at a page past the count that lists only meetings already listed, as a next link that leads back to the start would', async () => {
    const store = await temporaryStore();
    const house = [1, 2, 3].map((i) => hearingRecord(963000 + i, { updateDate: RECENT }));
    const server = await serve({ house });
    // Ignores the offset: every page is the first one, counting 3 and linking a next page.
    server.override = (request) => houseListRequest(request)
      ? { body: { committeeMeetings: house.map(({ eventId, updateDate }) => ({ eventId, updateDate })), pagination: { count: 3, next: `${server.baseUrl}/committee-meeting/119/house?offset=0` } } }
      : undefined;
    const source = fakeCongressSource(server, () => NOW);
    const summary = await runUpdate({ store, source, clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 3, added: 3, quarantined: 0 });
    // Read twice over: a listing of more than one page is read again from its start (a page of repeats each time).
    expect(server.requests.filter(houseListRequest)).toHaveLength(4);
    // The page of repeats is the next link's doing, said once: not also as meetings listed twice.
    expect(source.stats).toMatchObject({ nextPastCount: 1, listedAgainPastCount: 3, duplicatesSkipped: 0, repeatedPages: 0 });
    expect(summary.sourceWarnings).toEqual([{ code: 'NEXT_PAST_COUNT', count: 1, message: expect.stringMatching(/until they listed nothing new, .*; the 3 meetings they listed again were fetched once$/) as unknown }]);
  });

  it('says the pagination disagreed in the JSON and the lines `gatehouse update` prints, not only on stderr; a clean run says nothing', async () => {
    // The CLI reads the real clock: the feed is dated from it.
    const updated = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const house = [1, 2, 3].map((i) => hearingRecord(961000 + i, { updateDate: updated }));
    const server = await serve({ house });
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-congress-cli-'));
    cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }));
    const update = (db: string, json: boolean) => startCli(['update', '--db', path.join(folder, db), '--source', `congress:${server.baseUrl}`, '--no-snapshot', ...(json ? ['--json'] : [])], { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }).done;

    const clean = await update('clean.db', true);
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ status: 'success' });
    expect(JSON.parse(clean.stdout)).not.toHaveProperty('sourceWarnings');

    housePagination(server, house, (offset) => ({ count: house.length, next: `${server.baseUrl}/committee-meeting/119/house?offset=${offset + PAGE_SIZE}` }));
    const json = await update('json.db', true);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as RunSummary;
    expect(summary).toMatchObject({ status: 'success', metrics: { fetched: 3, added: 3 } });
    expect(summary.sourceWarnings).toEqual([{ code: 'NEXT_PAST_COUNT', count: 1, message: expect.stringMatching(/next page after every meeting it counted was listed \(committee-meeting\/119\/house\)/) as unknown }]);
    // Kept with the run: `runs show` says it later as `update` did, in the same place; a clean run's has no such key.
    const show = async (db: string) => {
      const shown = await startCli(['runs', 'show', '1', '--db', path.join(folder, db), '--json']).done;
      expect(shown.code, shown.stderr).toBe(0);
      return JSON.parse(shown.stdout) as Record<string, unknown>;
    };
    const shown = await show('json.db');
    expect(shown.sourceWarnings).toEqual(summary.sourceWarnings);
    expect(Object.keys(shown).slice(0, Object.keys(summary).length)).toEqual(Object.keys(summary));
    expect(await show('clean.db')).not.toHaveProperty('sourceWarnings');
    const human = await update('human.db', false);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ {2}source: Congress\.gov's pagination still gave a next page/m);
    expect([json.stdout, json.stderr, human.stdout, human.stderr].join('')).not.toContain(FAKE_API_KEY);
  });

  it('asks for the page after a full one that gives neither a count nor a next link, and stores every meeting', async () => {
    const store = await temporaryStore();
    const house = Array.from({ length: PAGE_SIZE + 10 }, (_, i) => hearingRecord(970000 + i, { updateDate: RECENT }));
    const server = await serve({ house });
    housePagination(server, house, () => ({}));
    const summary = await runUpdate({ store, source: fakeCongressSource(server, () => NOW), clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: PAGE_SIZE + 10, added: PAGE_SIZE + 10, quarantined: 0 });
    expect(server.requests.filter(houseListRequest).map((request) => request.query.offset)).toEqual(['0', String(PAGE_SIZE), '0', String(PAGE_SIZE)]);
    expect(await store.countHearings()).toBe(PAGE_SIZE + 10);
  });

  it('ends the listing at a short page that gives neither a count nor a next link', async () => {
    const store = await temporaryStore();
    const house = [1, 2].map((i) => hearingRecord(980000 + i, { updateDate: RECENT }));
    const server = await serve({ house });
    housePagination(server, house, () => ({}));
    const summary = await runUpdate({ store, source: fakeCongressSource(server, () => NOW), clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 2, added: 2 });
    expect(server.requests.filter(houseListRequest)).toHaveLength(1);
  });
});
