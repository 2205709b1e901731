import os from 'node:os';
import { GatehouseError, toErrorPayload } from '../../shared/errors.js';
import { keepLockFresh, lockHolderText, STALE_LOCK_MS } from '../engine/index.js';
import { logger } from '../logging/index.js';
import { causedBy, CommitOutcomeUnknown, holdForGood, runningTrialOn, type LockHolder, type Store } from '../store/index.js';
import { beginAttempt, endAttempt, recordRefusal } from './attempts.js';

const log = logger('backup');

/** What a writer other than an update does under the lock: `action` for its own refusal, `operation` (and `operator`) for others'. */
export interface WriterPurpose<T = unknown> {
  /** What this writer could not do, as a verb: "roll back run 12", "take a snapshot". */
  action: string;
  /** Its own words for a holder it knows better than the lock does (the run a rollback targets, still running); null: the lock's. */
  refusedBy?: (holder: LockHolder) => GatehouseError | null;
  /** What it is, as a second writer is told it holds the lock: "a rollback of run 12". */
  operation: string;
  operator?: string;
  /** Recorded as an attempt (attempts.ts): a change support staff must see tried, even when its process dies. */
  audited?: boolean;
  /**
   * Recorded as an attempt, for who did it, but not a change to the data a trial would be judged
   * against (a snapshot taken or pruned by hand): not refused while a trial holds the database.
   */
  recorded?: boolean;
  /** An audited change with no audit table of its own (a snapshot deletion): its reason is kept in its attempt's detail, whatever the outcome. */
  reason?: string;
  /** What the attempt's detail says besides the reason when it succeeds (a deletion that needed --force). */
  successDetail?: (result: T) => string | null;
}

/**
 * Rollback and restore take the same one-writer lock as an update, so they never interleave with
 * a run's batches; while a run holds it they refuse, naming the holder. The lock row names this
 * writer's operation and operator, so whoever it refuses meanwhile — in any process — knows what
 * to wait for and whom to ask. `work` is given the id of its attempt row when the purpose is
 * audited (null otherwise), so its report can point at its audit.
 */
export async function withWriterLock<T>(store: Store, clock: () => Date, purpose: WriterPurpose<T>, work: (attemptId: number | null) => Promise<T>): Promise<T> {
  const { action, operation, operator } = purpose;
  const lock = await store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname(), operation, operator: operator ?? null }, { now: clock(), staleAfterMs: STALE_LOCK_MS });
  if (!lock.acquired) {
    const refusal = purpose.refusedBy?.(lock.holder) ?? new GatehouseError('LOCK_HELD', `cannot ${action}: ${lockHolderText(lock.holder, store.location, lock.afterBusyWait)}; nothing was changed`, {
      hint: lock.holder.runId ? { cli: 'wait for the run to finish or stop it (SIGINT) first', console: `wait for the run to finish, or ${consoleStop(lock.holder)} first` } : 'wait for it to finish, then try again',
    });
    throw await refused(store, clock, purpose, refusal);
  }
  // A rollback of a large run or a restore of a large database holds the lock for minutes: keep it visibly alive.
  const stopHeartbeat = keepLockFresh(store, clock, () => null);
  try {
    if (purpose.audited) await refuseDuringTrial(store, action, clock).catch(async (error: unknown) => {
      throw await refused(store, clock, purpose, error);
    });
    // A store opened not all there for a restore may lack its runs table; the restore replaces the runs anyway.
    if (!store.damage) await store.markOrphanedRunsInterrupted({ now: clock() });
    await store.settleAbandonedAttempts({ now: clock(), staleAfterMs: STALE_LOCK_MS });
    return purpose.audited || purpose.recorded ? await asAttempt(store, clock, purpose, work) : await work(null);
  } finally {
    stopHeartbeat();
    // The operation's own outcome stands, as an update's does: a failed release must not replace
    // its error (or turn a committed rollback into a reported failure). A lock row it leaves is
    // taken over once its heartbeat is stale — said in the log, so a lock that lingers has a cause.
    await store.releaseWriterLock().catch((error: unknown) => {
      log.warn(`the writer lock on ${store.location} was not released after ${operation}: ${toErrorPayload(error).message}; another writer takes it over once its heartbeat is stale`, { db: store.location });
    });
  }
}

/** The console's Stop reaches only the runs of its own engine; a run another process holds is stopped where it was started. */
export function consoleStop(holder: { pid: number; host: string }): string {
  const here = holder.pid === process.pid && holder.host === os.hostname();
  return here ? 'stop it from its run page (Stop after this batch)' : 'stop it where it was started (Ctrl+C, or SIGINT to its process)';
}

/**
 * A trial holds its staging database from its copy to its last ledger row, but the writer lock only
 * while one of its updates runs: a restore or rollback between two of them would be copied over by
 * the next trial, or change the history the next one is judged against. Asked under the writer lock,
 * so no update of the trial can be running meanwhile.
 */
async function refuseDuringTrial(store: Store, action: string, clock: () => Date): Promise<void> {
  const trial = await runningTrialOn(store, { now: clock(), staleAfterMs: STALE_LOCK_MS });
  if (!trial) return;
  const by = trial.operator ? ` started by ${trial.operator}` : '';
  throw new GatehouseError('LOCK_HELD', `cannot ${action}: ${store.location} is the staging database of a trial${by} that is still running (${trial.where ? `${trial.where}, ` : ''}since ${trial.since}); nothing was changed`, {
    hint: 'wait for the trial to finish, then try again',
  });
}

/**
 * One rule for the audit of every writer support staff asks for (audited or recorded): a refusal is
 * an attempt, recorded `failed` with its words — "refused: …; nothing was changed" — also when it comes
 * before the attempt began (another writer holds the lock, a trial holds the database, no such
 * snapshot), so the attempts say who tried what and why it did not happen. Written as one closed row
 * without the lock, which the refused writer does not hold; a row the database will not take (busy,
 * its audit table gone) is said in the log, and the refusal still reaches its operator.
 */
export async function refused(store: Store, clock: () => Date, purpose: Pick<WriterPurpose, 'operation' | 'operator' | 'audited' | 'recorded' | 'reason'>, error: unknown): Promise<unknown> {
  if (!(purpose.audited || purpose.recorded) || !isRefusal(error)) return error;
  await recordRefusal(store, { operation: purpose.operation, operator: purpose.operator ?? null, at: clock(), detail: withReason(refusalDetail(error), purpose.reason) ?? refusalDetail(error) }).catch((failure: unknown) => {
    log.warn(`${purpose.operation} was refused (${error.message}), and its attempt could not be recorded: ${toErrorPayload(failure).message}`, { db: store.location });
  });
  return error;
}

/** Gatehouse's own refusals of a request it understood: what it found in the database, not a fault of the environment. */
function isRefusal(error: unknown): error is GatehouseError {
  return error instanceof GatehouseError && (error.code === 'LOCK_HELD' || error.code === 'CONFLICT' || error.code === 'NOT_FOUND');
}

function refusalDetail(error: GatehouseError): string {
  const said = error.message.replace(/; nothing (?:was [a-z ]+|to roll back)$/, '');
  return `refused: ${said}; nothing was changed`;
}

/**
 * `work` between its attempt's start and end rows; a failure to close the row leaves it for the next
 * writer to settle. Called with the writer lock held (an update's own, for retention after its snapshot).
 */
export async function asAttempt<T>(store: Store, clock: () => Date, purpose: WriterPurpose<T>, work: (attemptId: number) => Promise<T>): Promise<T> {
  // The reason is written as the attempt starts: one whose process dies mid-way (a deletion killed with its copy set aside) keeps it.
  const attempt = await beginAttempt(store, { operation: purpose.operation, operator: purpose.operator ?? null, at: clock(), detail: withReason(null, purpose.reason) });
  const end = (outcome: 'succeeded' | 'failed' | 'unfinished', detail: string | null) => endAttempt(store, attempt, { at: clock(), outcome, detail: withReason(detail, purpose.reason) }).catch(() => undefined);
  try {
    const result = await work(attempt);
    holdingBeforeTheEnd(purpose.operation);
    await end('succeeded', purpose.successDetail?.(result) ?? null);
    return result;
  } catch (error) {
    // Cut at its COMMIT, and not told after whether that went through: not failed, which may be untrue; its words say what to check.
    const detail = isRefusal(error) ? refusalDetail(error) : error instanceof Error ? error.message : String(error);
    await end(causedBy(error, (e) => e instanceof CommitOutcomeUnknown) ? 'unfinished' : 'failed', detail);
    throw error;
  }
}

/**
 * Test seam (GATEHOUSE_TEST_FAULTS=1, GATEHOUSE_HANG_ATTEMPT_END=1): an attempt whose work is done (a
 * rollback's or restore's transaction committed) holds for good before its attempt is ended, once it
 * has said so on stderr: a kill -9 between the two, at a known step.
 */
function holdingBeforeTheEnd(operation: string): void {
  if (process.env.GATEHOUSE_TEST_FAULTS === '1' && process.env.GATEHOUSE_HANG_ATTEMPT_END === '1') holdForGood(`the end of ${operation}`);
}

function withReason(detail: string | null, reason: string | undefined): string | null {
  if (reason === undefined) return detail;
  return detail === null ? `reason: ${reason}` : `${detail}; reason: ${reason}`;
}

/**
 * A run left `running` by a process that died (kill -9 of `gatehouse serve` mid-update, a crash)
 * is only marked `interrupted`, with its resume hint, by the next writer; until then the console
 * shows it running for good. This takes the lock for a moment, as any writer would, which marks
 * such runs interrupted; a live writer keeps the lock, and its run stays running.
 */
export async function settleOrphanedRuns(store: Store, clock: () => Date = () => new Date()): Promise<void> {
  try {
    await withWriterLock(store, clock, { action: 'settle runs left running', operation: 'a check for runs left running' }, async () => undefined);
  } catch (error) {
    if (!(error instanceof GatehouseError && error.code === 'LOCK_HELD')) throw error;
  }
}
