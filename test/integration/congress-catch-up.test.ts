import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Notifier, runFlaggedUpdate, type DeliveredNotification } from '../../main/scheduler/index.js';
import { createCongressSource, RequestRateLimiter } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent, RunStatus, SourceWindow } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
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
const TASK = 'daily-congress';

/** One meeting updated `days` ago, known by that number. */
const meetingUpdated = (days: number) => hearingRecord(200000 + days, { updateDate: daysAgo(days) });
const FEED = { house: [3, 10, 20, 80, 100].map(meetingUpdated) };

function congressSource(server: FakeCongress) {
  return createCongressSource({
    baseUrl: server.baseUrl, apiKey: FAKE_API_KEY, description: `congress:${server.baseUrl}`, lookbackDays: 7,
    now: () => NOW, sleep: async () => {}, limiter: new RequestRateLimiter({ clock: () => NOW }), maxRetries: 1,
  });
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

async function runTaskNow(store: Store, server: FakeCongress) {
  const events: RunEvent[] = [];
  const sent: DeliveredNotification[] = [];
  const notifier = new Notifier({ store: null, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] });
  const { summary } = await runFlaggedUpdate({ store, source: congressSource(server), task: TASK, notifier, clock: () => NOW, onEvent: (e) => events.push(e), snapshots: false });
  const stored = await store.getRun(summary.runId);
  // The meetings whose detail the run fetched: those the feed listed inside the window asked for.
  const fetched = server.requests.map((r) => r.path.split('/')).filter((parts) => parts.length === 6).map((parts) => Number(parts[5]) - 200000);
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
      expect(run.stored?.sourceWindow).toMatchObject({ from: daysAgo(12), to: NOW.toISOString() });
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
      expect(run.warnings[0]!.message).toContain(`run, ${last},`);
      expect(run.sent.filter((n) => n.cause === 'coverage-gap')).toEqual([
        expect.objectContaining({ subject: TASK, level: 'error', runId: run.summary.runId, body: expect.stringContaining('gatehouse update --source file:PATH') }),
      ]);
      expect(run.sent.find((n) => n.cause === 'coverage-gap')?.body).toContain(span);
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
    await pastRun(seeded, server, 'success', { from: ago(19), to: ago(12), congress: null }).finally(() => seeded.close());
    const cli = await startCli(['update', '--db', location, '--source', `congress:${server.baseUrl}`, '--task', TASK, '--no-snapshot'], { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }).done;
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`listed: updates from ${ago(12)} to `);
    const store = await backend.open(location);
    try {
      const [run] = await store.listRuns({ task: TASK, limit: 1 });
      expect(run?.metrics.fetched).toBe(2);
      expect(run?.sourceWindow?.from).toBe(ago(12));
    } finally {
      await store.close();
    }
  });
});
