import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { setFlag } from '../../main/flags/index.js';
import { catchUpTask, runFlaggedUpdate } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { acceptHeldRun, MIN_HISTORY_RUNS } from '../../main/validation/index.js';
import { testBackends, withFreshStore, type TestBackend } from '../helpers/backends.js';
import { FAKE_API_KEY, fakeCongressSource, isDetailRequest, startFakeCongress, stopAtDetail, updateFromFakeCongress, type FakeCongress, type SeenRequest } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { startCli } from '../helpers/cli.js';
import { emptyBatchCounts, listingIncomplete, type RunSummary } from '../../shared/run.js';

/**
 * A meeting added ahead of the pages already read pushes the ones behind it back; one removed there
 * while another is added behind pulls them forward with the count unchanged. Either way a meeting
 * crosses a page boundary the listing has passed, and the run ended `success` without it: the first
 * with only "listed 1 meeting twice; each was fetched once", the second with no word at all. Now a
 * listing of more than one page is read again from its start for what the first pass missed.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const IDS = [320001, 320002, 320003, 320004, 320005];
const DAY_MS = 86_400_000;
const TASK = 'daily-congress';

/** True once per pass over the house listing: the list page at offset 2. */
const secondPage = (request: SeenRequest) => !isDetailRequest(request) && request.path.endsWith('/house') && request.query.offset === '2';

/** The task's last covering run, whose window ended 10 days before NOW: where its next run must reach back to. */
async function storeCoveringRun(store: Store, fake: FakeCongress): Promise<string> {
  const coveredTo = new Date(NOW.getTime() - 10 * DAY_MS).toISOString();
  const sourceWindow = { from: new Date(NOW.getTime() - 17 * DAY_MS).toISOString(), to: coveredTo, congress: 119, congresses: [119] };
  const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: TASK, source: `congress:${fake.baseUrl}`, startedAt: coveredTo, pid: process.pid, host: 'test', flags: {}, resumedFrom: null, sourceWindow });
  await store.finishRun(runId, { status: 'success', finishedAt: coveredTo, metrics: { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 }, batchCounts: emptyBatchCounts(), validation: null, error: null });
  return coveredTo;
}

/** A meeting added at the front each time the house listing's second page is read: still moving on the last pass. */
function keepMoving(fake: FakeCongress, house: Record<string, unknown>[]): void {
  let next = 320090;
  fake.override = (request) => {
    if (secondPage(request)) house.unshift(hearingRecord(next++, { updateDate: RECENT }));
    return undefined;
  };
}

/** Enough daily runs of another task, each reading ~500 meetings, that a run reading a handful is judged anomalous. */
async function storeBusyHistory(store: Store): Promise<void> {
  for (let day = MIN_HISTORY_RUNS; day >= 1; day--) {
    const startedAt = new Date(NOW.getTime() - day * DAY_MS).toISOString();
    const fetched = 500 + (day % 5) * 7;
    const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'busy', source: 'crafted', startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
    await store.finishRun(runId, { status: 'success', finishedAt: startedAt, metrics: { fetched, added: 100, updated: 50, unchanged: fetched - 150, quarantined: 0, durationMs: 9_000 + day }, batchCounts: { total: 10, succeeded: 10, failed: 0, isolated: 0 }, validation: null, error: null });
  }
}

/** The task's next run (a day on) lists from before the covering run's end: the run between covered nothing. */
async function expectNextRunReachesBack(store: Store, fake: FakeCongress, coveredTo: string): Promise<void> {
  const later = fakeCongressSource(fake, () => new Date(NOW.getTime() + DAY_MS), { lookbackDays: 7 });
  await catchUpTask(store, later, TASK);
  expect(later.window.from.getTime()).toBeLessThan(Date.parse(coveredTo));
}

/** A fake Congress.gov listing the house meetings IDS two to a page, and a fresh store: `body` gets both, and the fake is closed after it. */
async function withHouseFake(backend: TestBackend, body: (fake: FakeCongress, store: Store, house: Record<string, unknown>[]) => Promise<void>): Promise<void> {
  const house = IDS.map((id) => hearingRecord(id, { updateDate: RECENT }));
  const fake = await startFakeCongress({ house }, { pageSize: 2 });
  try {
    await withFreshStore(backend, (store) => body(fake, store, house));
  } finally {
    await fake.close();
  }
}

describe.each(testBackends())('a Congress.gov listing that moves ahead of the pages already read, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stores a meeting added at the front between two pages, and says a second pass found it', async () => {
    await withHouseFake(backend, async (fake, store, house) => {
      let added = false;
      fake.override = (request) => {
        if (secondPage(request) && !added) {
          added = true;
          house.unshift(hearingRecord(320099, { updateDate: RECENT }));
        }
        return undefined;
      };
      const run = await updateFromFakeCongress(store, fake, NOW);
      expect(run.status).toBe('success');
      expect(run.metrics.fetched).toBe(6);
      expect([...(await store.loadHearings([...IDS, 320099].map(String))).keys()].sort()).toEqual([...IDS, 320099].map(String).sort());
      expect(run.sourceWarnings).toContainEqual({ code: 'LISTING_MOVED', count: 1, message: expect.stringMatching(/listing moved while it was read.*1 meeting the first pass over its pages passed over was listed by reading it again from its start, and fetched$/) as unknown });
      expect((await store.getRun(run.runId))?.sourceWarnings).toEqual(run.sourceWarnings);
      // Each detail asked for once, the one a pass listed again too.
      const details = fake.requests.filter(isDetailRequest).map((request) => request.path);
      expect(new Set(details).size).toBe(details.length);
    });
  });

  it('stores the meeting that moved forward across a page boundary when one left the front and another joined the end, the count unchanged', async () => {
    await withHouseFake(backend, async (fake, store, house) => {
      let moved = false;
      fake.override = (request) => {
        if (secondPage(request) && !moved) {
          moved = true;
          house.shift();
          house.push(hearingRecord(320098, { updateDate: RECENT }));
        }
        return undefined;
      };
      const run = await updateFromFakeCongress(store, fake, NOW);
      expect(run.status).toBe('success');
      // 320003 moved from the second page to the first after the first was read.
      expect([...(await store.loadHearings(['320003'])).keys()]).toEqual(['320003']);
      expect(run.metrics.fetched).toBe(6);
      expect(run.sourceWarnings?.map((warning) => warning.code)).toEqual(['LISTING_MOVED']);
    });
  });

  it('resumes a run stopped part-way through a listing that then moves, storing the meeting added at the front and fetching none twice', async () => {
    await withHouseFake(backend, async (fake, store, house) => {
      const controller = new AbortController();
      const restore = stopAtDetail(fake, 3, () => controller.abort());
      const stopped = await runUpdate({ store, source: fakeCongressSource(fake, () => NOW), batchSize: 2, batchCeiling: null, signal: controller.signal, clock: () => NOW });
      restore();
      expect(stopped.status).toBe('interrupted');
      expect(stopped.metrics.added).toBe(2);

      let added = false;
      fake.override = (request) => {
        if (secondPage(request) && !added) {
          added = true;
          house.unshift(hearingRecord(320097, { updateDate: RECENT }));
        }
        return undefined;
      };
      const since = fake.requests.length;
      const resumed = await runUpdate({ store, source: fakeCongressSource(fake, () => NOW), resumeRunId: stopped.runId, batchSize: 2, batchCeiling: null, clock: () => NOW });
      expect(resumed.status).toBe('success');
      expect([...(await store.loadHearings([...IDS, 320097].map(String))).keys()].sort()).toEqual([...IDS, 320097].map(String).sort());
      const fetchedOnResume = fake.requests.slice(since).filter(isDetailRequest).map((request) => request.path.split('/').at(-1));
      expect(fetchedOnResume.sort()).toEqual(['320003', '320004', '320005', '320097']);
    });
  });

  it('ends partial when the listing is still moving on its last pass, and leaves its window uncovered: the task\'s next run reaches back over it', async () => {
    await withHouseFake(backend, async (fake, store, house) => {
      const coveredTo = await storeCoveringRun(store, fake);
      keepMoving(fake, house);
      const run = await runUpdate({ store, source: fakeCongressSource(fake, () => NOW, { lookbackDays: 7 }), task: TASK, clock: () => NOW });
      expect(run.status).toBe('partial');
      expect(run.error).toMatch(/still moving on the last of 3 passes .*: meetings may be missing, so its window is not counted as covered/);
      expect(run.sourceWarnings).toContainEqual({
        code: 'LISTING_MOVED',
        count: 2,
        message: expect.stringMatching(/; it was still moving on the last of 3 passes over committee-meeting\/119\/house, so meetings may still be missing: this run's window is not counted as covered$/) as unknown,
        windowCovered: false,
        stillMovingOnLastPass: { passes: 3, listings: ['committee-meeting/119/house'] },
      });
      fake.override = null;
      await expectNextRunReachesBack(store, fake, coveredTo);
    });
  });

  it('holds such a run under BLOCK_ON_ANOMALY, and accepting it gives back partial, not success: its window stays uncovered', async () => {
    await withHouseFake(backend, async (fake, store, house) => {
      await storeBusyHistory(store);
      const coveredTo = await storeCoveringRun(store, fake);
      await setFlag(store, { flag: 'BLOCK_ON_ANOMALY', value: true, scope: 'global', reason: 'hold anomalies for review', operator: 'tester' });
      keepMoving(fake, house);
      const { summary } = await runFlaggedUpdate({ store, source: fakeCongressSource(fake, () => NOW, { lookbackDays: 7 }), task: TASK, clock: () => NOW });
      fake.override = null;
      expect(summary.validation?.verdict).toBe('anomalous');
      expect(summary.status).toBe('held');

      const accepted = await acceptHeldRun(store, { runId: summary.runId, reason: 'a quiet week', operator: 'tester' });
      expect(accepted.status).toBe('partial');
      const stored = await store.getRun(summary.runId);
      expect(stored).toMatchObject({ status: 'partial', error: expect.stringMatching(/still moving on the last of 3 passes .*: meetings may be missing/) as unknown });
      await expectNextRunReachesBack(store, fake, coveredTo);
    });
  });

  it('ends a resumed run partial when the segment it resumed was still moving on its last pass, as catch-up reads the run: its window uncovered', async () => {
    await withHouseFake(backend, async (fake, store, house) => {
      const coveredTo = await storeCoveringRun(store, fake);
      keepMoving(fake, house);
      const moving = fake.override!;
      // Stopped once the house listing, still moving on its third pass, is done: as the senate's is asked for.
      const controller = new AbortController();
      fake.override = (request) => {
        if (!request.path.endsWith('/senate')) return moving(request);
        controller.abort();
        return { hang: true };
      };
      const source = () => fakeCongressSource(fake, () => NOW, { lookbackDays: 7 });
      const stopped = await runUpdate({ store, source: source(), task: TASK, signal: controller.signal, clock: () => NOW });
      expect(stopped.status).toBe('interrupted');
      expect(listingIncomplete(stopped.sourceWarnings)).toBeDefined();

      fake.override = null;
      const resumed = await runUpdate({ store, source: source(), task: TASK, resumeRunId: stopped.runId, clock: () => NOW });
      expect(resumed.status).toBe('partial');
      expect(resumed.error).toMatch(/^Congress.gov's listing was still moving on the last of 3 passes over committee-meeting\/119\/house: meetings may be missing/);
      await expectNextRunReachesBack(store, fake, coveredTo);
    });
  });

  it('exits 3 from `gatehouse update` when the listing is still moving on its last pass, so an automation sees meetings may be missing', async () => {
    // The CLI reads the real clock: the feed is dated from it.
    const recent = new Date(Date.now() - 3_600_000).toISOString();
    const house = IDS.map((id) => hearingRecord(id, { updateDate: recent }));
    const fake = await startFakeCongress({ house }, { pageSize: 2 });
    try {
      let next = 320090;
      fake.override = (request) => {
        if (secondPage(request)) house.unshift(hearingRecord(next++, { updateDate: recent }));
        return undefined;
      };
      const db = await backend.freshLocation();
      const cli = await startCli(['update', '--db', db, '--source', `congress:${fake.baseUrl}`, '--no-snapshot', '--json'], { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }).done;
      expect(cli.code, cli.stderr).toBe(3);
      const summary = JSON.parse(cli.stdout) as RunSummary;
      expect(summary.status).toBe('partial');
      expect(summary.sourceWarnings?.find((warning) => warning.code === 'LISTING_MOVED')?.windowCovered).toBe(false);

      // Every record accounted for, so the counts in `runs list` look clean: its `why` says what made the run partial.
      const [table, listed] = await Promise.all([startCli(['runs', 'list', '--db', db]).done, startCli(['runs', 'list', '--db', db, '--json']).done]);
      expect(table.stdout.split('\n')[0]).toMatch(/ verdict +why$/);
      expect(table.stdout.split('\n')[1]).toMatch(/ partial .* listing incomplete, meetings may be missing$/);
      const [row] = JSON.parse(listed.stdout) as Record<string, unknown>[];
      expect(Object.entries(row!).at(-1)).toEqual(['statusReasons', [{ code: 'LISTING_INCOMPLETE', message: 'listing incomplete, meetings may be missing' }]]);
    } finally {
      await fake.close();
    }
  });

  it('quarantines a listed meeting whose detail answers 404 as deleted or moved since it was listed', async () => {
    const house = IDS.slice(0, 2).map((id) => hearingRecord(id, { updateDate: RECENT }));
    const fake = await startFakeCongress({ house }, { pageSize: 2 });
    try {
      await withFreshStore(backend, async (store) => {
        fake.override = (request) => (isDetailRequest(request) && request.path.endsWith('/320002') ? { status: 404, body: { error: 'not found' } } : undefined);
        const run = await updateFromFakeCongress(store, fake, NOW);
        expect(run.status).toBe('partial');
        const [entry] = await store.listQuarantine({ runId: run.runId });
        expect(entry!.reasons).toEqual([expect.objectContaining({ code: 'FETCH_FAILED', message: expect.stringMatching(/^detail of meeting 320002 could not be fetched: it was deleted or moved since it was listed \(GET .* answered HTTP 404/) as unknown })]);
      });
    } finally {
      await fake.close();
    }
  });
});
