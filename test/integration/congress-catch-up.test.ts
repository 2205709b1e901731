import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catchUpTask, Notifier, runFlaggedUpdate, type DeliveredNotification } from '../../main/scheduler/index.js';
import { CATCH_UP_OVERLAP_MS, congressesSitting } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent, RunStatus, SourceWindow } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { fakeCongressSource, FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { countedQueries } from '../helpers/counted-queries.js';
import { hearingRecord } from '../helpers/records.js';
import { startCli } from '../helpers/cli.js';

/**
 * A Congress.gov task lists now − lookback … now, and the scheduler fires only the latest of the
 * runs it missed: runs missed for longer than the lookback left the days between unlisted, for good
 * and without a word. A task's run now reaches back to where its last covering run's window ended
 * (up to 90 days), and says so loudly when even that leaves a span unlisted.
 */
const DAY_MS = 86_400_000;
const NOW = new Date('2025-06-15T07:00:00Z');
const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY_MS).toISOString();
/** Where a catch-up after a run whose window ended at `end` starts listing: the overlap before it. */
const overlapBefore = (end: string): string => new Date(Date.parse(end) - CATCH_UP_OVERLAP_MS).toISOString();
const TASK = 'daily-congress';

/** One meeting updated `days` ago, known by that number. */
const meetingUpdated = (days: number) => hearingRecord(200000 + days, { updateDate: daysAgo(days) });
const FEED = { house: [3, 10, 20, 80, 100].map(meetingUpdated) };

function congressSource(server: FakeCongress, options: { now?: Date; congress?: number } = {}) {
  const now = options.now ?? NOW;
  return fakeCongressSource(server, () => now, { lookbackDays: 7, congress: options.congress });
}

/** A finished run of the task as the store keeps it, with the window it recorded. */
async function pastRun(store: Store, server: FakeCongress, status: RunStatus, sourceWindow: SourceWindow, startedDaysAgo = 30): Promise<number> {
  const startedAt = daysAgo(startedDaysAgo);
  const runId = await store.createRun({
    mode: 'batch', batchSize: 50, task: TASK, source: `congress:${server.baseUrl}`, startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null, sourceWindow,
  });
  await store.finishRun(runId, {
    status, finishedAt: startedAt, metrics: { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 },
    batchCounts: { total: 0, succeeded: 0, failed: 0, isolated: 0 }, validation: null, error: status === 'failed' ? 'source unreachable' : null,
  });
  return runId;
}

const windowEndingDaysAgo = (days: number): SourceWindow => ({ from: daysAgo(days + 7), to: daysAgo(days), congress: 119, congresses: [119] });

/** A window as a default run records it: every Congress sitting in it listed. */
function listedWindow(from: string, to: string): SourceWindow {
  const congresses = congressesSitting({ from: new Date(from), to: new Date(to) });
  return { from, to, congress: congresses.at(-1)!, congresses };
}

/** `gatehouse update --task` over the fake feed (the CLI reads the real clock). */
function updateFromCli(location: string, server: FakeCongress, extra: string[] = []) {
  const args = ['update', '--db', location, '--source', `congress:${server.baseUrl}`, '--task', TASK, '--no-snapshot', ...extra];
  return startCli(args, { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }).done;
}

async function runTaskNow(store: Store, server: FakeCongress, options: { now?: Date; congress?: number } = {}) {
  const events: RunEvent[] = [];
  const sent: DeliveredNotification[] = [];
  const notifier = new Notifier({ store: null, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] });
  const clock = () => options.now ?? NOW;
  const source = congressSource(server, options);
  const requestsBefore = server.requests.length;
  const { summary } = await runFlaggedUpdate({ store, source, task: TASK, notifier, clock, onEvent: (e) => events.push(e), snapshots: false });
  const stored = await store.getRun(summary.runId);
  // The meetings whose detail the run fetched: those the feed listed inside the window asked for.
  const fetched = server.requests.slice(requestsBefore).map((r) => r.path.split('/')).filter((parts) => parts.length === 6).map((parts) => Number(parts[5]) - 200000);
  const warnings = events.filter((e): e is Extract<RunEvent, { type: 'warning' }> => e.type === 'warning');
  return { summary, stored, fetchedDaysAgo: fetched.sort((a, b) => a - b), warnings, sent };
}

describe.each(testBackends())('a Congress.gov task after missed runs, on $name', (backend) => {
  let server: FakeCongress;
  beforeEach(async () => {
    server = await startFakeCongress(FEED, { honourDates: true });
  });
  afterEach(() => server.close());
  afterAll(() => backend.cleanup());

  it('reaches back to where its last covering run ended 12 days ago, past a newer failed and a rolled-back run, and records that window', async () => {
    await withFreshStore(backend, async (store) => {
      await pastRun(store, server, 'success', windowEndingDaysAgo(12));
      await pastRun(store, server, 'failed', windowEndingDaysAgo(6));
      await pastRun(store, server, 'rolled_back', windowEndingDaysAgo(5));
      const run = await runTaskNow(store, server);
      expect(run.summary.status).toBe('success');
      expect(run.fetchedDaysAgo).toEqual([3, 10]);
      expect(run.stored?.sourceWindow).toMatchObject({ from: overlapBefore(daysAgo(12)), to: NOW.toISOString() });
      expect(run.warnings).toEqual([]);
      expect(run.sent.filter((n) => n.cause === 'coverage-gap')).toEqual([]);
    });
  });

  it('runs a gap beyond 90 days with the 90-day cap, and warns and notifies with the span no run listed', async () => {
    await withFreshStore(backend, async (store) => {
      const last = await pastRun(store, server, 'partial', windowEndingDaysAgo(120));
      const run = await runTaskNow(store, server);
      expect(run.summary.status).toBe('success');
      expect(run.fetchedDaysAgo).toEqual([3, 10, 20, 80]);
      expect(run.stored?.sourceWindow).toMatchObject({ from: daysAgo(90), to: NOW.toISOString() });
      const span = `from ${daysAgo(120)} to ${daysAgo(90)}`;
      expect(run.warnings).toEqual([expect.objectContaining({ runId: run.summary.runId, cause: 'coverage-gap', message: expect.stringContaining(span) })]);
      expect(run.warnings[0]).toMatchObject({ task: TASK, level: 'error' });
      expect(run.warnings[0]!.message).toContain(`run, ${last},`);
      expect(run.sent.filter((n) => n.cause === 'coverage-gap')).toEqual([
        expect.objectContaining({
          subject: TASK, level: 'error', runId: run.summary.runId, title: `Gatehouse: task ${TASK} cannot list every missed day`, body: expect.stringContaining('gatehouse update --source file:PATH'),
        }),
      ]);
      expect(run.sent.find((n) => n.cause === 'coverage-gap')?.body).toContain(span);
    });
  });

  it('does not count a `--congress` run of another Congress as covering: the next run reaches back past it', async () => {
    await withFreshStore(backend, async (store) => {
      await pastRun(store, server, 'success', windowEndingDaysAgo(12));
      const named = await runTaskNow(store, server, { now: new Date(Date.parse(daysAgo(2))), congress: 117 });
      expect(named.stored?.sourceWindow).toMatchObject({ to: daysAgo(2), congresses: [117] });
      const run = await runTaskNow(store, server);
      expect(run.fetchedDaysAgo).toEqual([3, 10]);
      expect(run.stored?.sourceWindow).toMatchObject({ from: overlapBefore(daysAgo(12)), to: NOW.toISOString() });
      expect(run.warnings).toEqual([]);
    });
  });

  it('pages back past more than a page of runs that did not list every Congress, or name none, to the last that did', async () => {
    await withFreshStore(backend, async (store) => {
      await pastRun(store, server, 'partial', windowEndingDaysAgo(12));
      for (let i = 0; i < 25; i++) {
        const listedPart = i % 3 === 0 ? { ...windowEndingDaysAgo(2), congress: null, congresses: [] } : { ...windowEndingDaysAgo(2), congress: 118, congresses: [118] };
        await pastRun(store, server, 'success', listedPart);
      }
      const run = await runTaskNow(store, server);
      expect(run.fetchedDaysAgo).toEqual([3, 10]);
      expect(run.stored?.sourceWindow).toMatchObject({ from: overlapBefore(daysAgo(12)) });
    });
  });

  describe('looks for a covering run no further back than the 90-day horizon', () => {
    /** A run of `--congress 117` that ended `days` ago: it covered nothing. */
    const ofAnotherCongress = (days: number): SourceWindow => ({ from: daysAgo(days + 1), to: daysAgo(days), congress: 117, congresses: [117] });
    /** The task's catch-up as a new run would make it, with the rows its lookup read from the store. */
    async function catchUpCounted(store: Store) {
      const { result, statements } = await countedQueries(store, () => catchUpTask(store, congressSource(server), TASK));
      return { warning: result.warning, rowsRead: statements.reduce((sum, statement) => sum + statement.rows, 0) };
    }

    it('reads one run past the horizon, not months of runs that listed another Congress, and warns that the gap may begin earlier', async () => {
      await withFreshStore(backend, async (store) => {
        await pastRun(store, server, 'success', listedWindow(daysAgo(207), daysAgo(200)), 200);
        for (let days = 180; days > 100; days--) await pastRun(store, server, 'success', ofAnotherCongress(days), days);
        expect((await catchUpCounted(store)).rowsRead).toBe(1);
        const run = await runTaskNow(store, server);
        expect(run.summary.status).toBe('success');
        expect(run.stored?.sourceWindow).toMatchObject({ from: daysAgo(90), to: NOW.toISOString() });
        expect(run.warnings).toEqual([expect.objectContaining({ cause: 'coverage-gap', level: 'error', message: expect.stringContaining(`from ${daysAgo(101)} to ${daysAgo(90)}`) })]);
        expect(run.warnings[0]!.message).toContain('no run in the last 90 days listed every Congress sitting');
        expect(run.warnings[0]!.message).toContain('the span may begin earlier');
      });
    });

    it('names the newest run past the horizon as the last covering run when it listed every Congress, past runs newer than the horizon that did not', async () => {
      await withFreshStore(backend, async (store) => {
        for (let days = 160; days > 100; days--) await pastRun(store, server, 'success', ofAnotherCongress(days), days);
        const last = await pastRun(store, server, 'success', listedWindow(daysAgo(102), daysAgo(95)), 95);
        for (let days = 80; days > 50; days--) await pastRun(store, server, 'success', ofAnotherCongress(days), days);
        // The 30 runs since the horizon, a page at a time, then the one before it.
        expect((await catchUpCounted(store)).rowsRead).toBe(31);
        const run = await runTaskNow(store, server);
        expect(run.warnings).toEqual([expect.objectContaining({ message: expect.stringContaining(`from ${daysAgo(95)} to ${daysAgo(90)}`) })]);
        expect(run.warnings[0]!.message).toContain(`(the last covering run, ${last}, ended at ${daysAgo(95)})`);
      });
    });
  });

  it('lists again the last hour of the covered window: a meeting shown late is added, one listed before counts unchanged', async () => {
    const coveredEnd = daysAgo(12);
    const beforeEnd = (minutes: number) => new Date(Date.parse(coveredEnd) - minutes * 60_000).toISOString();
    const house = [meetingUpdated(3), meetingUpdated(10), hearingRecord(300020, { updateDate: beforeEnd(20) })];
    await server.close();
    server = await startFakeCongress({ house }, { honourDates: true });
    await withFreshStore(backend, async (store) => {
      const first = await runTaskNow(store, server, { now: new Date(Date.parse(coveredEnd)) });
      expect(first.summary.metrics).toMatchObject({ fetched: 1, added: 1 });
      // Dated before the first run's window ended, but the feed showed it only after that run.
      house.push(hearingRecord(300030, { updateDate: beforeEnd(30) }));
      const run = await runTaskNow(store, server);
      expect(run.stored?.sourceWindow).toMatchObject({ from: overlapBefore(coveredEnd), to: NOW.toISOString() });
      expect(run.summary.metrics).toMatchObject({ fetched: 4, added: 3, updated: 0, unchanged: 1, quarantined: 0 });
    });
  });

  it('lists the plain lookback on a first run (no covering run: only an interrupted one)', async () => {
    await withFreshStore(backend, async (store) => {
      await pastRun(store, server, 'interrupted', windowEndingDaysAgo(30));
      const run = await runTaskNow(store, server);
      expect(run.fetchedDaysAgo).toEqual([3]);
      expect(run.stored?.sourceWindow).toMatchObject({ from: daysAgo(7), to: NOW.toISOString() });
      expect(run.warnings).toEqual([]);
    });
  });

  it('falls back to the plain lookback with a warning when the last run\'s recorded window cannot be read', async () => {
    await withFreshStore(backend, async (store) => {
      const last = await pastRun(store, server, 'success', { from: 'last Tuesday', to: 'not a date' });
      const run = await runTaskNow(store, server);
      expect(run.summary.status).toBe('success');
      expect(run.fetchedDaysAgo).toEqual([3]);
      expect(run.stored?.sourceWindow).toMatchObject({ from: daysAgo(7) });
      expect(run.warnings).toEqual([expect.objectContaining({ cause: 'coverage-gap', message: expect.stringContaining(`run ${last}'s recorded window cannot be read`) })]);
      expect(run.sent.filter((n) => n.cause === 'coverage-gap')).toHaveLength(1);
    });
  });

  it('reaches back from `gatehouse update --task` too, and records the window it listed', async () => {
    // The CLI reads the real clock: the feed is dated from it, and the window asserted is the one the run recorded.
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY_MS).toISOString();
    await server.close();
    server = await startFakeCongress({ house: [3, 10, 20].map((days) => hearingRecord(300000 + days, { updateDate: ago(days) })) }, { honourDates: true });
    const location = await backend.freshLocation();
    const seeded = await backend.open(location);
    await pastRun(seeded, server, 'success', listedWindow(ago(19), ago(12))).finally(() => seeded.close());
    const cli = await updateFromCli(location, server);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`listed: updates from ${overlapBefore(ago(12))} to `);
    const store = await backend.open(location);
    try {
      const [run] = await store.listRuns({ task: TASK, limit: 1 });
      expect(run?.metrics.fetched).toBe(2);
      expect(run?.sourceWindow?.from).toBe(overlapBefore(ago(12)));
    } finally {
      await store.close();
    }
  });

  it('reaches back past a `gatehouse update --task --congress` of another Congress: that run covered nothing', async () => {
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY_MS).toISOString();
    const location = await backend.freshLocation();
    const seeded = await backend.open(location);
    await pastRun(seeded, server, 'success', listedWindow(ago(19), ago(12))).finally(() => seeded.close());
    const named = await updateFromCli(location, server, ['--congress', '117']);
    expect(named.code, named.stderr).toBe(0);
    const cli = await updateFromCli(location, server);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`listed: updates from ${overlapBefore(ago(12))} to `);
  });

  it('says a gap beyond 90 days once on the terminal from `gatehouse update --task`, besides its notification', async () => {
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY_MS).toISOString();
    const location = await backend.freshLocation();
    const seeded = await backend.open(location);
    await pastRun(seeded, server, 'success', listedWindow(ago(127), ago(120))).finally(() => seeded.close());
    const cli = await updateFromCli(location, server);
    expect(cli.code, cli.stderr).toBe(0);
    const lines = cli.stderr.split('\n');
    expect(lines.filter((line) => line.includes('were listed by no run') && !line.includes('cannot list every missed day')), cli.stderr).toHaveLength(1);
    expect(lines.filter((line) => line.includes(`task ${TASK} cannot list every missed day`)), cli.stderr).toHaveLength(1);
  });
});
