import type { ErrorPayload, GatehouseError, Surface } from '../../shared/errors.js';
import { redactedMessage } from '../../shared/redact.js';
import type { Store } from '../store/index.js';
import type { SchedulerPauseView } from '../../shared/api-operations.js';
import type { Notifier } from './notify.js';
import { notificationThrottle } from './task-store.js';

/** The pause notice's subject: one per database, whichever scheduler sends it. */
const PAUSE_SUBJECT = 'scheduler';

/** Why the scheduler starts no task now (TickReport.paused), and since when. */
export type SchedulerPause = ErrorPayload & { since: string };

/** A pause that is over: the times it passed over are said as missed because of it, not for want of a scheduler. */
export type EndedPause = SchedulerPause & { until: string };

export interface StoreWatchOptions {
  store: Store;
  clock: () => Date;
  notifier?: Notifier;
  /** The scheduler's structured log (one JSON object a decision). */
  log: (fields: Record<string, unknown>) => void;
  surface: Surface;
}

/**
 * What ends the pause by itself, on each backend. A SQLite copy put in the file's place is a new
 * file to the connection the scheduler holds (it checks the file is the one it opened): only a
 * restart opens it.
 */
const GOES_ON_WHEN = {
  sqlite: 'No task starts until the database is whole again; the scheduler checks at each tick and goes on by itself once the file it opened is back where it was, whole (restart it after putting a copy in its place)',
  postgres: 'No task starts until the database is whole again; the scheduler checks at each tick and goes on by itself once the schema has its tables again',
} as const;

/** A SQLite file made read-only under the scheduler's connection (DatabaseUnwritable): that connection never writes it again. */
const RESTART_TO_GO_ON = 'No task starts until the scheduler is restarted once the file can be written again: the connection it holds refuses it for good';

/**
 * The scheduler's eye on its database, for the faults no wait heals: a table or schema dropped
 * outside Gatehouse, the SQLite file deleted or moved. Every task would fail the same way, so
 * backing each off (retrying for good, a failure line and notice each time) only buried the one
 * thing to do; instead the scheduler pauses, says why once (log and one notice), asks the store
 * again at each tick, and goes on by itself once the store is whole again (a file put back, a
 * schema restored). A database that cannot be asked (a server restarting) is no reason to pause:
 * that passes, and the tasks' own backoff covers it.
 */
export class StoreWatch {
  private pause: SchedulerPause | null = null;
  private lastEnded: EndedPause | null = null;
  /** Set while the task list cannot be read (the database unreachable): said once when it starts and once when it ends. */
  private unreadableSince: string | null = null;

  constructor(private readonly options: StoreWatchOptions) {}

  /** Before a tick: the pause still in force, or null when tasks may run (said once, when a pause ends). */
  async stillPaused(): Promise<SchedulerPause | null> {
    if (this.pause === null) return null;
    const lost = await this.lostPart();
    if (lost) return this.pause;
    this.options.log({ event: 'scheduler-resumed', pausedSince: this.pause.since, reason: this.pause.message });
    this.lastEnded = { ...this.pause, until: this.options.clock().toISOString() };
    this.pause = null;
    return null;
  }

  /** The last pause, when it is over and some of the times from `first` to `last` came while it lasted. */
  endedPauseOver(first: Date, last: Date): EndedPause | null {
    const ended = this.lastEnded;
    if (ended === null || first.getTime() > Date.parse(ended.until) || last.getTime() < Date.parse(ended.since)) return null;
    return ended;
  }

  /**
   * After a failure — a task's run, or the scheduler's own read of the store: pauses when the store
   * lost a part for good, and returns the pause; null when it is whole (the failure is the task's)
   * or cannot be asked (it may pass).
   */
  async pauseIfLost(): Promise<SchedulerPause | null> {
    const lost = await this.lostPart();
    if (!lost) return null;
    this.pause = { ...lost.toPayload(this.options.surface), since: this.options.clock().toISOString() };
    this.options.log({ event: 'scheduler-paused', reason: this.pause.message, ...(this.pause.hint ? { hint: this.pause.hint } : {}) });
    await this.options.notifier?.notify({
      cause: 'scheduler-paused',
      subject: PAUSE_SUBJECT,
      level: 'error',
      title: 'Gatehouse: scheduled tasks paused',
      body: [lost.message, lost.code === 'DB_NOT_WRITABLE' ? RESTART_TO_GO_ON : GOES_ON_WHEN[this.options.store.backend], this.pause.hint].filter(Boolean).join('. '),
    });
    return this.pause;
  }

  /** The task list could not be read, or a task claimed or recorded, and the store lost nothing for good: said once, until a tick reaches the database to its end. */
  unreadable(error: unknown): void {
    if (this.unreadableSince !== null) return;
    this.unreadableSince = this.options.clock().toISOString();
    this.options.log({ event: 'tasks-unreadable', error: redactedMessage(error), retry: 'at every tick until the database answers' });
  }

  /** A tick read the tasks and did its work on them: an outage said by `unreadable` is over. */
  readable(): void {
    if (this.unreadableSince === null) return;
    this.options.log({ event: 'tasks-readable-again', unreadableSince: this.unreadableSince });
    this.unreadableSince = null;
  }

  private async lostPart(): Promise<GatehouseError | null> {
    try {
      return await this.options.store.lostForGood();
    } catch {
      // The database cannot be asked now: nothing says it is gone for good.
      return null;
    }
  }
}

/**
 * The pause as another process sees it (tasks.list, `tasks list`): the scheduler's own state lives
 * in its process, so this asks the store the question the scheduler asks at each tick (a part lost
 * for good pauses every scheduler on it, and its return resumes them), and takes the time from the
 * pause notice's throttle row, the one record of it schedulers leave in the database. Null when the
 * store is whole, or cannot be asked (nothing says it is gone for good).
 */
export async function schedulerPauseSeen(store: Store): Promise<SchedulerPauseView | null> {
  const lost = await store.lostForGood().catch(() => null);
  if (lost === null) return null;
  const since = await notificationThrottle(store).lastSent(`scheduler-paused:${PAUSE_SUBJECT}`).catch(() => null);
  return { since, reason: lost.message, ...(lost.code === 'DB_NOT_WRITABLE' ? { restartToGoOn: true } : {}) };
}
