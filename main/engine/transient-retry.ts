import { isCanceledByServer, type Store } from '../store/index.js';

/** Runs database work with the transient retries of the run it belongs to. */
export type Retry = <T>(work: () => Promise<T>) => Promise<T>;

const TRANSIENT_RETRY_LIMIT = 5;
/** Retries left to each write once the run's budget is spent: a database that lets go just then still takes the run's end. */
const SPENT_RETRY_LIMIT = 1;
const MAX_BACKOFF_MS = 5_000;

/**
 * One run's patience with a database that stays busy or unreachable. Once one series of retries
 * has run out, the run is stopping (interrupted, resumable): what it still writes on its way out
 * (its end) gets one retry, not a series of its own, so an operator waits about one series behind
 * an outside write transaction on SQLite, not one per step (118 s measured before, 77 s after; 47 s
 * once the lock's heartbeat and the run's way out stopped waiting out the busy timeout beside it).
 */
export class TransientBudget {
  spent = false;
}

export interface RetryPolicy {
  store: Pick<Store, 'classifyError' | 'backend' | 'lockWaitMs' | 'tryWritesOnceWhileBusy'>;
  warn: (message: string) => void;
  sleep: (ms: number) => Promise<void>;
  /** Shared by every retry of one run; absent: every call gets its full series. */
  budget?: TransientBudget;
  /** The run's stop (Ctrl-C, Stop in the console): once it fires, a busy or unreachable database is not tried again. */
  signal?: AbortSignal;
}

/**
 * The one retry of the engine: a dropped connection or a busy database is retried with bounded
 * exponential backoff (100 ms doubling, at most 5 s, 5 retries) wherever the run touches the
 * database — batches, planning lookups, checkpoints, opening and finishing the run. Anything else,
 * or a fault that outlasts the retries, is thrown to the caller. Each retry is said: what the run
 * waits for, which try it is, and what happens when the tries run out.
 *
 * A statement the PostgreSQL server canceled (isCanceledByServer) is thrown at its first failure.
 * Its statement_timeout cancels the same statement over the same rows again: five retries only
 * made the run wait five timeouts and the backoff (9.5 s at a 1 s timeout, minutes at a realistic
 * one) before stopping as it stops now; and an administrator's pg_cancel_backend meant that
 * statement to stop, not to run again. The run stops interrupted, resumable, its reason naming the
 * setting to raise (canceledRunReason): no wait for another writer or a connection is saved by
 * retrying it, which is what the retries are for.
 */
export async function retryTransient<T>(policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  const limit = policy.budget?.spent ? SPENT_RETRY_LIMIT : TRANSIENT_RETRY_LIMIT;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      // Classed transient so that no record is blamed for it, but not retried (above): the run stops at once.
      if (isCanceledByServer(error)) throw error;
      const transient = policy.store.classifyError(error) === 'transient';
      if (!transient || attempt >= limit || policy.signal?.aborted) throw givenUp(policy, error, transient);
      const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt);
      policy.warn(`${waitingFor(policy.store, error)}; retrying in ${delay} ms (retry ${attempt + 1} of ${limit}; still so after the last, the run stops as interrupted: resumable, nothing blamed on a record)`);
      await untilStopped(policy.sleep(delay), policy.signal);
      // A signal's handler runs only once a synchronous busy wait has ended: the stop often comes during this sleep.
      if (policy.signal?.aborted) throw givenUp(policy, error, transient);
    }
  }
}

/**
 * A write `retry` tries again, made at most once. A connection lost as the server ran the write's
 * COMMIT (or a statement that commits by itself) leaves the client without the answer, so a try
 * that failed may have gone through: before each retry `landed` asks the database, on a new
 * connection, for what that try would have left, and what it finds is taken as the write's result
 * instead of writing it again (a second run for one update, a batch quarantined as duplicates of
 * itself). Null: nothing of the failed try is there, and the write is tried again. A database still
 * unreachable for the question is retried as the write is; the run then stops as interrupted, and
 * its resume reads what was committed from the database, not from this process.
 */
export function writtenOnce<T>(retry: Retry, write: () => Promise<T>, landed: () => Promise<{ value: T } | null>): Promise<T> {
  let tried = false;
  return retry(async () => {
    if (tried) {
      const found = await landed();
      if (found !== null) return found.value;
    }
    tried = true;
    return write();
  });
}

/**
 * What a transient fault makes the run wait for, and who holds it where that can be told. On
 * SQLite a busy file while the run holds the writer lock is no Gatehouse writer's: another
 * connection kept a write transaction open through the whole busy timeout.
 */
function waitingFor(store: Pick<Store, 'backend' | 'lockWaitMs'>, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (store.backend === 'sqlite' && /^SQLITE_(BUSY|LOCKED)/.test(code)) {
    const wait = seconds(store.lockWaitMs);
    return `database busy (${message}): another connection has held a write transaction on the file for the whole ${wait} lock wait, and each retry waits up to ${wait} more — not a Gatehouse writer, since this run holds the writer lock; an open sqlite3 shell, database browser or backup tool is the usual holder`;
  }
  return `database error (${message})`;
}

/** A lock wait as people read it: "5 s", "0.1 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** `error`, once the run stops trying: a transient one spends the run's budget. */
function givenUp(policy: RetryPolicy, error: unknown, transient: boolean): unknown {
  if (transient && policy.budget) policy.budget.spent = true;
  // Asked to stop while the database stays busy: the run's way out (its end, the lock's release) tries
  // once each, so the operator's Ctrl-C ends the wait within one lock wait, not a series of them (~40 s).
  if (transient && policy.signal?.aborted) policy.store.tryWritesOnceWhileBusy();
  return error;
}

/**
 * The run's own wait between retries (a run given no `sleep`): its timer is cleared when the run is
 * stopped. untilStopped stops waiting for a sleep but cannot end it, and a timer left pending kept a
 * stopped `gatehouse update` alive until it fired, up to a backoff after its summary was printed.
 */
export function sleepUnlessStopped(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  return (ms) => new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `waiting`, cut short when `signal` fires. */
function untilStopped(waiting: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return waiting;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = () => resolve();
    signal.addEventListener('abort', stop, { once: true });
    waiting.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}
