import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runSummarySchema } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, isDetailRequest, startFakeCongress, type FakeCongress, type SeenRequest } from '../helpers/congress-server.js';
import { domainRows } from '../helpers/domain-rows.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * Congress.gov answering a list page with no meetings while its pagination still promises more
 * (count past the offset, a next link) ended that chamber's listing: `gatehouse update` exited 0
 * with status success, the meetings after the page never fetched and nothing said so. Now the page
 * is asked for again once; empty twice, the run stops as interrupted with the reason, and its
 * resume converges to the database a clean run leaves.
 */
const MEETINGS = 12;
const PAGE_SIZE = 5;
const FIRST_ID = 930000;

let server: FakeCongress | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function fakeFeed(): Promise<FakeCongress> {
  // Inside the CLI's lookback window, which it takes from the real clock.
  const updateDate = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const house = Array.from({ length: MEETINGS }, (_, i) => hearingRecord(FIRST_ID + i, { updateDate }));
  return startFakeCongress({ house }, { pageSize: PAGE_SIZE });
}

const secondHousePage = (request: SeenRequest) => !isDetailRequest(request) && request.path.endsWith('/house') && request.query.offset === String(PAGE_SIZE);

/** The second house page, empty `times` times, with its pagination still counting every meeting. */
function emptySecondPage(fake: FakeCongress, times: number): void {
  let served = 0;
  fake.override = (request) => {
    if (!secondHousePage(request) || served >= times) return undefined;
    served++;
    return { body: { committeeMeetings: [], pagination: { count: MEETINGS, next: `${fake.baseUrl}/committee-meeting/119/house?offset=${2 * PAGE_SIZE}&format=json` } } };
  };
}

async function update(db: string, fake: FakeCongress, ...extra: string[]) {
  // Not runCli: its synchronous wait would keep this process's fake server from answering.
  const result = await startCli(['update', '--db', db, '--source', `congress:${fake.baseUrl}`, '--congress', '119', '--no-snapshot', '--json', ...extra], {
    GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY,
  }).done;
  return { ...result, summary: runSummarySchema.parse(JSON.parse(result.stdout)) };
}

describe.each(testBackends())('an empty Congress.gov list page that promises more, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('asks for the page again and stores every meeting when the second answer lists them', async () => {
    server = await fakeFeed();
    emptySecondPage(server, 1);
    const db = await backend.freshLocation();
    const { code, summary, stderr } = await update(db, server);
    expect(code, stderr).toBe(0);
    expect(summary.metrics).toMatchObject({ fetched: MEETINGS, added: MEETINGS, quarantined: 0 });
    // Twice on the first pass, once on the second (a listing of more than one page is read again from its start).
    expect(server.requests.filter(secondHousePage)).toHaveLength(3);
  });

  it('stops as interrupted with the reason when the page stays empty, and the resume converges to a clean run', async () => {
    server = await fakeFeed();
    const clean = await backend.freshLocation();
    expect((await update(clean, server)).code).toBe(0);

    emptySecondPage(server, 2);
    const db = await backend.freshLocation();
    const stopped = await update(db, server);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.summary).toMatchObject({ status: 'interrupted', metrics: { fetched: PAGE_SIZE, added: PAGE_SIZE, quarantined: 0 } });
    expect(stopped.summary.error).toMatch(/^the source failed: Congress\.gov listed no meetings at offset 5 of committee-meeting\/119\/house twice in a row while its pagination promised 12 meetings/);
    expect(stopped.summary.error).toMatch(new RegExp(`resume with --resume ${stopped.summary.runId}$`));

    const resumed = await update(db, server, '--resume', String(stopped.summary.runId));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.summary.metrics).toMatchObject({ fetched: MEETINGS, added: MEETINGS, updated: 0, unchanged: 0, quarantined: 0 });
    expect(await domainRows(db)).toEqual(await domainRows(clean));
  });
});
