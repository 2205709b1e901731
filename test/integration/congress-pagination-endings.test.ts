import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { configureLogging } from '../../main/logging/index.js';
import { PAGE_SIZE } from '../../main/sources/congress/source.js';
import { openStore, type Store } from '../../main/store/index.js';
import { fakeCongressSource, isDetailRequest, startFakeCongress, type FakeCongress, type SeenRequest } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * Where a Congress.gov listing ends. A last page that still linked a `next` once its count was met
 * led to two empty pages and stopped the run as interrupted; a full page with neither a count nor a
 * `next` ended the listing, and a run without the meetings after it reported success.
 */
const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function temporaryStore(): Promise<Store> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-congress-pages-'));
  cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }));
  const store = await openStore(path.join(folder, 'gatehouse.db'));
  cleanups.push(() => store.close());
  return store;
}

async function serve(house: Record<string, unknown>[]): Promise<FakeCongress> {
  const server = await startFakeCongress({ house });
  cleanups.push(() => server.close());
  return server;
}

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

describe('the end of a Congress.gov listing', () => {
  it('ends at the count when the last page still links a next page, succeeds, and says the pagination disagreed', async () => {
    const store = await temporaryStore();
    const house = [1, 2, 3].map((i) => hearingRecord(960000 + i, { updateDate: RECENT }));
    const server = await serve(house);
    housePagination(server, house, (offset) => ({ count: house.length, next: `${server.baseUrl}/committee-meeting/119/house?offset=${offset + PAGE_SIZE}` }));
    const terminal: string[] = [];
    configureLogging({ file: null, terminal: (line) => terminal.push(line) });
    const source = fakeCongressSource(server, () => NOW);
    const summary = await runUpdate({ store, source, clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 3, added: 3, quarantined: 0 });
    expect(server.requests.filter(houseListRequest)).toHaveLength(1);
    expect(source.stats.nextPastCount).toBe(1);
    expect(terminal).toContainEqual(expect.stringMatching(/^gatehouse: warning: Congress\.gov's pagination of committee-meeting\/119\/house still gave a next page after all 3 meetings it counted were listed/));
  });

  it('asks for the page after a full one that gives neither a count nor a next link, and stores every meeting', async () => {
    const store = await temporaryStore();
    const house = Array.from({ length: PAGE_SIZE + 10 }, (_, i) => hearingRecord(970000 + i, { updateDate: RECENT }));
    const server = await serve(house);
    housePagination(server, house, () => ({}));
    const summary = await runUpdate({ store, source: fakeCongressSource(server, () => NOW), clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: PAGE_SIZE + 10, added: PAGE_SIZE + 10, quarantined: 0 });
    expect(server.requests.filter(houseListRequest).map((request) => request.query.offset)).toEqual(['0', String(PAGE_SIZE)]);
    expect(await store.countHearings()).toBe(PAGE_SIZE + 10);
  });

  it('ends the listing at a short page that gives neither a count nor a next link', async () => {
    const store = await temporaryStore();
    const house = [1, 2].map((i) => hearingRecord(980000 + i, { updateDate: RECENT }));
    const server = await serve(house);
    housePagination(server, house, () => ({}));
    const summary = await runUpdate({ store, source: fakeCongressSource(server, () => NOW), clock: () => NOW });

    expect(summary.status, summary.error ?? '').toBe('success');
    expect(summary.metrics).toMatchObject({ fetched: 2, added: 2 });
    expect(server.requests.filter(houseListRequest)).toHaveLength(1);
  });
});
