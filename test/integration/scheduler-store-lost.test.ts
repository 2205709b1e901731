import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, memoryPreferences } from '../../main/api/index.js';
import { addTask, type DeliveredNotification, Notifier, requireTask, runSchedulerLoop, runTask, Scheduler, type SchedulerOptions, type TickReport } from '../../main/scheduler/index.js';
import { setFlag } from '../../main/flags/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/run.js';
import { operatorCaller } from '../helpers/callers.js';
import { sqliteBackend, type TestBackend, testBackends, withFreshStore } from '../helpers/backends.js';
import { availablePostgresBackend, postgresBackend } from '../helpers/postgres.js';
import { makeImmutable } from '../helpers/immutable.js';
import { runCli } from '../helpers/cli.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const EVERY_MINUTE = { name: 'every-minute', cron: '* * * * *', source: 'synthetic:seed=7,count=5', allowFrequent: true };

/** A clock the test moves by hand, a minute a tick: no sleeping. */
function minuteClock() {
  let now = Date.parse('2026-03-01T00:00:30Z');
  return { clock: () => new Date(now), nextMinute: () => (now += 60_000) };
}

/** A scheduler on `store` whose log lines (parsed) and notices the test reads; the notifier keeps no throttle, so every notice sent is seen. */
function watchedScheduler(store: Store, clock: () => Date, runs: SchedulerOptions['runTask'] = (task, request) => runTask(store, task, { clock }, request)) {
  const lines: Record<string, unknown>[] = [];
  const notices: DeliveredNotification[] = [];
  const notifier = new Notifier({ store: null, clock, channels: [{ name: 'memory', send: async (n) => void notices.push(n) }] });
  const scheduler = new Scheduler({ store, clock, notifier, log: (line) => lines.push(JSON.parse(line) as Record<string, unknown>), runTask: runs });
  const events = (event: string) => lines.filter((line) => line.event === event);
  return { scheduler, lines, notices, events };
}

/** Ticks at the next minute. */
async function tickOnce(scheduler: Scheduler, time: ReturnType<typeof minuteClock>): Promise<TickReport> {
  time.nextMinute();
  return scheduler.tick();
}

/** Ticks once a minute, `count` times. */
async function ticks(scheduler: Scheduler, time: ReturnType<typeof minuteClock>, count: number): Promise<TickReport[]> {
  const reports: TickReport[] = [];
  for (let i = 0; i < count; i++) {
    time.nextMinute();
    reports.push(await scheduler.tick());
  }
  return reports;
}

/** What an operator does from psql or the sqlite3 shell, on a connection of its own beside the scheduler's. */
async function outsideGatehouse(store: Store, statement: string): Promise<void> {
  const { sql } = await import('kysely');
  await sql.raw(statement).execute(store.queries.db);
}

const notAllThere = /^the database at .* is not all there \(no table checkpoints\): its schema, or a table of it, was dropped outside Gatehouse$/;

describe.each(testBackends())('the scheduler on a $name store that loses a part for good', (backend) => {
  afterAll(() => backend.cleanup());

  it('pauses once when a table is dropped under it: one log line and one notice with the reason, no task backed off, no line a minute after, and the report says paused', async () => {
    await withFreshStore(backend, async (store) => {
      const time = minuteClock();
      await addTask(store, EVERY_MINUTE, time.clock());
      const { scheduler, notices, events } = watchedScheduler(store, time.clock);
      expect((await tickOnce(scheduler, time)).entries).toMatchObject([{ outcome: 'ran', status: 'success' }]);

      await outsideGatehouse(store, 'DROP TABLE checkpoints');
      const first = await tickOnce(scheduler, time);
      const later = await ticks(scheduler, time, 29);
      expect(first.entries).toMatchObject([{ task: 'every-minute', outcome: 'failed', code: 'DB_UNREACHABLE', nextTry: null, parked: true }]);
      expect(first.paused).toMatchObject({ code: 'DB_UNREACHABLE', message: expect.stringMatching(notAllThere) });
      // Every later tick starts nothing and says nothing: the pause is in the report, not in the log.
      expect(later.every((report) => report.entries.length === 0 && report.paused?.message === first.paused?.message)).toBe(true);
      expect(events('scheduler-paused')).toEqual([expect.objectContaining({ reason: expect.stringMatching(notAllThere), hint: expect.stringContaining('backup') })]);
      expect(events('task-failed')).toEqual([]);
      expect(events('task-skipped')).toEqual([]);
      expect(notices).toEqual([expect.objectContaining({ cause: 'scheduler-paused', level: 'error', title: 'Gatehouse: scheduled tasks paused', body: expect.stringMatching(/not all there \(no table checkpoints\).*goes on by itself once/) })]);
      // Waiting would not have healed it: the task is not counted as failing (tasks list shows no backoff to wait out).
      expect(await requireTask(store, 'every-minute')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
    });
  });

  it('goes on by itself once the table is back, saying so once, and runs the task at its next time', async () => {
    await withFreshStore(backend, async (store) => {
      const time = minuteClock();
      await addTask(store, EVERY_MINUTE, time.clock());
      const { scheduler, notices, events } = watchedScheduler(store, time.clock);
      await ticks(scheduler, time, 1);
      // Renamed away and back: to the store the same "no table checkpoints" as a drop, and a restore that brings it back.
      await outsideGatehouse(store, 'ALTER TABLE checkpoints RENAME TO checkpoints_set_aside');
      expect((await ticks(scheduler, time, 3)).map((report) => report.paused?.code)).toEqual(['DB_UNREACHABLE', 'DB_UNREACHABLE', 'DB_UNREACHABLE']);
      await outsideGatehouse(store, 'ALTER TABLE checkpoints_set_aside RENAME TO checkpoints');
      const resumed = await tickOnce(scheduler, time);
      expect(resumed.paused).toBeUndefined();
      // The run the drop stopped is resumed first, as after any interruption; the task then runs at every time again.
      expect(resumed.entries).toMatchObject([{ task: 'every-minute', outcome: 'ran' }]);
      expect((await tickOnce(scheduler, time)).entries).toMatchObject([{ outcome: 'ran', status: 'success' }]);
      expect(events('scheduler-paused')).toHaveLength(1);
      expect(events('scheduler-resumed')).toEqual([expect.objectContaining({ reason: expect.stringMatching(notAllThere) })]);
      // The pause's one notice; the times it passed over are then said once, as any missed times are, as missed for the pause.
      expect(notices.map((n) => n.cause)).toEqual(['scheduler-paused', 'missed-runs']);
      const pausedSince = String(events('scheduler-paused')[0]?.at);
      const pausedUntil = String(events('scheduler-resumed')[0]?.at);
      expect(notices[1]?.body).toMatch(new RegExp(`^the scheduler was paused from ${pausedSince} to ${pausedUntil} \\(the database at .* is not all there \\(no table checkpoints\\).*\\) at 2 runs between \\S+ and \\S+; running it once now$`));
      expect(notices[1]?.body).not.toContain('nothing was running');
      expect(events('runs-missed')).toEqual([expect.objectContaining({ count: 2, pausedSince, pausedUntil })]);
    });
  });

  it('is seen paused by another process on the database: tasks.list says since the pause notice and why, and no longer once the table is back', async () => {
    await withFreshStore(backend, async (store) => {
      const time = minuteClock();
      await addTask(store, EVERY_MINUTE, time.clock());
      // The notice goes through the database's throttle, as `gatehouse scheduler`'s does: the one record of the pause it leaves there.
      const notifier = new Notifier({ store, clock: time.clock, channels: [{ name: 'memory', send: async () => undefined }] });
      const scheduler = new Scheduler({ store, clock: time.clock, notifier, log: () => {}, runTask: (task, request) => runTask(store, task, { clock: time.clock }, request) });
      const engine = createInProcessEngineHost({ location: store.location });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
        const listed = async () => (await api['tasks.list']({}, operatorCaller('sam'))).map((task) => task.schedulerPaused);
        await tickOnce(scheduler, time);
        expect(await listed()).toEqual([null]);

        await outsideGatehouse(store, 'ALTER TABLE checkpoints RENAME TO checkpoints_set_aside');
        const paused = (await tickOnce(scheduler, time)).paused!;
        await ticks(scheduler, time, 2);
        expect(await listed()).toEqual([{ since: paused.since, reason: expect.stringMatching(notAllThere) }]);

        await outsideGatehouse(store, 'ALTER TABLE checkpoints_set_aside RENAME TO checkpoints');
        expect(await listed()).toEqual([null]);
      } finally {
        await engine.close();
      }
    });
  });

  it('pauses, starting no run, when its flags table is gone under it: a kill that cannot be read is not read as none; goes on under the kill once it is back', async () => {
    await withFreshStore(backend, async (store) => {
      const time = minuteClock();
      await addTask(store, EVERY_MINUTE, time.clock());
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'kill', reason: 'stop batches', operator: 'support-sam' });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: true, scope: 'kill', reason: 'stop the tasks', operator: 'support-sam' });
      const { scheduler, events } = watchedScheduler(store, time.clock);
      expect((await tickOnce(scheduler, time)).entries).toMatchObject([{ outcome: 'skipped', reason: expect.stringContaining('PAUSE_SCHEDULED_RUNS') }]);

      await outsideGatehouse(store, 'ALTER TABLE flag_values RENAME TO flag_values_set_aside');
      const reports = await ticks(scheduler, time, 5);
      const flagsGone = /^the database at .* is not all there \(no table flag_values\): its schema, or a table of it, was dropped outside Gatehouse$/;
      expect(reports[0]!.entries).toMatchObject([{ task: 'every-minute', outcome: 'failed', code: 'DB_UNREACHABLE', parked: true }]);
      expect(reports.map((report) => report.paused?.message)).toEqual(Array(5).fill(expect.stringMatching(flagsGone)));
      expect(events('task-started')).toEqual([]);
      expect(await store.reports.runs({})).toEqual([]);
      expect(await requireTask(store, 'every-minute')).toMatchObject({ consecutiveFailures: 0, retryAt: null });

      await outsideGatehouse(store, 'ALTER TABLE flag_values_set_aside RENAME TO flag_values');
      const back = await tickOnce(scheduler, time);
      expect(back.paused).toBeUndefined();
      expect(back.entries).toMatchObject([{ outcome: 'skipped', reason: expect.stringContaining('PAUSE_SCHEDULED_RUNS') }]);
      expect(events('scheduler-resumed')).toHaveLength(1);
    });
  });

  it('a run started on a store whose flags table is gone (the scheduler, the console) does not start on default flags: "not all there", no run row', async () => {
    await withFreshStore(backend, async (store) => {
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'kill', reason: 'stop batches', operator: 'support-sam' });
      await outsideGatehouse(store, 'ALTER TABLE flag_values RENAME TO flag_values_set_aside');
      const task = await addTask(store, EVERY_MINUTE, new Date('2026-03-01T00:00:00Z'));
      await expect(runTask(store, task)).rejects.toMatchObject({ code: 'DB_UNREACHABLE', message: expect.stringMatching(/is not all there \((no such table: flag_values|relation "flag_values" does not exist)\)/) });
      expect(await store.reports.runs({})).toEqual([]);
      await outsideGatehouse(store, 'ALTER TABLE flag_values_set_aside RENAME TO flag_values');
    });
  });

  it('pauses on the table its task list lives in, instead of ending', async () => {
    await withFreshStore(backend, async (store) => {
      const time = minuteClock();
      await addTask(store, EVERY_MINUTE, time.clock());
      const { scheduler, notices, events } = watchedScheduler(store, time.clock);
      await outsideGatehouse(store, 'DROP TABLE task_events');
      await outsideGatehouse(store, 'DROP TABLE scheduled_tasks');
      const reports = await ticks(scheduler, time, 5);
      expect(reports.map((report) => report.paused?.message)).toEqual(Array(5).fill(expect.stringMatching(/is not all there \(no table scheduled_tasks, task_events\)/)));
      expect(events('scheduler-paused')).toHaveLength(1);
      expect(notices).toHaveLength(1);
    });
  });
});

describe('the scheduler on a SQLite store whose file is deleted or moved', () => {
  const sqlite = sqliteBackend();
  afterAll(() => sqlite.cleanup());

  it('pauses once while the file is moved away, and goes on by itself once it is back where it was', async () => {
    await withFreshStore(sqlite, async (store) => {
      const time = minuteClock();
      await addTask(store, EVERY_MINUTE, time.clock());
      const { scheduler, notices, events } = watchedScheduler(store, time.clock);
      await ticks(scheduler, time, 1);
      fs.renameSync(store.location, `${store.location}.moved`);
      const first = await tickOnce(scheduler, time);
      const later = await ticks(scheduler, time, 9);
      expect(first.entries).toMatchObject([{ outcome: 'failed', parked: true, code: 'DB_UNREACHABLE' }]);
      expect([first, ...later].map((report) => report.paused?.message)).toEqual(Array(10).fill(`no database at ${store.location}`));
      expect(later.every((report) => report.entries.length === 0)).toBe(true);
      expect(events('task-failed')).toEqual([]);
      expect(notices).toEqual([expect.objectContaining({ cause: 'scheduler-paused', body: expect.stringContaining('put it back where it was') })]);

      fs.renameSync(`${store.location}.moved`, store.location);
      const back = await tickOnce(scheduler, time);
      expect(back.paused).toBeUndefined();
      expect(back.entries).toMatchObject([{ outcome: 'ran', status: 'success' }]);
      expect(events('scheduler-resumed')).toHaveLength(1);
    });
  });
});

describe('the scheduler on a SQLite store whose file is made read-only under a run', () => {
  const sqlite = sqliteBackend();
  afterAll(() => sqlite.cleanup());

  it('pauses once, not counting it as the task failing, and says a restart is what goes on', async (context) => {
    await withFreshStore(sqlite, async (store) => {
      const time = minuteClock();
      await addTask(store, { ...EVERY_MINUTE, source: 'synthetic:seed=7,count=600' }, time.clock());
      let cut: { lift: (() => void) | null } | null = null;
      // Made immutable at the run's first checkpoint, as `chattr +i` by an operator (or a read-only remount) would.
      const onEvent = (event: RunEvent) => {
        if (event.type === 'batch-finished' && cut === null) cut = { lift: makeImmutable(store.location) };
      };
      const { scheduler, notices, events } = watchedScheduler(store, time.clock, (task, request) => runTask(store, task, { clock: time.clock, onEvent }, request));
      try {
        const first = await tickOnce(scheduler, time);
        if (!cut!.lift) return context.skip('chattr +i is not possible here (not root, or a file system without the attribute)');
        const later = await ticks(scheduler, time, 3);
        expect(first.paused).toMatchObject({ code: 'DB_NOT_WRITABLE', message: expect.stringContaining('was made immutable (chattr +i) while this process had it open') });
        expect(later.every((report) => report.paused?.code === 'DB_NOT_WRITABLE' && report.entries.length === 0)).toBe(true);
        expect(events('task-failed')).toEqual([]);
        expect(events('scheduler-paused')).toHaveLength(1);
        expect(notices).toEqual([expect.objectContaining({ cause: 'scheduler-paused', body: expect.stringContaining('until the scheduler is restarted') })]);
      } finally {
        (cut as { lift: (() => void) | null } | null)?.lift?.();
      }
      // Read on a connection of its own: the scheduler's refuses this file for good, reads too.
      const other = await openStore(store.location);
      try {
        expect(await requireTask(other, 'every-minute')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
      } finally {
        await other.close();
      }
    });
  });
});

describe('the scheduler on a SQLite store whose file cannot be written as it starts', () => {
  const sqlite = sqliteBackend();
  afterAll(() => sqlite.cleanup());

  // SQLite opens such a file read-only for the connection's life: the scheduler tried again at every poll, its
  // only word "tasks-unreadable … until the database answers", which no answer ends.
  it('pauses once, saying so in one log line and one notice that a restart is what goes on, and tries no task at its next times', async (context) => {
    const time = minuteClock();
    const location = await sqlite.freshLocation();
    const before = await openStore(location);
    try {
      await addTask(before, EVERY_MINUTE, time.clock());
    } finally {
      await before.close();
    }
    const lift = makeImmutable(location);
    if (!lift) return context.skip('chattr +i is not possible here (not root, or a file system without the attribute)');
    try {
      const store = await openStore(location);
      try {
        const { scheduler, notices, events } = watchedScheduler(store, time.clock);
        const reports = await ticks(scheduler, time, 3);
        expect(reports.map((report) => report.paused?.code)).toEqual(['DB_NOT_WRITABLE', 'DB_NOT_WRITABLE', 'DB_NOT_WRITABLE']);
        expect(reports[0]!.paused!.message).toBe(`cannot write database ${location}: it was immutable (chattr +i) when this process opened it, so this process only reads it`);
        expect(reports.slice(1).every((report) => report.entries.length === 0)).toBe(true);
        expect(events('scheduler-paused')).toHaveLength(1);
        expect(events('tasks-unreadable')).toEqual([]);
        expect(events('task-failed')).toEqual([]);
        expect(notices).toEqual([expect.objectContaining({ cause: 'scheduler-paused', body: expect.stringContaining('until the scheduler is restarted') })]);
        // Another process (`tasks list`, the console's Tasks panel) says what the scheduler's notice says: a restart goes on, no wait.
        const listed = runCli(['tasks', 'list', '--db', location]);
        expect(listed.code, listed.stderr).toBe(0);
        expect(listed.stdout).toContain(`cannot write database ${location}: it was immutable (chattr +i) when this process opened it, so this process only reads it. No scheduled task starts until the scheduler is restarted once the file can be written again`);
        expect(listed.stdout).not.toContain('goes on by itself');
      } finally {
        await store.close();
      }
    } finally {
      lift();
    }
  });
});

const postgres = await availablePostgresBackend();

describe.skipIf(postgres === null)('the scheduler on a PostgreSQL server that goes away for a while', () => {
  /** A fresh store reached through a TCP proxy the test can cut and mend; the server is reachable again, and the store dropped, whatever the test did. */
  async function throughProxy(body: (store: Store, proxy: TcpProxy) => Promise<void>): Promise<void> {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    const backend: TestBackend = postgresBackend(`postgres://postgres@127.0.0.1:${proxy.port}/postgres`);
    try {
      await withFreshStore(backend, (store) => body(store, proxy));
    } finally {
      await proxy.up();
      await backend.cleanup();
      await proxy.close();
    }
  }

  it('keeps going: the tasks that cannot be read are said once, no pause and no notice, and the task runs once the server is back', async () => {
    await throughProxy(async (store, proxy) => {
    const time = minuteClock();
    await addTask(store, EVERY_MINUTE, time.clock());
    const { scheduler, notices, events } = watchedScheduler(store, time.clock);
    const controller = new AbortController();
    const outcomes: string[] = [];
    let sleeps = 0;
    // The loop as `gatehouse scheduler` runs it; each sleep is a minute on the test's clock, the server down for the 2nd to 4th tick.
    const loop = runSchedulerLoop(scheduler, {
      signal: controller.signal,
      clock: time.clock,
      sleep: async () => {
        sleeps += 1;
        time.nextMinute();
        if (sleeps === 1) await proxy.down();
        if (sleeps === 4) await proxy.up();
        if (sleeps === 6) controller.abort();
      },
    });
    await loop;
    outcomes.push(...events('task-finished').map((line) => String(line.status)));
    // Ran before the outage and after it: the loop did not end on the ticks that could not read the tasks.
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
    expect(events('tasks-unreadable')).toEqual([expect.objectContaining({ error: expect.stringContaining('cannot reach PostgreSQL') })]);
    expect(events('tasks-readable-again')).toHaveLength(1);
    expect(events('scheduler-paused')).toEqual([]);
    expect(notices.filter((n) => n.cause === 'scheduler-paused')).toEqual([]);
    });
  });

  it('takes an outage that starts after the task list was read as unreachable too: said once, no task failed, no notice, and the task runs once the server is back', async () => {
    await throughProxy(async (store, proxy) => {
    const time = minuteClock();
    await addTask(store, { ...EVERY_MINUTE, name: 'a-first' }, time.clock());
    await addTask(store, { ...EVERY_MINUTE, name: 'b-second' }, time.clock());
    // The server goes away while the first task runs: the tick read the list, then cannot record the first nor claim the second.
    let runs = 0;
    const { scheduler, notices, events } = watchedScheduler(store, time.clock, async (task, request) => {
      const summary = await runTask(store, task, { clock: time.clock }, request);
      runs += 1;
      if (runs === 1) await proxy.down();
      return summary;
    });
    const outcomes: string[] = [];
    for (let tick = 0; tick < 4; tick++) {
      time.nextMinute();
      outcomes.push(await scheduler.tick().then(() => 'ticked', (error: Error) => error.message));
    }
    // Each tick ends on it, as one that cannot read the list does: the loop tries again at its next poll.
    expect(outcomes).toEqual(Array(4).fill(expect.stringContaining('cannot reach PostgreSQL')));
    expect(events('task-failed')).toEqual([]);
    expect(events('tasks-unreadable')).toEqual([expect.objectContaining({ error: expect.stringContaining('cannot reach PostgreSQL') })]);
    expect(notices).toEqual([]);
    await proxy.up();
    time.nextMinute();
    const back = await scheduler.tick();
    expect(back.entries.filter((entry) => entry.outcome === 'ran').map((entry) => entry.task)).toEqual(['a-first', 'b-second']);
    expect(events('tasks-readable-again')).toHaveLength(1);
    expect(await requireTask(store, 'b-second')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
    });
  });
  /** A task whose run is long enough to be cut after its first batch (its checkpoint) is committed. */
  const MANY_BATCHES = { ...EVERY_MINUTE, source: 'synthetic:seed=7,count=600' };

  /** Runs the task, taking the server away once its first batch is committed; `whenEnded` says what happens to the server once the run returns. */
  function cutAtFirstCheckpoint(store: Store, clock: () => Date, proxy: TcpProxy, whenEnded: () => Promise<void>): SchedulerOptions['runTask'] {
    let cut = false;
    return async (task, request) => {
      const onEvent = (event: RunEvent) => {
        if (event.type !== 'batch-finished' || cut) return;
        cut = true;
        void proxy.down();
      };
      const summary = await runTask(store, task, { clock, onEvent }, request);
      await whenEnded();
      return summary;
    };
  }

  it('does not count a run the server went away under as the task failing: said once, and the next tick resumes the run', async () => {
    await throughProxy(async (store, proxy) => {
    const time = minuteClock();
    await addTask(store, MANY_BATCHES, time.clock());
    // Back as soon as the run has stopped: before the scheduler records what the run did.
    const { scheduler, notices, events } = watchedScheduler(store, time.clock, cutAtFirstCheckpoint(store, time.clock, proxy, () => proxy.up()));
    time.nextMinute();
    const ended = await scheduler.tick().catch((error: unknown) => error);
    expect(await requireTask(store, 'every-minute')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
    // The tick ends on the outage, as one whose claim cannot be made does: `scheduler --once` says the database (exit 6), the loop polls.
    expect(ended).toMatchObject({ code: 'DB_UNREACHABLE', message: expect.stringContaining('the database failed under run 1 of task every-minute') });
    expect(events('task-failed')).toEqual([]);
    expect(events('tasks-unreadable')).toHaveLength(1);
    expect(notices).toEqual([]);

    const back = await tickOnce(scheduler, time);
    expect(back.entries).toMatchObject([{ outcome: 'ran', status: 'success', resumed: { runId: 1, status: 'success' } }]);
    expect(events('task-resuming')).toEqual([expect.objectContaining({ runId: 1 })]);
    expect(events('tasks-readable-again')).toHaveLength(1);
    });
  });

  it('resumes a run the server went away under for longer than its end could wait, though its row still says running', async () => {
    await throughProxy(async (store, proxy) => {
    const time = minuteClock();
    await addTask(store, MANY_BATCHES, time.clock());
    const { scheduler, events } = watchedScheduler(store, time.clock, cutAtFirstCheckpoint(store, time.clock, proxy, async () => {}));
    time.nextMinute();
    await expect(scheduler.tick()).rejects.toMatchObject({ code: 'DB_UNREACHABLE' });
    await proxy.up();
    const back = await tickOnce(scheduler, time);
    expect(back.entries).toMatchObject([{ outcome: 'ran', status: 'success', resumed: { runId: 1, status: 'success' } }]);
    expect(events('task-skipped')).toEqual([]);
    expect(await requireTask(store, 'every-minute')).toMatchObject({ consecutiveFailures: 0, retryAt: null });
    expect(events('tasks-unreadable')).toHaveLength(1);
    });
  });
});
