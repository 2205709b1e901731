import os from 'node:os';
import { GatehouseError } from '../../shared/errors.js';
import { DEFAULT_BATCH_SIZE, type RunEvent, type RunMetrics, type RunMode, type RunStatus, type RunSummary, type SnapshotDecision } from '../../shared/run.js';
import type { ValidationResult } from '../../shared/validation.js';
import type { RecordSource } from '../sources/index.js';
import type { LockHolder, Store } from '../store/index.js';
import { redactedMessage } from '../../shared/redact.js';
import { checkBatchSize } from './batch-sizes.js';
import type { StopCheck } from './stop-watch.js';
import { executeRun } from './execute-run.js';
import { keepLockFresh, STALE_LOCK_MS } from './lock-heartbeat.js';
import { openRun, resumable } from './open-run.js';
import { retryTransient, sleepUnlessStopped, TransientBudget, type Retry } from './transient-retry.js';

/** How each backend's lock outlives its holder: a row with a heartbeat, or an advisory lock tied to a session. */
const LOCK_HELD_HINT: Record<Store['backend'], string> = {
  sqlite: `wait for it to finish; a holder that died, or whose heartbeat is ${STALE_LOCK_MS / 60_000} minutes old, is taken over`,
  postgres: 'wait for it to finish; PostgreSQL releases the lock as soon as the holder\'s database session ends (its process stops or its connection drops)',
};

export interface JudgeInput {
  store: Store;
  runId: number;
  startedAt: string;
  task: string | null;
  metrics: RunMetrics;
}

export interface UpdateOptions {
  store: Store;
  source: RecordSource;
  mode?: RunMode;
  batchSize?: number;
  /** ENABLE_RECORD_ISOLATION: split a failed batch to find its bad records. */
  isolate?: boolean;
  /**
   * ADAPTIVE_BATCHES: a batch that commits (clean, or its bad records isolated) doubles the next one,
   * up to this many changes; a batch that wrote nothing drops the next back to `batchSize`. Absent or
   * null: every batch is `batchSize`.
   */
  batchCeiling?: number | null;
  /**
   * Called at each batch boundary — after a batch committed, before the next is planned, never
   * inside a transaction — with the batch that comes next: the settings the batches take from
   * there (a kill that reached the run, main/flags/mid-run-kills.ts), or null to keep them. It must
   * not throw: a run is never failed over reading them.
   */
  betweenBatches?: (runId: number, nextBatch: number) => Promise<BatchSettings | null>;
  /**
   * An all-or-nothing run's safe points, inside its one transaction: as each window of the source is
   * read, and before it commits. A stop requested here (the signal, aborted by HALT_UPDATES) ends the
   * run as interrupted with the transaction rolled back whole, nothing written.
   */
  beforeCommitting?: (runId: number) => Promise<void>;
  /**
   * Whether a stop may be asked of the run now, cheaply (flags/halt-requests.ts haltAsked: a file
   * read on SQLite, a few rows on the writer lock's own session on PostgreSQL): polled on a timer
   * while the run waits on its source. A yes runs the safe point at once — an all-or-nothing run's
   * `beforeCommitting`, a batch run's boundary (the window read so far committed as a batch, then
   * `betweenBatches`) — so a slow source's window does not keep the stop waiting (stop-watch.ts).
   */
  stopAsked?: StopCheck;
  task?: string | null;
  /** Who started the run ("Ada", "the scheduler (task daily)"): its writer-lock row names them to anyone it refuses. */
  operator?: string;
  flags?: Record<string, unknown>;
  resumeRunId?: number;
  /**
   * The resume is a task's Run (its schedule, `tasks run`, the console's Run of the task): the batches
   * the run had committed are kept with it as the task's story (runs.get's taskResume). A resume by
   * hand (`update --resume`, the console's Resume run) tells no task's story, whichever task it names.
   */
  resumeByTask?: boolean;
  /** A task's new run right after the resume of its run `afterResumeOf`: stored with the run, so the story outlives the console that saw it. */
  afterResumeOf?: number;
  clock?: () => Date;
  /**
   * The writer lock's times (its since and heartbeat), which another writer judges by its own wall
   * clock; `clock` by default. A run on a simulated clock (a trial, a seeded history) passes the wall
   * clock: its lock otherwise carries a heartbeat days old, and on SQLite the next writer takes it
   * over while the run still writes.
   */
  lockClock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  /**
   * How an interrupted run's stored reason ends: what carries on from it. Absent: the command that
   * resumes it (`— resume with --resume N`, the console's Resume run). A run nothing resumes — a
   * staging trial's, whose source lived only in its session — says what to do instead; a scheduled
   * task's says its next time resumes it (taskContinuation), given the run's id.
   */
  continuation?: string | ((runId: number) => string);
  onEvent?: (event: RunEvent) => void;
  /**
   * Called once the run has ended — succeeded, partial or failed, not interrupted (its resume goes
   * on) — after the last batch and its reconciliation, before it is judged: where the end-of-run
   * kills are read (main/flags/mid-run-kills.ts), so a failed run says those that reached it too.
   * It must not throw: a run is never failed over reading them. `mode`: the path the run took (a
   * resume's is its run's, whatever the flags say now).
   */
  atEnd?: (runId: number, status: RunStatus, mode: RunMode) => Promise<void>;
  /** The historical validator, called after the last batch (DESIGN §2 step 7). */
  judge?: (input: JudgeInput) => Promise<ValidationResult | null>;
  /** Decides the final status once validation is known (e.g. BLOCK_ON_ANOMALY holds the run). */
  finalStatus?: (status: RunStatus, validation: ValidationResult | null) => RunStatus;
  /**
   * Called with the lock held, before a new run writes anything (not on resume): e.g. the snapshot
   * policy. Its decision and the backup id it returns are recorded on the run; throwing stops the
   * run before it starts.
   */
  beforeRun?: (input: BeforeRunInput) => Promise<BeforeRunResult | null>;
}

/** What a batch boundary may change for the batches after it (UpdateOptions.betweenBatches). */
export interface BatchSettings {
  isolate: boolean;
  batchCeiling: number | null;
}

/** What a new run will be, for a decision made before it starts. */
export interface BeforeRunInput {
  store: Store;
  mode: RunMode;
  batchSize: number;
  flags: Record<string, unknown>;
  /** Who started it (UpdateOptions.operator); null: nobody was named. */
  operator: string | null;
}

export interface BeforeRunResult {
  decision: SnapshotDecision;
  backupId: string | null;
  runCreated?: (runId: number) => Promise<void>;
}

/**
 * Who holds the writer lock, for a refusal: "an update (run 12) started by Ada at …", "a rollback
 * of run 3 by Bo". A holder without a run id is a rollback, a restore, a prune, or an update not yet
 * given its id: calling it an update sends support looking for a run that is not there. Every
 * writer but an update names its operation in the lock row; an update names its operator there
 * (none in a row written before updates did), and its run once it has one.
 */
export function lockHolderText(h: LockHolder, location: string, afterBusyWait = false): string {
  const by = h.operator ? ` by ${h.operator}` : '';
  const waited = afterBusyWait ? ', and its write transaction kept the database busy for the whole lock wait' : '';
  if (h.runId) return `an update (run ${h.runId}) started${by} at ${h.since} holds ${location}: pid ${h.pid} on ${h.host}${waited}`;
  const who = h.operation ? `${h.operation}${by}` : h.operator ? `an update started${by}, before its run was created,` : 'another writer (a rollback, a restore, a snapshot prune or an update starting)';
  return `${who} holds ${location}: pid ${h.pid} on ${h.host} since ${h.since}${waited}`;
}

/** One update run: lock → fetch → rules → classify → batches → checks → validation → run record. */
export async function runUpdate(options: UpdateOptions): Promise<RunSummary> {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const lockClock = options.lockClock ?? clock;
  const emit = options.onEvent ?? (() => {});
  const owner = { pid: process.pid, host: os.hostname() };
  // The run before this one on the same store may have given up on a busy database (tryWritesOnceWhileBusy below): its hurry is not this run's.
  store.writesWaitAgain();
  // A SQLite file deleted or moved away mid-run took its batches with it while the run reported success: each write transaction (a batch) now checks it is still there, and the run stops interrupted when it is not.
  store.refuseWritesOnceGone();
  const lock = await store.acquireWriterLock({ runId: null, ...owner, operator: options.operator ?? null }, { now: lockClock(), staleAfterMs: STALE_LOCK_MS });
  if (!lock.acquired) {
    throw new GatehouseError('LOCK_HELD', lockHolderText(lock.holder, store.location, lock.afterBusyWait), {
      hint: LOCK_HELD_HINT[store.backend],
    });
  }
  if (lock.tookOverFrom) {
    const h = lock.tookOverFrom;
    emit({ type: 'warning', runId: null, message: lock.leftBehind
      ? `took over this process's own lock row (pid ${h.pid} on ${h.host}, since ${h.since}), left when an earlier writer here could not release it`
      : `took over the lock left by pid ${h.pid} on ${h.host} (last heartbeat ${h.heartbeatAt})` });
  }
  const sleep = options.sleep ?? sleepUnlessStopped(options.signal);
  const transientBudget = new TransientBudget();
  const retry: Retry = (work) => retryTransient({ store, sleep, warn: (message) => emit({ type: 'warning', runId: null, message }), budget: transientBudget, signal: options.signal }, work);
  let runId: number | null = null;
  const stopHeartbeat = keepLockFresh(store, lockClock, () => runId);
  try {
    await retry(() => store.markOrphanedRunsInterrupted({ now: clock() }));
    // A writer attempt whose process died (an update killed during its retention prune) is settled by the next writer, an update too: else it shows running for good.
    await retry(() => store.settleAbandonedAttempts({ now: clock(), staleAfterMs: STALE_LOCK_MS }));
    await retry(() => store.pruneHandledKeys((run) => resumable(store, run)));
    const backup = options.resumeRunId === undefined && options.beforeRun ? await options.beforeRun(beforeRunInput(options)) : null;
    const opened = await openRun(options, clock, owner, retry);
    runId = opened.runId;
    // Once the run row exists, a database that stays busy ends the run as it would mid-run: executeRun does these first.
    const beforeFirstBatch = async () => {
      if (backup) {
        await retry(() => store.annotateRun(opened.runId, { snapshot: backup.decision, backupId: backup.backupId }));
        await backup.runCreated?.(opened.runId);
      }
      await retry(() => store.heartbeat(lockClock(), opened.runId));
    };
    return await executeRun(options, { ...opened, clock, emit, sleep, retry, transientBudget }, beforeFirstBatch);
  } finally {
    stopHeartbeat();
    // The run already waited out its series of retries on a database that stayed busy: its way out does not wait again.
    if (transientBudget.spent) store.tryWritesOnceWhileBusy();
    // A lock row left by a database that stays busy is taken over once this process is gone; the run's outcome stands.
    await store.releaseWriterLock().catch((error: unknown) => emit({ type: 'warning', runId, message: `could not release the writer lock: ${redactedMessage(error)}` }));
  }
}

function beforeRunInput(options: UpdateOptions): BeforeRunInput {
  return { store: options.store, mode: options.mode ?? 'batch', batchSize: checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE), flags: options.flags ?? {}, operator: options.operator ?? null };
}
