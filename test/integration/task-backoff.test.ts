import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { addTask, type DeliveredNotification, editTask, Notifier, requireTask, runTask, Scheduler, taskView, type TickEntry } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { hearingRecords, stallingSource } from '../helpers/records.js';

/** A clock the test moves by hand: no sleeping. */
function manualClock(start: string) {
  let now = new Date(start);
  return { clock: () => new Date(now), set: (iso: string) => (now = new Date(iso)) };
}

/** A task's file source, which the test takes away (the source is down) and puts back. */
function fileSource() {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-backoff-'));
  const file = path.join(folder, 'meetings.json');
  let batch = 0;
  return {
    spec: `file:${file}`,
    up: () => fs.writeFileSync(file, JSON.stringify(hearingRecords(3, 5_000 + 10 * batch++))),
    down: () => fs.rmSync(file, { force: true }),
    cleanup: () => fs.rmSync(folder, { recursive: true, force: true }),
  };
}

function schedulerOn(store: Store, clock: () => Date) {
  return new Scheduler({ store, clock, log: () => {}, runTask: (task, request) => runTask(store, task, { clock }, request) });
}

/** Ticks at each time in turn; returns what the task did at each, 'ran:<status>', 'failed' or the skip reason. */
async function tickAt(scheduler: Scheduler, time: ReturnType<typeof manualClock>, times: string[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (const at of times) {
    time.set(at);
    const entries: TickEntry[] = (await scheduler.tick()).entries;
    outcomes.push(entries.map((e) => (e.outcome === 'ran' ? `ran:${e.status}` : e.outcome === 'failed' ? 'failed' : e.reason)).join(',') || 'nothing');
  }
  return outcomes;
}

/** Every 5 minutes from `from` (HH:MM on 1 March 2026), `count` of them, 30 s past each. */
function everyFiveMinutes(from: string, count: number): string[] {
  const start = Date.parse(`2026-03-01T${from}:30Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 5 * 60_000).toISOString());
}

describe.each(testBackends())('a failing task backs off on $name', (backend) => {
  const sources: ReturnType<typeof fileSource>[] = [];
  afterEach(() => sources.splice(0).forEach((source) => source.cleanup()));
  afterAll(() => backend.cleanup());

  it('skips 1, then 3, then 7 of its times while its source is down, says so in tasks list and show, and runs every time again once one works', async () => {
    await withFreshStore(backend, async (store) => {
      const source = fileSource();
      sources.push(source);
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'five-min', cron: '*/5 * * * *', source: source.spec }, time.clock());
      const scheduler = schedulerOn(store, time.clock);
      source.down();
      const outcomes = await tickAt(scheduler, time, everyFiveMinutes('00:05', 8));
      const backingOff = (failures: number, retry: string) => `backing off after ${failures} failures in a row; next try 2026-03-01T${retry}:00.000Z`;
      expect(outcomes).toEqual([
        'failed', // 00:05, a first failure: tried at the next time
        'failed', // 00:10, the second: one time skipped
        backingOff(2, '00:20'),
        'failed', // 00:20, the third: three skipped
        backingOff(3, '00:40'),
        backingOff(3, '00:40'),
        backingOff(3, '00:40'),
        'failed', // 00:40, the fourth: seven skipped, next try 01:20
      ]);
      const task = await requireTask(store, 'five-min');
      expect(task).toMatchObject({ consecutiveFailures: 4, retryAt: '2026-03-01T01:20:00.000Z', lastFiredAt: '2026-03-01T00:40:00.000Z' });
      // The view every caller shows: the next run is the retry, not 00:45.
      expect(taskView(task, time.clock())).toMatchObject({ nextRunAt: '2026-03-01T01:20:00.000Z', consecutiveFailures: 4, retryAt: '2026-03-01T01:20:00.000Z' });

      // The source is back: the retry runs (the skipped times are not reported as missed), and the task runs at every time again.
      source.up();
      time.set('2026-03-01T01:20:30Z');
      const report = await scheduler.tick();
      expect(report.entries).toMatchObject([{ outcome: 'ran', status: 'success', scheduledFor: '2026-03-01T01:20:00.000Z' }]);
      expect(report.missed).toEqual([]);
      expect(await requireTask(store, 'five-min')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
      expect(await tickAt(scheduler, time, ['2026-03-01T01:25:30Z'])).toEqual(['ran:success']);
    });
  });

  it('never waits more than 6 hours past the last failure, however many came before', async () => {
    await withFreshStore(backend, async (store) => {
      const source = fileSource();
      sources.push(source);
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'hourly', cron: '0 * * * *', source: source.spec }, time.clock());
      const scheduler = schedulerOn(store, time.clock);
      source.down();
      // Hourly: the retries come after 1, 2, 4 and 8 hours; the 8 is capped to 6.
      const hours = ['01', '02', '04', '08', '14', '20'].map((h) => `2026-03-01T${h}:00:30Z`);
      expect(await tickAt(scheduler, time, hours)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'failed']);
      expect(await requireTask(store, 'hourly')).toMatchObject({ consecutiveFailures: 6, retryAt: '2026-03-02T02:00:00.000Z' });
    });
  });

  it('a daily task that fails is tried again at its next time: it has nothing to skip under the cap, and is not said to back off', async () => {
    await withFreshStore(backend, async (store) => {
      const source = fileSource();
      sources.push(source);
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: source.spec }, time.clock());
      const scheduler = schedulerOn(store, time.clock);
      source.down();
      expect(await tickAt(scheduler, time, ['2026-03-01T06:00:30Z', '2026-03-02T06:00:30Z', '2026-03-03T06:00:30Z'])).toEqual(['failed', 'failed', 'failed']);
      expect(await requireTask(store, 'daily')).toMatchObject({ consecutiveFailures: 3, retryAt: null });
    });
  });

  it('a start refused because another writer holds the lock does not count toward the backoff: the task tries at its next time, and the notice and log say when', async () => {
    const location = await backend.freshLocation();
    const [store, holder] = [await backend.open(location), await backend.open(location)];
    try {
      const source = fileSource();
      sources.push(source);
      source.up();
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'five-min', cron: '*/5 * * * *', source: source.spec }, time.clock());
      const sent: DeliveredNotification[] = [];
      const lines: string[] = [];
      // No throttle (store null): every notice the scheduler sends is seen.
      const notifier = new Notifier({ store: null, clock: time.clock, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] });
      const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: (line) => lines.push(line), runTask: (task, request) => runTask(store, task, { clock: time.clock }, request) });
      // An operator's long update holds the writer lock over three of the task's times.
      const held = await holder.acquireWriterLock({ runId: null, pid: process.pid, host: 'ops-laptop', operator: 'ada' }, { now: time.clock(), staleAfterMs: 24 * 3_600_000 });
      expect(held.acquired).toBe(true);
      const outcomes: string[] = [];
      for (const at of everyFiveMinutes('00:05', 3)) {
        // Its heartbeat kept fresh, as the holder's own would be: a stale one is taken over.
        time.set(at);
        await holder.heartbeat(time.clock(), null);
        outcomes.push(...(await tickAt(scheduler, time, [at])));
      }
      expect(outcomes).toEqual(['failed', 'failed', 'failed']);
      expect(await requireTask(store, 'five-min')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
      expect(sent.map((n) => n.body)).toEqual(['00:10', '00:15', '00:20'].map((next) => expect.stringMatching(new RegExp(`holds .*Next try 2026-03-01T${next}:00.000Z \\(another writer holding the lock does not count toward the task's backoff\\)$`))));
      const failedLines = lines.map((line) => JSON.parse(line)).filter((line) => line.event === 'task-failed');
      expect(failedLines.at(-1)).toMatchObject({ nextTry: '2026-03-01T00:20:00.000Z', backoff: 'not counted: another writer held the writer lock' });
      expect(lines.some((line) => line.includes('task-backing-off'))).toBe(false);
      // The writer finishes: the next time runs.
      await holder.releaseWriterLock();
      expect(await tickAt(scheduler, time, everyFiveMinutes('00:20', 1))).toEqual(['ran:success']);

      // A real failure still backs off, and its notice gives the retry.
      source.down();
      expect(await tickAt(scheduler, time, everyFiveMinutes('00:25', 2))).toEqual(['failed', 'failed']);
      expect(sent.at(-2)!.body).toMatch(/Next try 2026-03-01T00:30:00.000Z$/);
      expect(sent.at(-1)!.body).toMatch(/Next try 2026-03-01T00:40:00.000Z$/);
      expect(await requireTask(store, 'five-min')).toMatchObject({ consecutiveFailures: 2, retryAt: '2026-03-01T00:40:00.000Z' });
    } finally {
      await holder.close();
      await store.close();
    }
  });

  it('an edit of the task ends its backoff: the next time tries the fixed source', async () => {
    await withFreshStore(backend, async (store) => {
      const [broken, fixed] = [fileSource(), fileSource()];
      sources.push(broken, fixed);
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'five-min', cron: '*/5 * * * *', source: broken.spec }, time.clock());
      const scheduler = schedulerOn(store, time.clock);
      expect(await tickAt(scheduler, time, everyFiveMinutes('00:05', 3))).toEqual(['failed', 'failed', 'backing off after 2 failures in a row; next try 2026-03-01T00:20:00.000Z']);
      fixed.up();
      await editTask(store, 'five-min', { source: fixed.spec }, time.clock(), 'ops');
      expect(await requireTask(store, 'five-min')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
      expect(await tickAt(scheduler, time, everyFiveMinutes('00:20', 1))).toEqual(['ran:success']);
    });
  });

  it('the API\'s tasks.run (the console\'s Run now) ends the backoff', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const source = fileSource();
      sources.push(source);
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'five-min', cron: '*/5 * * * *', source: source.spec }, time.clock());
      source.down();
      expect(await tickAt(schedulerOn(store, time.clock), time, everyFiveMinutes('00:05', 2))).toEqual(['failed', 'failed']);
      expect(await requireTask(store, 'five-min')).toMatchObject({ consecutiveFailures: 2, retryAt: '2026-03-01T00:20:00.000Z' });
      source.up();
      const { runId } = await createApi({ store, engine, transport: 'http' })['tasks.run']({ name: 'five-min' }, tester);
      expect(await requireTask(store, 'five-min')).toMatchObject({ consecutiveFailures: 0, retryAt: null, lastRunId: runId });
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('a run the scheduler\'s own shutdown interrupted is no failure of the task', async () => {
    await withFreshStore(backend, async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'five-min', cron: '*/5 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      const shutdown = new AbortController();
      const { source, stalled, resume } = stallingSource(hearingRecords(200), 120);
      const scheduler = new Scheduler({
        store, clock: time.clock, log: () => {}, signal: shutdown.signal,
        runTask: (task, request) => runTask(store, task, { clock: time.clock, signal: shutdown.signal, openTaskSource: async () => source }, request),
      });
      time.set('2026-03-01T00:05:30Z');
      const ticking = scheduler.tick();
      await stalled;
      shutdown.abort('the scheduler shut down');
      resume();
      expect((await ticking).entries).toMatchObject([{ outcome: 'ran', status: 'interrupted' }]);
      expect(await requireTask(store, 'five-min')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
    });
  });

  it('two schedulers sharing the database agree on the backoff: neither runs a skipped time, one runs the retry', async () => {
    const location = await backend.freshLocation();
    const stores = [await backend.open(location), await backend.open(location)];
    try {
      const source = fileSource();
      sources.push(source);
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(stores[0]!, { name: 'five-min', cron: '*/5 * * * *', source: source.spec }, time.clock());
      const [first, second] = stores.map((store) => schedulerOn(store, time.clock));
      source.down();
      // The first scheduler's two failures put the task in backoff; the second finds it there.
      expect(await tickAt(first!, time, everyFiveMinutes('00:05', 2))).toEqual(['failed', 'failed']);
      expect(await tickAt(second!, time, everyFiveMinutes('00:15', 1))).toEqual(['backing off after 2 failures in a row; next try 2026-03-01T00:20:00.000Z']);
      expect(await tickAt(first!, time, everyFiveMinutes('00:15', 1))).toEqual(['nothing']);
      source.up();
      time.set('2026-03-01T00:20:30Z');
      const reports = [await second!.tick(), await first!.tick()];
      expect(reports.flatMap((r) => r.entries).map((e) => e.outcome)).toEqual(['ran']);
      expect((await stores[0]!.listRuns({})).map((run) => run.status)).toEqual(['success']);
      expect(await requireTask(stores[1]!, 'five-min')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('`gatehouse scheduler --once` exits with what its tick came to: 4 a task failed, 5 only the lock was held, 3 a partial run, 0 all ran', async () => {
    // In real time, as the CLI reads it: each database's task is every minute and was added two minutes back, so one time is due.
    const twoMinutesBack = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
    async function onceWith(spec: string, holdLock = false) {
      const location = await backend.freshLocation();
      const store = await backend.open(location);
      try {
        await addTask(store, { name: 'every-minute', cron: '*/1 * * * *', source: spec, allowFrequent: true }, twoMinutesBack);
        if (holdLock) expect((await store.acquireWriterLock({ runId: null, pid: process.pid, host: 'ops-laptop', operator: 'ada' }, { now: new Date(), staleAfterMs: 3_600_000 })).acquired).toBe(true);
        const once = runCli(['scheduler', '--once', '--json', '--db', location]);
        return { code: once.code, entries: (JSON.parse(once.stdout) as { entries: TickEntry[] }).entries, stderr: once.stderr };
      } finally {
        await store.close();
      }
    }
    const missing = fileSource();
    sources.push(missing);
    const failed = await onceWith(missing.spec);
    expect(failed, failed.stderr).toMatchObject({ code: 4, entries: [{ outcome: 'failed', error: expect.stringContaining('cannot read') }] });
    const locked = await onceWith('synthetic:seed=1,count=5', true);
    expect(locked, locked.stderr).toMatchObject({ code: 5, entries: [{ outcome: 'failed', code: 'LOCK_HELD', nextTry: expect.any(String) }] });
    const partial = await onceWith('synthetic:seed=3,count=20,invalid=bad-date:0.2');
    expect(partial, partial.stderr).toMatchObject({ code: 3, entries: [{ outcome: 'ran', status: 'partial' }] });
    const ran = await onceWith('synthetic:seed=1,count=5');
    expect(ran, ran.stderr).toMatchObject({ code: 0, entries: [{ outcome: 'ran', status: 'success' }] });
  }, 60_000);

  it('`gatehouse tasks list` and `tasks show` say a task backs off, and `tasks run` ends it', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const source = fileSource();
      sources.push(source);
      // In real time, so the CLI (which reads the real clock) sees the retry ahead: the task is every minute, its failures a minute apart up to now.
      const now = new Date();
      const minute = (back: number) => new Date(Math.floor(now.getTime() / 60_000) * 60_000 - back * 60_000);
      await addTask(store, { name: 'every-minute', cron: '*/1 * * * *', source: source.spec, allowFrequent: true }, minute(2));
      const time = manualClock(minute(1).toISOString());
      const scheduler = schedulerOn(store, time.clock);
      source.down();
      expect(await tickAt(scheduler, time, [minute(1), minute(0)].map((t) => new Date(t.getTime() + 1_000).toISOString()))).toEqual(['failed', 'failed']);
      // Two failures in a row, the second at the start of this minute: one time skipped, the next try after it, still ahead.
      const retryAt = new Date(minute(0).getTime() + 2 * 60_000).toISOString();
      const shown = runCli(['tasks', 'show', 'every-minute', '--json', '--db', location]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ consecutiveFailures: 2, retryAt });
      const listed = runCli(['tasks', 'list', '--db', location]);
      expect(listed.stdout).toContain(`backing off after 2 failures in a row; next try ${retryAt}`);
      expect(JSON.parse(runCli(['tasks', 'list', '--json', '--db', location]).stdout)).toMatchObject([{ name: 'every-minute', consecutiveFailures: 2, retryAt }]);
      // The API the console reads: its task list and the overview's next tasks give the retry, not the next minute.
      const engine = createInProcessEngineHost({ location });
      try {
        const api = createApi({ store, engine, transport: 'http' });
        expect(await api['tasks.list']({}, tester)).toMatchObject([{ name: 'every-minute', consecutiveFailures: 2, retryAt, nextRunAt: retryAt }]);
        expect((await api['overview.get']({ windowDays: 30 }, tester)).nextTasks).toEqual([{ name: 'every-minute', cron: '*/1 * * * *', nextRunAt: retryAt }]);
      } finally {
        await engine.close();
      }

      source.up();
      const ran = runCli(['tasks', 'run', 'every-minute', '--json', '--db', location]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(JSON.parse(runCli(['tasks', 'show', 'every-minute', '--json', '--db', location]).stdout)).toMatchObject({ consecutiveFailures: 0, retryAt: null, lastRunId: JSON.parse(ran.stdout).runId });
      expect(runCli(['tasks', 'list', '--db', location]).stdout).not.toContain('backing off');
    } finally {
      await store.close();
    }
  }, 60_000);
});
