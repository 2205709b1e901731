import { unreadableScheduleText } from '../../shared/api-operations.js';
import type { RunSummary } from '../../shared/run.js';
import { type ErrorCode, GatehouseError, isGatehouseError, type Surface } from '../../shared/errors.js';
import { redactedMessage } from '../../shared/redact.js';
import { environmentFailure } from '../engine/index.js';
import { flagToActOn, haltInForce, haltText, haltThatStopped, type FlagResolution, type Halt } from '../flags/index.js';
import type { Store } from '../store/index.js';
import { retryAfterFailures } from './backoff.js';
import { countOfTimes, latestBetween, nextOccurrence, type ScheduledTimes, storedCronProblem, timesBetween } from './cron.js';
import type { Notifier } from './notify.js';
import { gapLeftByFailedStart } from './catch-up.js';
import { runTaskResumingInterrupted } from './resume-task.js';
import type { TaskRunRequest } from './run-task.js';
import { type SchedulerPause, StoreWatch } from './store-watch.js';
import { type ScheduledTask, taskStore } from './task-store.js';

export interface MissedRuns {
  task: string;
  /** Counted up to TIMES_COUNTED; `moreThanCount`: more than that were missed (a scheduler down for months). */
  count: number;
  moreThanCount: boolean;
  first: string;
  last: string;
}

export type TickEntry =
  /** `halt`: the HALT_UPDATES that stopped the run (its recorded stop): an operator's decision, counted as a time the halt skipped, not as the task failing. */
  | { task: string; outcome: 'ran'; scheduledFor: string; runId: number; status: RunSummary['status']; resumed?: { runId: number; status: RunSummary['status'] }; halt?: Halt }
  /** `code`: the GatehouseError's, when the failure had one; `nextTry`: when the task tries again (null: no time comes, or it cannot be told). */
  /** `parked`: failed because the scheduler paused, its database having lost a part for good (TickReport.paused); `runId`: the run that met it, when one started. */
  | { task: string; outcome: 'failed'; scheduledFor: string; error: string; code?: ErrorCode; nextTry?: string | null; parked?: true; runId?: number }
  | { task: string; outcome: 'skipped'; scheduledFor: string; reason: string };

export interface TickReport {
  at: string;
  entries: TickEntry[];
  missed: MissedRuns[];
  /** Present when the scheduler started no task because its database lost a part for good (StoreWatch): why, and since when. */
  paused?: SchedulerPause;
}

export interface SchedulerOptions {
  store: Store;
  clock: () => Date;
  runTask: (task: ScheduledTask, request?: TaskRunRequest) => Promise<RunSummary>;
  /** The new run after the resume of the task's run `runId` could not start (kept with that run): the console says so on its event stream. */
  followUpFailed?: (task: ScheduledTask, runId: number, error: string) => void;
  notifier?: Notifier;
  /** One structured line per decision. */
  log: (line: string) => void;
  /** The scheduler's own stop (shutdown), which also stops the run under way: a run it interrupted is no failure of the task. */
  signal?: AbortSignal;
  /** Who reads what it says (its notices, its log): a terminal (the default) or the console, whose next step is a page, not a command. */
  surface?: Surface;
}

/**
 * Decides which tasks are due and runs them. Time comes from the clock, so tests step through a
 * day without sleeping. A task never overlaps itself: not in this process (the `running` set) and
 * not across processes (a run of the task still marked running in the database).
 */
export class Scheduler {
  private readonly running = new Set<string>();
  private readonly watch: StoreWatch;
  /**
   * Runs this scheduler fired that stopped because the database failed under them
   * (RunSummary.databaseFault): their row may still say `running`, its end unrecorded, though they
   * are over. The task's next time resumes them rather than waiting on them for good.
   */
  private readonly stoppedByDatabase = new Set<number>();

  constructor(private readonly options: SchedulerOptions) {
    this.watch = new StoreWatch({ store: options.store, clock: options.clock, notifier: options.notifier, log: (fields) => this.log(fields), surface: options.surface ?? 'cli' });
  }

  async tick(): Promise<TickReport> {
    const now = this.options.clock();
    const report: TickReport = { at: now.toISOString(), entries: [], missed: [] };
    const paused = await this.watch.stillPaused();
    if (paused) return { ...report, paused };
    const tasks = await this.enabledTasks();
    if (!Array.isArray(tasks)) return { ...report, paused: tasks };
    for (const task of tasks) {
      // Stopped (the scheduler shut down, Ctrl-C to `scheduler --once`): the run under way was the last; the others wait for the next tick.
      if (this.options.signal?.aborted) break;
      let paused: SchedulerPause | null;
      try {
        paused = await this.tickTask(task, now, report);
      } catch (error) {
        // One task whose schedule cannot be read (written by hand, by another version) or whose claim failed stops neither the others nor the scheduler.
        paused = await this.watch.pauseIfLost();
        // The database went away after the list was read: not this task's failure, and the same outage as a list that cannot be read.
        if (!paused && this.cannotBeAskedNow(error)) this.unreachable(error);
        report.entries.push(paused ? parked(task.name, now, paused) : await this.unchecked(task, now, error));
      }
      // The database lost a part for good: every other task would fail the same way.
      if (paused) return { ...report, paused };
    }
    // Only a tick that reached the database to its end says an outage is over: a list read between two failed claims does not.
    this.watch.readable();
    return report;
  }

  /**
   * A database that cannot be reached, stays busy or refuses writes now (its disk full, its file made
   * read-only): it may pass, and every task would meet it alike. Asked once a part lost for good was ruled out.
   */
  private cannotBeAskedNow(error: unknown): boolean {
    return (isGatehouseError(error) && (error.code === 'DB_UNREACHABLE' || error.code === 'DB_NOT_WRITABLE')) || this.options.store.classifyError(error) !== 'record';
  }

  /**
   * The enabled tasks; or, when the list cannot be read, the pause it caused (the store lost a part
   * for good). Any other failure to read them (the database unreachable) is said once and thrown:
   * `scheduler --once` ends on it, the loop tries again at its next poll (runSchedulerLoop). So is
   * the same outage met after the list was read, claiming or recording a task (tick).
   */
  private async enabledTasks(): Promise<ScheduledTask[] | SchedulerPause> {
    try {
      return (await taskStore(this.options.store).list()).filter((task) => task.enabled);
    } catch (error) {
      const paused = await this.watch.pauseIfLost();
      if (paused) return paused;
      this.unreachable(error);
    }
  }

  /** The database cannot be asked now: said once (StoreWatch) and thrown, as the tasks' list that cannot be read is. */
  private unreachable(error: unknown): never {
    this.watch.unreadable(error);
    throw error;
  }

  /** Runs the task if its time came; the scheduler's pause when the run failed on a database that lost a part for good. */
  private async tickTask(task: ScheduledTask, now: Date, report: TickReport): Promise<SchedulerPause | null> {
    const since = new Date(task.lastFiredAt ?? task.createdAt);
    const latest = latestBetween(task.cron, since, now);
    if (!latest) return null;
    // Schedulers sharing a database (a team on PostgreSQL) each see the task due: one takes it.
    const claimed = await taskStore(this.options.store).claimOccurrence(task.name, latest.toISOString());
    if (!claimed) {
      report.entries.push(this.skipped(task, latest, 'another scheduler sharing this database took this run'));
      return null;
    }
    // Taken all the same, so the time is spent and not reported as missed once the backoff ends.
    if (claimed.retryAt !== null && Date.parse(claimed.retryAt) > latest.getTime()) {
      report.entries.push(this.skipped(task, latest, `backing off after ${claimed.consecutiveFailures} failures in a row; next try ${claimed.retryAt}`));
      return null;
    }
    // Times before the backoff's retry were to be skipped anyway: not missed for want of a scheduler.
    const missedAfter = claimed.retryAt === null ? since : new Date(Math.max(since.getTime(), Date.parse(claimed.retryAt) - 1));
    const missed = timesBetween(task.cron, missedAfter, new Date(latest.getTime() - 1));
    if (missed) report.missed.push(await this.reportMissed(task, missed));
    const fired = await this.fire(task, latest);
    // Failed because the database lost a part for good: the scheduler pauses (said once), the task is not backed off for it.
    const paused = didNotWork(fired) ? await this.watch.pauseIfLost() : null;
    if (paused) {
      report.entries.push(parked(task.name, latest, paused, fired));
      return paused;
    }
    // The database failed under the run, and may be back by now: not the task's failure, but the outage a claim that cannot be made is (tick).
    if (fired.outcome === 'ran' && this.stoppedByDatabase.has(fired.runId)) throw databaseFailedUnder(task, fired.runId);
    const nextTry = await this.recordOutcome(task, latest, fired);
    const entry = fired.outcome === 'failed' ? await this.couldNotRun(task, { ...fired, nextTry }) : fired;
    report.entries.push(entry);
    if (entry.outcome !== 'skipped') report.entries.push(...(await this.skipTimesPassedDuringRun(task, latest)));
    return null;
  }

  private async unchecked(task: ScheduledTask, now: Date, error: unknown): Promise<TickEntry> {
    const problem = storedCronProblem(task.cron);
    const message = problem
      ? unreadableScheduleText(task, problem, this.options.surface ?? 'cli')
      : `it was not checked: ${redactedMessage(error)}`;
    return this.sayCouldNotRun(task, { task: task.name, outcome: 'failed', scheduledFor: now.toISOString(), error: message }, {});
  }

  /** When the next task is due, or null when none is scheduled (or the tasks cannot be read now: the loop polls). */
  async nextWake(): Promise<Date | null> {
    const now = this.options.clock();
    const tasks = await taskStore(this.options.store).list().then((all) => all.filter((task) => task.enabled), () => []);
    const times = tasks.map((task) => (storedCronProblem(task.cron) === null ? nextOccurrence(task.cron, now) : null)).filter((t): t is Date => t !== null);
    return times.length === 0 ? null : new Date(Math.min(...times.map((t) => t.getTime())));
  }

  private skipped(task: ScheduledTask, scheduled: Date, reason: string): TickEntry {
    const scheduledFor = scheduled.toISOString();
    this.log({ event: 'task-skipped', task: task.name, scheduledFor, reason });
    return { task: task.name, outcome: 'skipped', scheduledFor, reason };
  }

  /** Runs a scheduled time this scheduler has claimed (Scheduler.tick), unless the task is still running or paused. */
  private async fire(task: ScheduledTask, scheduled: Date): Promise<TickEntry> {
    const scheduledFor = scheduled.toISOString();
    if (this.running.has(task.name) || (await this.runningInDatabase(task.name))) return this.skipped(task, scheduled, 'the previous run of this task is still going');
    // Read to act on (flagToActOn): flags that cannot be read start nothing. The task "could not
    // run", and a flags table dropped outside Gatehouse pauses the scheduler (tickTask, StoreWatch).
    let paused: FlagResolution;
    let halted: Halt | null;
    try {
      paused = await flagToActOn(this.options.store, 'PAUSE_SCHEDULED_RUNS', { task: task.name });
      halted = await haltInForce(this.options.store, task.name);
    } catch (error) {
      return failedEntry(task, scheduledFor, environmentFailure(this.options.store, error));
    }
    if (paused.value === true) return this.skipped(task, scheduled, `paused by PAUSE_SCHEDULED_RUNS (${paused.killed ?? paused.scope ?? 'global'})`);
    // Skipped, not failed: the task is not at fault, and its interrupted run resumes once the halt is lifted.
    if (halted) return this.skipped(task, scheduled, `updates halted by ${haltText(halted)}`);
    this.running.add(task.name);
    this.log({ event: 'task-started', task: task.name, scheduledFor });
    try {
      const { summary, resume } = await runTaskResumingInterrupted(this.options.store, task, (request) => this.options.runTask(task, request.resumeRunId === undefined && request.afterResumeOf === undefined ? undefined : request), {
        endUnrecorded: (run) => this.stoppedByDatabase.delete(run.runId),
        resuming: (run) => this.log({ event: 'task-resuming', task: task.name, scheduledFor, runId: run.runId }),
        refused: (runId, reason) => this.log({ event: 'task-resume-refused', task: task.name, scheduledFor, runId, reason }),
        followUpFailed: (runId, error) => this.options.followUpFailed?.(task, runId, error),
      });
      const alsoResumed = resume && 'status' in resume && resume.runId !== summary.runId ? { resumed: { runId: resume.runId, status: resume.status } } : {};
      if (summary.databaseFault) this.stoppedByDatabase.add(summary.runId);
      await taskStore(this.options.store).recordRun(task.name, summary.runId);
      this.log({ event: 'task-finished', task: task.name, scheduledFor, runId: summary.runId, status: summary.status, ...alsoResumed });
      const halt = haltThatStopped(summary);
      return { task: task.name, outcome: 'ran', scheduledFor, runId: summary.runId, status: summary.status, ...alsoResumed, ...(halt ? { halt } : {}) };
    } catch (error) {
      // The database that cannot be asked now, not the task, failed: the tick ends on it (said once), no failure counted.
      if (this.cannotBeAskedNow(error)) throw error;
      // Halted between the check above and the run's own (refuseWhileHalted): skipped as above, an operator's decision, not a failure.
      const halt = isGatehouseError(error) && error.code === 'CONFLICT' ? await this.haltedNow(task) : null;
      if (halt) return this.skipped(task, scheduled, `updates halted by ${haltText(halt)}`);
      // Said (logged and notified) once the outcome is recorded, with the next try it decided (couldNotRun).
      return failedEntry(task, scheduledFor, error);
    } finally {
      this.running.delete(task.name);
    }
  }

  /**
   * A run that failed or stopped short (or could not start) counts toward the task's backoff
   * (backoff.ts); one that did its work ends it. A time skipped because the previous run was still
   * going or the task is paused says nothing about the source, and counts neither way; nor does a
   * start refused because another writer (an operator's update, another task, a restore) held the
   * writer lock: that is the database being busy with someone else's work, not the task failing,
   * and backing off would leave the task hours behind a writer that finishes in minutes. Returns
   * when a task that could not run tries next.
   */
  private async recordOutcome(task: ScheduledTask, scheduled: Date, entry: TickEntry): Promise<string | null> {
    if (entry.outcome === 'skipped') return null;
    // Stopped with the scheduler: the next tick resumes it, and says then whether the source works.
    if (entry.outcome === 'ran' && entry.status === 'interrupted' && this.options.signal?.aborted) return null;
    // Stopped by HALT_UPDATES (as the run recorded it): an operator's decision, not the task failing; the next time after the halt is lifted resumes it.
    if (entry.outcome === 'ran' && entry.halt) {
      this.log({ event: 'task-halted', task: task.name, runId: entry.runId, halt: haltText(entry.halt), backoff: 'not counted: stopped by HALT_UPDATES' });
      return null;
    }
    const tasks = taskStore(this.options.store);
    if (entry.outcome === 'ran' && !FAILED_RUNS.includes(entry.status)) {
      await tasks.recordSuccess(task.name);
      return null;
    }
    if (lockContention(entry)) return this.nextTime(task);
    const backoff = await tasks.recordFailure(task.name, (failures) => retryAfterFailures(task.cron, scheduled, failures)?.toISOString() ?? null);
    if (backoff.retryAt !== null) this.log({ event: 'task-backing-off', task: task.name, consecutiveFailures: backoff.consecutiveFailures, retryAt: backoff.retryAt });
    return backoff.retryAt ?? this.nextTime(task);
  }

  /** HALT_UPDATES in force for the task now, or null (off, or the flags cannot be read: the outcome then counts as it would). */
  private async haltedNow(task: ScheduledTask): Promise<Halt | null> {
    return haltInForce(this.options.store, task.name).catch(() => null);
  }

  /** The task's next scheduled time after now, or null when none comes. */
  private nextTime(task: ScheduledTask): string | null {
    return nextOccurrence(task.cron, this.options.clock())?.toISOString() ?? null;
  }

  /** A task whose run failed or could not start, with what it left unlisted and when it tries next. */
  private async couldNotRun(task: ScheduledTask, entry: Extract<TickEntry, { outcome: 'failed' }>): Promise<TickEntry> {
    return this.sayCouldNotRun(task, { ...entry, nextTry: entry.nextTry ?? null }, { uncovered: await this.gapLeft(task) });
  }

  /**
   * The one log line and notice of a task that could not run, whether it was never checked
   * (unchecked) or its run failed (couldNotRun): why; what it left unlisted, when known; and when it
   * tries next — said only when the tick decided it (`nextTry` undefined: not decided here).
   */
  private async sayCouldNotRun(task: ScheduledTask, entry: Extract<TickEntry, { outcome: 'failed' }>, known: { uncovered?: string | null }): Promise<TickEntry> {
    const { uncovered } = known;
    const contention = lockContention(entry);
    const notCounted = contention ? { backoff: 'not counted: another writer held the writer lock' } : {};
    this.log({ event: 'task-failed', task: task.name, scheduledFor: entry.scheduledFor, error: entry.error, ...(uncovered ? { uncovered } : {}), ...(entry.nextTry !== undefined ? { nextTry: entry.nextTry } : {}), ...notCounted });
    const next = entry.nextTry === undefined ? null : entry.nextTry ? `Next try ${entry.nextTry}${contention ? ' (another writer holding the lock does not count toward the task\'s backoff)' : ''}` : 'No next try is scheduled';
    const body = [entry.error, uncovered ? `Not listed: ${uncovered}` : null, next].filter((part) => part !== null).join('. ');
    await this.options.notifier?.notify({ cause: 'run-failed', subject: task.name, level: 'error', title: `Gatehouse: task ${task.name} could not run`, body });
    return entry;
  }

  /**
   * Scheduled times that came while this scheduler ran the task are skipped, not started late
   * behind it nor reported as missed (something was running): the next run reaches back over
   * their window anyway. Said in the log and the tick's report.
   */
  private async skipTimesPassedDuringRun(task: ScheduledTask, fired: Date): Promise<TickEntry[]> {
    const passed = timesBetween(task.cron, fired, this.options.clock());
    if (!passed || !(await taskStore(this.options.store).claimOccurrence(task.name, passed.last.toISOString()))) return [];
    const times = passed.count === 1 && !passed.moreThanCount ? 'its time' : `${countOfTimes(passed)} of its times from ${passed.first.toISOString()}`;
    return [this.skipped(task, passed.last, `the previous run of this task was still going at ${times}`)];
  }

  /** Said once, with the failure: the task's run recorded nothing that would say it. */
  private async gapLeft(task: ScheduledTask): Promise<string | null> {
    try {
      return await gapLeftByFailedStart(this.options.store, task, this.options.clock());
    } catch (error) {
      return `which updates no run listed cannot be told (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  private async runningInDatabase(task: string): Promise<boolean> {
    const running = await this.options.store.listRuns({ status: ['running'], limit: 100 });
    return running.some((run) => run.task === task && !this.stoppedByDatabase.has(run.runId));
  }

  /** Runs that should have happened while no scheduler was up: said out loud, not dropped. */
  private async reportMissed(task: ScheduledTask, missed: ScheduledTimes): Promise<MissedRuns> {
    const entry = { task: task.name, count: missed.count, moreThanCount: missed.moreThanCount, first: missed.first.toISOString(), last: missed.last.toISOString() };
    const pause = this.watch.endedPauseOver(missed.first, missed.last);
    this.log({ event: 'runs-missed', ...entry, ...(pause ? { pausedSince: pause.since, pausedUntil: pause.until } : {}) });
    const one = entry.count === 1 && !entry.moreThanCount;
    const times = one ? entry.first : `${countOfTimes(entry)} runs between ${entry.first} and ${entry.last}`;
    // A scheduler was up but paused (its database not whole): "nothing was running" would send the operator looking for a stopped process.
    const why = pause ? `the scheduler was paused from ${pause.since} to ${pause.until} (${pause.message}) at` : 'nothing was running to start';
    await this.options.notifier?.notify({
      cause: 'missed-runs',
      subject: task.name,
      level: 'warning',
      title: `Gatehouse: task ${task.name} missed ${countOfTimes(entry)} scheduled run${one ? '' : 's'}`,
      body: `${why} ${times}; running it once now`,
    });
    return entry;
  }

  private log(fields: Record<string, unknown>): void {
    this.options.log(JSON.stringify({ at: this.options.clock().toISOString(), ...fields }));
  }
}

/** A task's runs that did not do their work: trying again at every time would only fail the same way. */
const FAILED_RUNS: readonly RunSummary['status'][] = ['failed', 'interrupted', 'rolled_back'];

/** A run that failed or stopped short, or could not start (a time skipped is neither). */
function didNotWork(entry: TickEntry): boolean {
  return entry.outcome === 'failed' || (entry.outcome === 'ran' && FAILED_RUNS.includes(entry.status));
}

/**
 * A task's time that failed because the database lost a part for good (or met it as it was claimed):
 * its entry carries the pause's reason and no next try, since none comes until the database is whole.
 * Said once, by the pause (StoreWatch), not as a failure of each task.
 */
function parked(task: string, scheduled: Date, pause: SchedulerPause, fired?: TickEntry): TickEntry {
  const run = fired?.outcome === 'ran' ? { runId: fired.runId } : {};
  return { task, outcome: 'failed', scheduledFor: scheduled.toISOString(), error: pause.message, code: pause.code, nextTry: null, parked: true, ...run };
}

/** A scheduled time whose run failed, or never started (its flags unreadable, its start refused). */
function failedEntry(task: ScheduledTask, scheduledFor: string, error: unknown): TickEntry {
  const message = error instanceof Error ? error.message : String(error);
  return { task: task.name, outcome: 'failed', scheduledFor, error: message, ...(isGatehouseError(error) ? { code: error.code } : {}) };
}

/** Why a tick ends when its database failed under a task's run: the outage, said once (StoreWatch.unreadable) until a tick reaches the database to its end. */
function databaseFailedUnder(task: ScheduledTask, runId: number): GatehouseError {
  return new GatehouseError('DB_UNREACHABLE', `the database failed under run ${runId} of task ${task.name}: not counted as the task failing; the run is resumed at the task's next time once the database answers`);
}

/** A start refused because another writer held the writer lock (runUpdate's LOCK_HELD). */
function lockContention(entry: TickEntry): boolean {
  return entry.outcome === 'failed' && entry.code === 'LOCK_HELD';
}

export interface LoopOptions {
  signal: AbortSignal;
  clock: () => Date;
  /** Waits, or returns early when the signal fires. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Tasks edited elsewhere are picked up at least this often. */
  pollMs?: number;
}

/** The headless loop: tick, sleep until the next task is due (or the poll interval), repeat. */
export async function runSchedulerLoop(scheduler: Scheduler, options: LoopOptions): Promise<void> {
  const pollMs = options.pollMs ?? 60_000;
  while (!options.signal.aborted) {
    // A tick that could not read the tasks (the database unreachable, said once by the scheduler)
    // is tried again at the next poll: it ended the loop, the headless scheduler and the console's
    // with it, where a server that restarts comes back by itself.
    const ticked = await scheduler.tick().then(() => true, () => false);
    const wake = ticked ? await scheduler.nextWake() : null;
    const untilWake = wake ? wake.getTime() - options.clock().getTime() : pollMs;
    await options.sleep(Math.max(1_000, Math.min(pollMs, untilWake)), options.signal);
  }
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  // Aborted during the tick (SIGINT while a task ran): an abort listener added now would never fire.
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
