import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFlag, unsetFlag } from '../../main/flags/index.js';
import { addTask, type DeliveredNotification, editTask, Notifier, requireTask, runTask, type ScheduledTask, Scheduler, taskEventView, taskStore, TIMES_COUNTED } from '../../main/scheduler/index.js';
import type { Store, StoreOptions } from '../../main/store/index.js';
import type { RecordSource } from '../../main/sources/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { storeCopies } from '../helpers/store-copies.js';
import { refuseInserts } from '../helpers/refuse-inserts.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';
import { startCli } from '../helpers/cli.js';
import { runsWithACheckpoint } from '../helpers/killed-update.js';
import { fakeCongressSource, isDetailRequest, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';

/** A clock the test moves by hand: no sleeping. */
function manualClock(start: string) {
  let now = new Date(start);
  return { clock: () => new Date(now), set: (iso: string) => (now = new Date(iso)) };
}

function recordingNotifier(store: Store, clock: () => Date) {
  const sent: DeliveredNotification[] = [];
  const notifier = new Notifier({ store, clock, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] });
  return { notifier, sent };
}

/**
 * An hourly Congress.gov task whose run at 06:00:30 on 10 January is interrupted after 80 of the
 * server's meetings: the third list page fails past its retries. The server answers again after.
 */
async function congressTaskInterrupted(store: Store, server: FakeCongress) {
  const time = manualClock('2026-01-10T05:30:00Z');
  await addTask(store, { name: 'congress-hourly', cron: '0 * * * *', source: `congress:${server.baseUrl}` }, time.clock());
  const { notifier, sent } = recordingNotifier(store, time.clock);
  const openTaskSource = async (task: ScheduledTask) => fakeCongressSource(server, time.clock, { description: task.source, lookbackDays: task.lookbackDays });
  const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: () => {}, runTask: (task, request) => runTask(store, task, { notifier, clock: time.clock, openTaskSource }, request) });
  server.override = (request) => (!isDetailRequest(request) && request.query.offset === '80' ? { status: 503 } : undefined);
  time.set('2026-01-10T06:00:30Z');
  const [stopped] = (await scheduler.tick()).entries;
  expect(stopped).toMatchObject({ outcome: 'ran', status: 'interrupted' });
  server.override = null;
  return { time, sent, scheduler, interruptedId: stopped!.outcome === 'ran' ? stopped!.runId : -1 };
}

describe.each(testBackends())('scheduler on $name', (backend) => {
  afterAll(() => backend.cleanup());

  /** A migrated empty database, copied for each test (a fresh PostgreSQL schema's migrations were most of a test's time). */
  let migrated: Promise<() => Promise<string>> | undefined;
  const migratedCopies = () => (migrated ??= storeCopies(backend, async () => {}));
  // Built before the first test, under the hook's time limit rather than that test's.
  beforeAll(async () => void (await migratedCopies()));
  const withStore = async <T>(work: (store: Store) => Promise<T>, options?: StoreOptions) => withStoreAt(backend, await (await migratedCopies())(), work, options);

  function schedulerFor(store: Store, time: ReturnType<typeof manualClock>, runs: string[], notifier?: Notifier) {
    const log: string[] = [];
    const scheduler = new Scheduler({
      store,
      clock: time.clock,
      notifier,
      log: (line) => log.push(line),
      runTask: (task, request) => {
        runs.push(task.name);
        return runTask(store, task, { clock: time.clock, openTaskSource: async () => arraySource(hearingRecords(5, 1000 + runs.length * 10)) }, request);
      },
    });
    return { scheduler, log };
  }

  it('runs a task when its cron time has come, once, with its task name on the run', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T05:30:00Z');
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      const runs: string[] = [];
      const { scheduler } = schedulerFor(store, time, runs);
      expect((await scheduler.tick()).entries).toEqual([]);
      expect((await scheduler.nextWake())!.toISOString()).toBe('2026-03-01T06:00:00.000Z');
      time.set('2026-03-01T06:00:30Z');
      const report = await scheduler.tick();
      expect(report.entries).toMatchObject([{ task: 'daily', outcome: 'ran', scheduledFor: '2026-03-01T06:00:00.000Z', status: 'success' }]);
      expect(report.missed).toEqual([]);
      expect((await scheduler.tick()).entries).toEqual([]);
      expect(runs).toEqual(['daily']);
      const task = await requireTask(store, 'daily');
      expect(task.lastFiredAt).toBe('2026-03-01T06:00:00.000Z');
      expect((await store.getRun(task.lastRunId!))!.task).toBe('daily');
    });
  });

  it('reports runs missed while nothing was running, notifies once, and runs the task once', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'hourly', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      const runs: string[] = [];
      const { notifier, sent } = recordingNotifier(store, time.clock);
      const { scheduler, log } = schedulerFor(store, time, runs, notifier);
      time.set('2026-03-01T05:10:00Z');
      const report = await scheduler.tick();
      expect(report.missed).toEqual([{ task: 'hourly', count: 4, moreThanCount: false, first: '2026-03-01T01:00:00.000Z', last: '2026-03-01T04:00:00.000Z' }]);
      expect(report.entries).toMatchObject([{ outcome: 'ran', scheduledFor: '2026-03-01T05:00:00.000Z' }]);
      expect(runs).toEqual(['hourly']);
      expect(sent.map((n) => n.cause)).toEqual(['missed-runs']);
      expect(sent[0]!.title).toContain('missed 4 scheduled runs');
      expect(log.some((line) => JSON.parse(line).event === 'runs-missed')).toBe(true);
    });
  });

  it('reports the times of a task missed for weeks once, as "more than" the count it stops at, and runs the task once', async () => {
    await withStore(async (store) => {
      // Every minute for three weeks: 30,240 times. Walked one by one (as before), the tick took
      // seconds and reported the newest 9,999 of them as all there were, from the wrong first one.
      const time = manualClock('2026-02-08T00:00:10Z');
      await addTask(store, { name: 'minutely', cron: '* * * * *', source: 'synthetic:seed=1,count=5', allowFrequent: true }, time.clock());
      const runs: string[] = [];
      const { notifier, sent } = recordingNotifier(store, time.clock);
      const { scheduler, log } = schedulerFor(store, time, runs, notifier);
      time.set('2026-03-01T00:00:30Z');
      const report = await scheduler.tick();
      const missed = { task: 'minutely', count: TIMES_COUNTED, moreThanCount: true, first: '2026-02-08T00:01:00.000Z', last: '2026-02-28T23:59:00.000Z' };
      expect(report.missed).toEqual([missed]);
      expect(report.entries).toMatchObject([{ outcome: 'ran', scheduledFor: '2026-03-01T00:00:00.000Z', status: 'success' }]);
      expect(runs).toEqual(['minutely']);
      expect(sent).toMatchObject([{ cause: 'missed-runs', title: `Gatehouse: task minutely missed more than ${TIMES_COUNTED} scheduled runs`, body: `nothing was running to start more than ${TIMES_COUNTED} runs between ${missed.first} and ${missed.last}; running it once now` }]);
      expect(log.map((line) => JSON.parse(line)).filter((line) => line.event === 'runs-missed')).toMatchObject([{ ...missed }]);
      expect((await requireTask(store, 'minutely')).lastFiredAt).toBe('2026-03-01T00:00:00.000Z');
      // The next minute is due as usual, nothing missed.
      time.set('2026-03-01T00:01:30Z');
      expect(await scheduler.tick()).toMatchObject({ entries: [{ outcome: 'ran', scheduledFor: '2026-03-01T00:01:00.000Z' }], missed: [] });
    });
  });

  it('gatehouse scheduler --once catches up on a task last run years ago with one run and one "more than" report', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const cli = { child: null as ReturnType<typeof startCli>['child'] | null };
    try {
      // Added years ago (1.6 million times of its schedule since): the old tick, walking them one by
      // one, outlasted this test's timeout before it said anything; this one answers at once.
      const added = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3 * 365 * 24 * 3_600_000 + 10_000);
      await addTask(store, { name: 'minutely', cron: '* * * * *', source: 'synthetic:seed=1,count=5', allowFrequent: true }, added);
      const scheduler = startCli(['scheduler', '--once', '--json', '--db', location]);
      cli.child = scheduler.child;
      const { code, stdout, stderr } = await scheduler.done;
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout) as { entries: { outcome: string; scheduledFor: string }[]; missed: unknown[] };
      expect(report.missed).toEqual([expect.objectContaining({ task: 'minutely', count: TIMES_COUNTED, moreThanCount: true, first: new Date(added.getTime() + 50_000).toISOString() })]);
      // One run. A run that went on past the next minute (a loaded machine: the flake seen once) skips that minute
      // after it, saying so: never a second run, never a second "missed" report.
      expect(report.entries[0]).toMatchObject({ outcome: 'ran' });
      expect(report.entries.slice(1)).toEqual(report.entries.length > 1 ? [expect.objectContaining({ outcome: 'skipped', reason: expect.stringMatching(/^the previous run of this task was still going at /) })] : []);
      expect(stderr).toContain(`task minutely missed more than ${TIMES_COUNTED} scheduled runs`);
      expect((await store.listRuns({})).map((run) => [run.task, run.status])).toEqual([['minutely', 'success']]);
    } finally {
      cli.child?.kill('SIGKILL');
      await store.close();
    }
  });

  it('never overlaps a task with itself: a tick while it runs skips it and says why', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'slow', cron: '*/5 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      const scheduler = new Scheduler({
        store,
        clock: time.clock,
        log: () => {},
        runTask: async (task: ScheduledTask) => {
          started += 1;
          await gate;
          return { runId: 1, status: 'success', task: task.name } as RunSummary;
        },
      });
      time.set('2026-03-01T00:05:00Z');
      const first = scheduler.tick();
      while (started === 0) await new Promise((resolve) => setImmediate(resolve));
      time.set('2026-03-01T00:10:00Z');
      const second = await scheduler.tick();
      expect(second.entries).toMatchObject([{ task: 'slow', outcome: 'skipped', reason: 'the previous run of this task is still going' }]);
      release();
      // The time the second tick skipped stays taken: the first run's end does not wind it back.
      expect((await first).entries).toMatchObject([{ outcome: 'ran' }]);
      expect(started).toBe(1);
      expect(await scheduler.tick()).toMatchObject({ entries: [], missed: [] });
      expect(await requireTask(store, 'slow')).toMatchObject({ lastFiredAt: '2026-03-01T00:10:00.000Z', lastRunId: 1 });
    });
  });

  it('skips the times that came while its own run went on, in one scheduler: not started late behind it, nor reported missed', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'slow', cron: '*/5 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      const { notifier, sent } = recordingNotifier(store, time.clock);
      const log: string[] = [];
      let started = 0;
      const scheduler = new Scheduler({
        store,
        clock: time.clock,
        notifier,
        log: (line) => log.push(line),
        runTask: async (task: ScheduledTask) => {
          started += 1;
          // The run takes 12 minutes: 00:10 and 00:15 come while it goes on.
          time.set('2026-03-01T00:17:00Z');
          return { runId: started, status: 'success', task: task.name } as RunSummary;
        },
      });
      time.set('2026-03-01T00:05:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([
        { outcome: 'ran', scheduledFor: '2026-03-01T00:05:00.000Z' },
        { outcome: 'skipped', scheduledFor: '2026-03-01T00:15:00.000Z', reason: 'the previous run of this task was still going at 2 of its times from 2026-03-01T00:10:00.000Z' },
      ]);
      time.set('2026-03-01T00:18:00Z');
      expect(await scheduler.tick()).toMatchObject({ entries: [], missed: [] });
      time.set('2026-03-01T00:20:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'ran', scheduledFor: '2026-03-01T00:20:00.000Z' }]);
      expect(started).toBe(2);
      expect(sent).toEqual([]);
      expect(log.map((line) => JSON.parse(line).event)).toContain('task-skipped');
    });
  });

  it('runs a due task once when two schedulers share the database: the other one says another scheduler took it', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      // Added 150 minutes ago: the last whole hour is due, and one or two before it were missed.
      await addTask(store, { name: 'hourly', cron: '0 * * * *', source: 'synthetic:seed=1,count=3000' }, new Date(Date.now() - 150 * 60_000));
      const schedulers = [0, 1].map(() => startCli(['scheduler', '--once', '--json', '--db', location]));
      const reports = await Promise.all(schedulers.map(async ({ done }) => {
        const { code, stdout, stderr } = await done;
        expect(code, stderr).toBe(0);
        return JSON.parse(stdout) as { entries: { outcome: string; reason?: string; scheduledFor: string }[]; missed: unknown[] };
      }));
      // The second either found the time taken already or lost the claim: never a second run, never a failure.
      const entries = reports.flatMap((report) => report.entries);
      expect(entries.filter((entry) => entry.outcome === 'ran')).toHaveLength(1);
      for (const entry of entries.filter((entry) => entry.outcome !== 'ran')) expect(entry).toMatchObject({ outcome: 'skipped', reason: 'another scheduler sharing this database took this run' });
      // The missed hour is said once, by the scheduler that ran the task.
      expect(reports.flatMap((report) => report.missed)).toHaveLength(1);
      expect((await store.listRuns({})).map((run) => [run.task, run.status])).toEqual([['hourly', 'success']]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('lets one of two schedulers that both found a task due run it; the other skips it, saying another scheduler took it', async () => {
    const location = await backend.freshLocation();
    const stores = [await backend.open(location), await backend.open(location)];
    try {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(stores[0]!, { name: 'hourly', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      time.set('2026-03-01T01:00:30Z');
      // Both have read the task as due before either claims it: each waits at its claim until the
      // other is there too, or has finished its tick. (A wait at a later read let one scheduler claim
      // before the other had listed the tasks, which then found nothing due and said nothing.)
      const arrived = [false, false];
      const finished = [false, false];
      const tasks = Object.getPrototypeOf(taskStore(stores[0]!)) as { claimOccurrence: (this: { driver: unknown }, name: string, at: string) => Promise<unknown> };
      const claimOccurrence = tasks.claimOccurrence;
      tasks.claimOccurrence = async function (name, at) {
        const i = this.driver === stores[0]!.queries ? 0 : 1;
        arrived[i] = true;
        while (!arrived[1 - i] && !finished[1 - i]) await new Promise((resolve) => setImmediate(resolve));
        return claimOccurrence.call(this, name, at);
      };
      const runs: string[] = [];
      const reports = await Promise.all(stores.map(async (store, i) => {
        try {
          return await schedulerFor(store, time, runs).scheduler.tick();
        } finally {
          finished[i] = true;
        }
      })).finally(() => void (tasks.claimOccurrence = claimOccurrence));
      expect(runs).toEqual(['hourly']);
      expect(reports.flatMap((report) => report.entries).map((entry) => ({ outcome: entry.outcome, reason: 'reason' in entry ? entry.reason : undefined })).sort((a, b) => a.outcome.localeCompare(b.outcome))).toEqual([
        { outcome: 'ran', reason: undefined },
        { outcome: 'skipped', reason: 'another scheduler sharing this database took this run' },
      ]);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('skips a task whose run another process still has open in the database', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'daily', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      // That process writes its run as every writer does: holding the writer lock (a run whose writer let go of it is not going on).
      const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'daily', source: 'x', startedAt: time.clock().toISOString(), pid: process.pid, host: os.hostname(), flags: {}, resumedFrom: null });
      expect(await store.acquireWriterLock({ runId, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 120_000 })).toMatchObject({ acquired: true });
      const runs: string[] = [];
      const { scheduler } = schedulerFor(store, time, runs);
      time.set('2026-03-01T01:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'daily', outcome: 'skipped', reason: 'the previous run of this task is still going' }]);
      expect(runs).toEqual([]);
      await store.releaseWriterLock();
    });
  });

  it('skips a task paused by the PAUSE_SCHEDULED_RUNS kill switch and one that is disabled', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'paused', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      await addTask(store, { name: 'off', cron: '0 * * * *', source: 'synthetic:seed=1,count=5', enabled: false }, time.clock());
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: true, scope: 'task:paused', reason: 'incident' });
      const runs: string[] = [];
      const { scheduler } = schedulerFor(store, time, runs);
      time.set('2026-03-01T01:00:00Z');
      const report = await scheduler.tick();
      expect(report.entries).toMatchObject([{ task: 'paused', outcome: 'skipped' }]);
      expect(runs).toEqual([]);
    });
  });

  it('skips every task when PAUSE_SCHEDULED_RUNS is killed on, a task\'s earlier "false" included, naming who paused it', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'daily', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: false, scope: 'task:daily', reason: 'daily keeps going through maintenance' });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: true, scope: 'kill', reason: 'incident 42', operator: 'ops-bob' });
      const runs: string[] = [];
      const { scheduler } = schedulerFor(store, time, runs);
      time.set('2026-03-01T01:00:00Z');
      const report = await scheduler.tick();
      expect(report.entries).toMatchObject([{ task: 'daily', outcome: 'skipped', reason: expect.stringContaining('killed by ops-bob') }]);
      expect(runs).toEqual([]);
    });
  });

  it('skips a task while HALT_UPDATES is on for it, naming who halted updates and why; lifted, the task runs', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'daily', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      await setFlag(store, { flag: 'HALT_UPDATES', value: true, scope: 'task:daily', reason: 'incident 43: bad feed', operator: 'ops-bo' });
      const runs: string[] = [];
      const { scheduler } = schedulerFor(store, time, runs);
      time.set('2026-03-01T01:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'daily', outcome: 'skipped', reason: expect.stringMatching(/^updates halted by HALT_UPDATES \(scope task:daily\), set by ops-bo at \S+: "incident 43: bad feed"$/) }]);
      expect(runs).toEqual([]);
      await unsetFlag(store, { flag: 'HALT_UPDATES', scope: 'task:daily', reason: 'feed fixed', operator: 'ops-bo' });
      time.set('2026-03-01T02:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'daily', outcome: 'ran' }]);
    });
  });

  it('a task\'s run stopped mid-run by HALT_UPDATES is an operator\'s decision: no failure counted, no backoff, no "could not run" notice; lifted, the next time resumes it', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'daily', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      const { notifier, sent } = recordingNotifier(store, time.clock);
      const records = hearingRecords(600, 400000);
      // Halted (once) as the source hands over its 300th record: batches before it have committed.
      let halted = false;
      const halting: RecordSource = {
        description: 'memory:600',
        expectedCount: records.length,
        async *items(options: { skip?: number } = {}) {
          for (let position = options.skip ?? 0; position < records.length; position += 1) {
            if (position === 300 && !halted && (halted = true)) await setFlag(store, { flag: 'HALT_UPDATES', value: true, scope: 'task:daily', reason: 'incident 45', operator: 'ops-bo' });
            yield { position, raw: records[position] };
          }
        },
      };
      const log: string[] = [];
      const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: (line) => log.push(line), runTask: (task, request) => runTask(store, task, { clock: time.clock, openTaskSource: async () => halting }, request) });
      time.set('2026-03-01T01:00:00Z');
      const halt = { scope: 'task:daily', by: 'ops-bo', at: expect.any(String), reason: 'incident 45' };
      const [stopped] = (await scheduler.tick()).entries;
      expect(stopped).toMatchObject({ task: 'daily', outcome: 'ran', status: 'interrupted', halt });
      // Kept with the run as data, last: what the judgement above read, not the run's words.
      const run = (await store.getRun((stopped as { runId: number }).runId))!;
      expect(run.stop).toEqual({ kind: 'halt', ...halt });
      expect(Object.keys(run).at(-2)).toBe('stop');
      expect(await requireTask(store, 'daily')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
      expect(log.filter((line) => /task-backing-off|task-failed/.test(line))).toEqual([]);
      expect(sent.filter((n) => n.title.includes('could not run'))).toEqual([]);
      // Still halted at its next time: skipped, not counted either.
      time.set('2026-03-01T02:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'daily', outcome: 'skipped', reason: expect.stringContaining('updates halted by HALT_UPDATES (scope task:daily), set by ops-bo') }]);
      await unsetFlag(store, { flag: 'HALT_UPDATES', scope: 'task:daily', reason: 'incident 45 over', operator: 'ops-bo' });
      time.set('2026-03-01T03:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'daily', outcome: 'ran', status: 'success' }]);
      expect(await requireTask(store, 'daily')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
      // Resumed to its end: nothing stopped it short any more.
      expect(await store.getRun(run.runId)).not.toHaveProperty('stop');
    });
  });

  it.skipIf(backend.name !== 'sqlite')('a task\'s all-or-nothing run stopped by a halt whose flag change is not stored yet (waiting for the run\'s rollback) counts no failure: the run\'s recorded halt decides', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'daily', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'task:daily', reason: 'one transaction', operator: 'ops-bo' });
      const records = hearingRecords(600, 410000);
      // A flag writer's halt request, left as the source hands over its 300th record; its change is never stored here.
      const halting: RecordSource = {
        description: 'memory:600',
        expectedCount: records.length,
        async *items() {
          for (let position = 0; position < records.length; position += 1) {
            if (position === 300) store.writerNotes!.leave({ flag: 'HALT_UPDATES', scope: 'task:daily', valueJson: 'true', updatedAt: time.clock().toISOString(), updatedBy: 'ops-bo', reason: 'incident 46' }, new Date(Date.now() + 60_000));
            yield { position, raw: records[position] };
          }
        },
      };
      const log: string[] = [];
      const scheduler = new Scheduler({ store, clock: time.clock, log: (line) => log.push(line), runTask: (task, request) => runTask(store, task, { clock: time.clock, openTaskSource: async () => halting }, request) });
      time.set('2026-03-01T01:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'daily', outcome: 'ran', status: 'interrupted' }]);
      expect(await requireTask(store, 'daily')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
      expect(log.filter((line) => /task-halted/.test(line))).toEqual([expect.stringContaining('HALT_UPDATES (scope task:daily), set by ops-bo')]);
      expect(log.filter((line) => /task-backing-off|task-failed/.test(line))).toEqual([]);
    });
  });

  it('reports a task whose source cannot be opened as failed and notifies', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'broken', cron: '0 * * * *', source: 'file:/nonexistent/hearings.json' }, time.clock());
      const { notifier, sent } = recordingNotifier(store, time.clock);
      const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: () => {}, runTask: (task) => runTask(store, task, { clock: time.clock }) });
      time.set('2026-03-01T01:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'broken', outcome: 'failed' }]);
      expect(sent.map((n) => n.cause)).toEqual(['run-failed']);
      expect(sent[0]!.body).not.toContain('Not listed');
    });
  });

  it('adds, edits, disables and enables tasks, and refuses bad input', async () => {
    await withStore(async (store) => {
      const task = await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5', lookbackDays: 3 });
      expect(task).toMatchObject({ name: 'daily', cron: '0 6 * * *', lookbackDays: 3, enabled: true, lastFiredAt: null });
      expect(await editTask(store, 'daily', { cron: '30 7 * * 1-5', lookbackDays: 1 })).toMatchObject({ cron: '30 7 * * 1-5', lookbackDays: 1 });
      expect((await editTask(store, 'daily', { enabled: false, reason: 'feed broken' })).enabled).toBe(false);
      expect((await editTask(store, 'daily', { enabled: true, reason: 'feed fixed' })).enabled).toBe(true);
      await expect(addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(addTask(store, { name: 'x', cron: '61 * * * *', source: 'synthetic:seed=1,count=5' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(addTask(store, { name: 'x', cron: 'every day', source: 'synthetic:seed=1,count=5' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(addTask(store, { name: 'x', cron: '', source: 'synthetic:seed=1,count=5' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(addTask(store, { name: 'bad name!', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(addTask(store, { name: 'x', cron: '0 6 * * *', source: 'ftp:somewhere' })).rejects.toMatchObject({ code: 'SOURCE_SPEC_UNKNOWN' });
      await expect(addTask(store, { name: 'x', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5', lookbackDays: -1 })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(editTask(store, 'nope', { enabled: false, reason: 'feed broken' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(editTask(store, 'daily', { cron: '* * *' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(requireTask(store, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await taskStore(store).list()).map((t) => t.name)).toEqual(['daily']);
    });
  });

  it('refuses to switch a task off or on without a reason, as a flag change is refused, recording nothing', async () => {
    await withStore(async (store) => {
      await addTask(store, { name: 'nightly', cron: '0 2 * * *', source: 'synthetic:seed=1,count=5' }, new Date(), 'kim');
      for (const reason of [undefined, '', '   ']) {
        await expect(editTask(store, 'nightly', { enabled: false, reason }, new Date(), 'lee')).rejects.toMatchObject({ code: 'USAGE', message: 'a reason is required to disable a task' });
      }
      await expect(editTask(store, 'nightly', { enabled: true }, new Date(), 'lee')).rejects.toMatchObject({ message: 'a reason is required to enable a task' });
      expect((await taskStore(store).get('nightly'))!.enabled).toBe(true);
      expect(await taskStore(store).history({ task: 'nightly' })).toHaveLength(1);
      await editTask(store, 'nightly', { enabled: false, reason: '  feed broken ' }, new Date(), 'lee');
      expect((await taskStore(store).history({ task: 'nightly', limit: 1 })).map(taskEventView)).toMatchObject([{ operator: 'lee', after: { enabled: false }, reason: 'feed broken' }]);
    });
  });

  it('records who added and changed a task, with the task before and after, and nothing for a refused change', async () => {
    await withStore(async (store) => {
      const at = new Date('2026-03-01T10:00:00Z');
      await addTask(store, { name: 'nightly', cron: '0 2 * * *', source: 'synthetic:seed=1,count=5' }, at, 'kim');
      await editTask(store, 'nightly', { enabled: false, reason: 'feed broken' }, at, 'lee');
      await editTask(store, 'nightly', { cron: '0 3 * * *', lookbackDays: 2 }, at, 'lee');
      await expect(addTask(store, { name: 'nightly', cron: '0 4 * * *', source: 'synthetic:seed=1,count=5' }, at, 'max')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(editTask(store, 'nope', { enabled: false, reason: 'feed broken' }, at, 'max')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(editTask(store, 'nightly', { cron: '* * *' }, at, 'max')).rejects.toMatchObject({ code: 'USAGE' });
      const added = { cron: '0 2 * * *', source: 'synthetic:seed=1,count=5', lookbackDays: 7, enabled: true };
      expect((await taskStore(store).history()).map(taskEventView)).toEqual([
        { id: 3, task: 'nightly', action: 'edited', before: { ...added, enabled: false }, after: { ...added, enabled: false, cron: '0 3 * * *', lookbackDays: 2 }, operator: 'lee', at: at.toISOString(), reason: null },
        { id: 2, task: 'nightly', action: 'edited', before: added, after: { ...added, enabled: false }, operator: 'lee', at: at.toISOString(), reason: 'feed broken' },
        { id: 1, task: 'nightly', action: 'added', before: null, after: added, operator: 'kim', at: at.toISOString(), reason: null },
      ]);
      expect((await taskStore(store).history({ task: 'nightly', limit: 1, after: 3 })).map((e) => e.id)).toEqual([2]);
      expect(await taskStore(store).history({ task: 'nope' })).toEqual([]);
    });
  });

  it('changes no task without its audit event: when the event cannot be written, add and edit change nothing', async () => {
    await withStore(async (store) => {
      await addTask(store, { name: 'nightly', cron: '0 2 * * *', source: 'synthetic:seed=1,count=5' }, new Date(), 'kim');
      const tasks = await taskStore(store).list();
      await refuseInserts(store, 'task_events');
      await expect(editTask(store, 'nightly', { enabled: false, reason: 'feed broken' }, new Date(), 'lee')).rejects.toThrow(/audit write refused/);
      await expect(addTask(store, { name: 'hourly', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, new Date(), 'lee')).rejects.toThrow(/audit write refused/);
      expect(await taskStore(store).list()).toEqual(tasks);
      expect(await taskStore(store).history()).toHaveLength(1);
    });
  });
  it('runs a Congress.gov task re-enabled after 120 days once, over 90 days, with one coverage-gap notice naming the task', async () => {
    const updated = ['2026-01-08T12:00:00Z', '2026-03-01T12:00:00Z', '2026-05-09T12:00:00Z'];
    const server = await startFakeCongress({ house: updated.map((updateDate, i) => hearingRecord(500000 + i, { updateDate })) }, { honourDates: true });
    try {
      await withStore(async (store) => {
        const time = manualClock('2026-01-10T05:30:00Z');
        await addTask(store, { name: 'congress-daily', cron: '0 6 * * *', source: `congress:${server.baseUrl}` }, time.clock());
        // No throttle: a second notice of the gap would be seen, not swallowed.
        const sent: DeliveredNotification[] = [];
        const notifier = new Notifier({ store: null, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] });
        const openTaskSource = async (task: ScheduledTask) => fakeCongressSource(server, time.clock, { description: task.source, lookbackDays: task.lookbackDays });
        const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: () => {}, runTask: (task) => runTask(store, task, { notifier, clock: time.clock, openTaskSource }) });
        time.set('2026-01-10T06:00:30Z');
        expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'ran', status: 'success' }]);
        await editTask(store, 'congress-daily', { enabled: false, reason: 'feed broken' }, time.clock());
        time.set('2026-05-10T06:00:30Z');
        await editTask(store, 'congress-daily', { enabled: true, reason: 'feed fixed' }, time.clock());
        const [reenabled] = (await scheduler.tick()).entries;
        expect(reenabled).toMatchObject({ outcome: 'ran', status: 'success' });
        time.set('2026-05-11T06:00:30Z');
        expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'ran', status: 'success' }]);
        const runId = reenabled!.outcome === 'ran' ? reenabled!.runId : null;
        expect((await store.getRun(runId!))?.metrics.fetched).toBe(2);
        expect(sent.filter((n) => n.cause === 'coverage-gap')).toEqual([
          expect.objectContaining({ subject: 'congress-daily', level: 'error', runId, body: expect.stringContaining('from 2026-01-10T06:00:30.000Z to 2026-02-09T06:00:30.000Z') }),
        ]);
      });
    } finally {
      await server.close();
    }
  });

  it('says in the failure notice of a Congress.gov task that could not start (the writer lock held) since when no run listed its updates, and nothing more when the next run covers them', async () => {
    const server = await startFakeCongress({ house: [hearingRecord(510000, { updateDate: '2026-01-09T12:00:00Z' })] }, { honourDates: true });
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const holder = await backend.open(location);
    try {
      const time = manualClock('2026-01-10T05:30:00Z');
      await addTask(store, { name: 'congress-daily', cron: '0 6 * * *', source: `congress:${server.baseUrl}` }, time.clock());
      const { notifier, sent } = recordingNotifier(store, time.clock);
      const openTaskSource = async (task: ScheduledTask) => fakeCongressSource(server, time.clock, { description: task.source, lookbackDays: task.lookbackDays });
      const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: () => {}, runTask: (task) => runTask(store, task, { notifier, clock: time.clock, openTaskSource }) });
      time.set('2026-01-10T06:00:30Z');
      const [first] = (await scheduler.tick()).entries;
      expect(first).toMatchObject({ outcome: 'ran', status: 'success' });

      time.set('2026-01-11T06:00:30Z');
      // Taken at the tick's time: a heartbeat a day old would be stale, and the run would take the lock over.
      await holder.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: time.clock(), staleAfterMs: 86_400_000 });
      expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'failed' }]);
      const failed = sent.filter((n) => n.cause === 'run-failed');
      expect(failed).toHaveLength(1);
      const firstRunId = first!.outcome === 'ran' ? first!.runId : null;
      expect(failed[0]!.body).toContain(
        `Not listed: updates to congress:${server.baseUrl} since 2026-01-10T06:00:30.000Z, where run ${firstRunId}'s window ended, are listed by no run yet; ` +
          'the next run of the task lists them if it starts before 2026-04-10T06:00:30.000Z (90 days on)',
      );

      await holder.releaseWriterLock();
      time.set('2026-01-12T06:00:30Z');
      const [next] = (await scheduler.tick()).entries;
      expect(next).toMatchObject({ outcome: 'ran', status: 'success' });
      expect((await store.getRun(next!.outcome === 'ran' ? next!.runId : -1))?.sourceWindow?.from).toBe('2026-01-05T06:00:30.000Z');
      expect(sent.map((n) => n.cause).filter((cause) => cause === 'run-failed' || cause === 'coverage-gap')).toEqual(['run-failed']);
    } finally {
      await holder.close();
      await store.close();
      await server.close();
    }
  });

  it('says a Congress.gov task that never ran and cannot open its source left its whole lookback unlisted; a file task\'s notice says only why', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'congress-hourly', cron: '0 * * * *', source: 'congress:http://127.0.0.1:1/v3', lookbackDays: 3 }, time.clock());
      const { notifier, sent } = recordingNotifier(store, time.clock);
      const unopened = async () => {
        throw new Error('congress: needs an API key');
      };
      const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: () => {}, runTask: (task) => runTask(store, task, { clock: time.clock, openTaskSource: unopened }) });
      time.set('2026-03-01T01:00:00Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'failed' }]);
      expect(sent.map((n) => n.body)).toEqual(['congress: needs an API key. Not listed: updates to congress:http://127.0.0.1:1/v3 over the last 3 days were listed by no run of the task. Next try 2026-03-01T02:00:00.000Z']);
    });
  });

  it('resumes a Congress.gov task\'s interrupted run at its next scheduled time, fetching only the details it had not handled, then runs the task anew', async () => {
    const meetings = Array.from({ length: 120 }, (_, i) => hearingRecord(520000 + i, { updateDate: '2026-01-09T12:00:00Z' }));
    const server = await startFakeCongress({ house: meetings }, { pageSize: 40 });
    try {
      await withStore(async (store) => {
        // 80 details fetched and committed, the run interrupted.
        const { time, sent, scheduler, interruptedId } = await congressTaskInterrupted(store, server);
        expect(sent.filter((n) => n.cause === 'run-interrupted')).toHaveLength(1);

        const since = server.requests.length;
        time.set('2026-01-10T07:00:30Z');
        const [next] = (await scheduler.tick()).entries;
        expect(next).toMatchObject({ outcome: 'ran', status: 'success', resumed: { runId: interruptedId, status: 'success' } });
        const resumed = await store.getRun(interruptedId);
        expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 120, added: 120, quarantined: 0 } });
        const fresh = await store.getRun(next!.outcome === 'ran' ? next!.runId : -1);
        // Nothing was updated since the resumed window ended: the new run, listing only from there, fetches nothing again.
        expect(fresh).toMatchObject({ task: 'congress-hourly', status: 'success', metrics: { fetched: 0, added: 0, unchanged: 0 } });
        // The resume asked for the 40 details the interrupted run had not handled, and nothing was asked twice.
        expect(server.requests.slice(since).filter(isDetailRequest)).toHaveLength(40);
        expect(await store.countHearings()).toBe(120);
      });
    } finally {
      await server.close();
    }
  });

  it('after resuming a Congress.gov task\'s interrupted run, the new run lists only from where the resumed window ended: no detail asked twice, no update missed', async () => {
    const meetings = Array.from({ length: 120 }, (_, i) => hearingRecord(530000 + i, { updateDate: '2026-01-09T12:00:00Z' }));
    const server = await startFakeCongress({ house: meetings }, { pageSize: 40, honourDates: true });
    try {
      await withStore(async (store) => {
        const { time, scheduler, interruptedId } = await congressTaskInterrupted(store, server);
        const window = (await store.getRun(interruptedId))!.sourceWindow!;
        expect(window).toMatchObject({ from: '2026-01-03T06:00:30.000Z', to: '2026-01-10T06:00:30.000Z' });

        // After the interrupted run's window ended: one meeting scheduled, one of the committed ones renamed.
        meetings.push(hearingRecord(530500, { updateDate: '2026-01-10T06:30:00Z' }));
        meetings[0] = { ...meetings[0]!, title: 'Renamed after the interruption', updateDate: '2026-01-10T06:45:00Z' };
        const since = server.requests.length;
        time.set('2026-01-10T07:00:30Z');
        const [next] = (await scheduler.tick()).entries;
        expect(next).toMatchObject({ outcome: 'ran', status: 'success', resumed: { status: 'success' } });
        const fresh = await store.getRun(next!.outcome === 'ran' ? next!.runId : -1);
        // From an hour before the resumed window ended (the catch-up overlap), not the whole 7-day lookback again.
        expect(fresh?.sourceWindow).toMatchObject({ from: '2026-01-10T05:00:30.000Z', to: '2026-01-10T07:00:30.000Z' });
        expect(fresh).toMatchObject({ status: 'success', metrics: { fetched: 2, added: 1, updated: 1 } });
        // The 40 details the interrupted run had not handled, then the 2 changed since its window ended: none twice.
        expect(server.requests.slice(since).filter(isDetailRequest)).toHaveLength(40 + 2);
        expect(await store.countHearings()).toBe(121);
        expect((await store.loadHearings(['530000'])).get('530000')?.content.title).toBe('Renamed after the interruption');
      });
    } finally {
      await server.close();
    }
  });

  it('runs a task anew when its interrupted run cannot be resumed (the task\'s source edited since), and resumes nothing else', async () => {
    await withStore(async (store) => {
      const time = manualClock('2026-03-01T00:00:00Z');
      await addTask(store, { name: 'nightly', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, time.clock());
      const runs: string[] = [];
      const { scheduler, log } = schedulerFor(store, time, runs);
      const stoppedId = await store.createRun({
        mode: 'batch', batchSize: 50, task: 'nightly', source: 'synthetic:seed=2,count=5', startedAt: time.clock().toISOString(), pid: process.pid, host: 'test', flags: {}, resumedFrom: null, sourceWindow: null,
      });
      await store.finishRun(stoppedId, {
        status: 'interrupted', finishedAt: time.clock().toISOString(), metrics: { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 },
        batchCounts: { total: 0, succeeded: 0, failed: 0, isolated: 0 }, validation: null, error: 'the source failed',
      });
      time.set('2026-03-01T01:00:30Z');
      const [entry] = (await scheduler.tick()).entries;
      expect(entry).toMatchObject({ outcome: 'ran', status: 'success' });
      expect(entry).not.toHaveProperty('resumed');
      expect(log.map((line) => JSON.parse(line).event)).toEqual(['task-started', 'task-resuming', 'task-resume-refused', 'task-finished']);
      expect(runs).toEqual(['nightly', 'nightly']);
      expect(await store.getRun(stoppedId)).toMatchObject({ status: 'interrupted' });
      time.set('2026-03-01T02:00:30Z');
      await scheduler.tick();
      expect(log.map((line) => JSON.parse(line).event).slice(4)).toEqual(['task-started', 'task-finished']);
    });
  });
});

describe.each(testBackends())('gatehouse scheduler --once stopped with Ctrl-C, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('a run HALT_UPDATES stops is no failure of the tick: exit 0 as for a time the halt skips, the report naming the halt', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const cli = { child: null as ReturnType<typeof startCli>['child'] | null };
    try {
      await addTask(store, { name: 'first', cron: '0 * * * *', source: 'synthetic:seed=7,count=60000' }, new Date(Date.now() - 150 * 60_000));
      const scheduler = startCli(['scheduler', '--once', '--json', '--db', location]);
      cli.child = scheduler.child;
      // Under way (a batch committed), so the halt stops the run rather than its start.
      while ((await runsWithACheckpoint(backend, location)).length === 0) await new Promise((resolve) => setImmediate(resolve));
      await setFlag(store, { flag: 'HALT_UPDATES', value: true, scope: 'task:first', reason: 'incident 51', operator: 'ops-bo' });
      const { code, stdout, stderr } = await scheduler.done;
      expect(code, stderr).toBe(0);
      const halt = { scope: 'task:first', by: 'ops-bo', at: expect.any(String), reason: 'incident 51' };
      expect(JSON.parse(stdout).entries).toEqual([expect.objectContaining({ task: 'first', outcome: 'ran', status: 'interrupted', halt })]);
      const [run] = await store.listRuns({});
      expect(run!.stop).toEqual({ kind: 'halt', ...halt });
      expect(await requireTask(store, 'first')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
    } finally {
      cli.child?.kill('SIGKILL');
      await store.close();
    }
  }, 60_000);

  it('stops the task\'s run as update does: interrupted with the signal as its reason, the lock released, exit 130', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const cli = { child: null as ReturnType<typeof startCli>['child'] | null };
    try {
      // Two tasks due, each long enough to be under way when the signal comes: the second is not started.
      for (const name of ['first', 'second']) await addTask(store, { name, cron: '0 * * * *', source: 'synthetic:seed=7,count=60000' }, new Date(Date.now() - 150 * 60_000));
      const scheduler = startCli(['scheduler', '--once', '--json', '--db', location]);
      cli.child = scheduler.child;
      await new Promise<void>((resolve, reject) => {
        const seen = (chunk: Buffer) => {
          if (!chunk.toString().includes('"event":"task-started"')) return;
          scheduler.child.stderr.off('data', seen);
          resolve();
        };
        scheduler.child.stderr.on('data', seen);
        scheduler.child.once('close', () => reject(new Error('the scheduler ended before starting a task')));
      });
      scheduler.child.kill('SIGINT');
      const { code, signal, stdout, stderr } = await scheduler.done;
      // Without the handler Node's default ended it mid-batch: killed by SIGINT, its run left `running` with the lock row.
      expect({ code, signal }, stderr).toEqual({ code: 130, signal: null });
      const report = JSON.parse(stdout) as { entries: { task: string; outcome: string; status?: string }[] };
      expect(report.entries).toEqual([expect.objectContaining({ task: 'first', outcome: 'ran', status: 'interrupted' })]);
      const runs = await store.listRuns({});
      expect(runs.map((run) => [run.task, run.status])).toEqual([['first', 'interrupted']]);
      expect(runs[0]!.error).toBe(`stopped by SIGINT to gatehouse scheduler --once (pid ${scheduler.child.pid}) after the last committed batch — task first's next scheduled run resumes it; sooner: gatehouse update --resume ${runs[0]!.runId} --source 'synthetic:seed=7,count=60000'`);
      expect(runs[0]!.stop).toEqual({ kind: 'request', by: `by SIGINT to gatehouse scheduler --once (pid ${scheduler.child.pid})` });
      expect(await store.writerLockHolder()).toBeNull();
    } finally {
      cli.child?.kill('SIGKILL');
      await store.close();
    }
  }, 60_000);
});
