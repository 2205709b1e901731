import { GatehouseError, toErrorPayload, type ErrorPayload } from '../../shared/errors.js';
import type { ActiveRun, OperationEvent, OperationView } from '../../shared/api.js';
import type { RunEvent } from '../../shared/run.js';
import { eventFor, taskContinuation, type UpdateOptions } from '../engine/index.js';
import { coverageGapFor, runFlaggedUpdate } from '../scheduler/index.js';
import { openSource, type SourceOptions } from '../sources/index.js';
import { openStore, type StoreOptions } from '../store/index.js';
import type { BatchOutcome, BatchSensitivity } from '../validation/index.js';
import { judgeBatchHere } from './batch-judging.js';
import { consoleStoreOptions, OperationBook, performOperation, type OperationKind, type OperationProgress, type OperationRequest, type OperationRequestOf, type OperationResults } from './long-operations.js';

export interface StartRunRequest {
  source: string;
  /** Absent: the flags in force for the task decide, as on the CLI. */
  batchSize?: number;
  mode?: 'batch' | 'all-or-nothing';
  task: string | null;
  /** A scheduled task's lookback window (congress: sources). */
  lookbackDays?: number;
  /** A scheduled task's interrupted run, resumed as `gatehouse update --resume` does. */
  resumeRunId?: number;
  /** `--full-integrity-check`: read the whole database before the run even when it is as the last verified run left it. */
  fullIntegrityCheck?: boolean;
  /** Who starts it (the console's operator, the scheduler): named to whoever its writer lock refuses. */
  operator?: string;
  /** A scheduled task's new run right after the resume of its interrupted run, that run's id (TaskRunRequest.afterResumeOf): stored with the new run and named by its run-started event. */
  afterResumeOf?: number;
  /** A run of the scheduled task `task` (tasks.run, the console's scheduler): stopped, its reason says the task's next time resumes it (taskContinuation). */
  scheduledTask?: boolean;
}

export type RunEventListener = (event: RunEvent) => void;

/** What a run stopped by a closing engine host says stopped it, when its closer names nothing more precise. */
export const CONSOLE_SHUTDOWN = 'as the console shut down';

/**
 * Where update runs execute for the console. The API starts runs through it and streams its
 * events; whether the engine runs in this thread or a worker is the host's business.
 */
export interface EngineHost {
  readonly kind: 'worker' | 'in-process';
  /** Resolves once the run has its id (the engine has the lock and created the run row). */
  start(request: StartRunRequest): Promise<{ runId: number }>;
  /**
   * Asks a run to stop after its current batch; false when no such run is active here. `by`: who
   * asked ("by Ada from the console"), which the run's stored reason says.
   */
  cancel(runId: number, by: string): Promise<boolean>;
  active(): ActiveRun[];
  subscribe(listener: RunEventListener): () => void;
  /** Tells every listener something about the runs that no run's own events say (a task's new run that could not start after a resume). */
  announce(event: RunEvent): void;
  /**
   * Runs a long operation (rollback, restore, snapshot, trials) where the runs run, reporting its
   * progress to `onProgress` and as operation events; resolves with its result.
   */
  perform<K extends OperationKind>(request: OperationRequestOf<K>, onProgress?: (progress: OperationProgress) => void): Promise<OperationResults[K]>;
  /** Operations in progress. */
  operations(): OperationView[];
  subscribeOperations(listener: (event: OperationEvent) => void): () => void;
  /** validation.batch's lines judged under `sensitivity`, where the runs run: each line's answer as `validate --batch` gives it. */
  judgeBatch(lines: readonly string[], sensitivity: BatchSensitivity | undefined): Promise<BatchOutcome[]>;
  /**
   * Stops active runs (after their current batch), lets operations that write the database finish,
   * and waits. `why`: what their stored reason says stopped them (default: the console shutting down).
   */
  close(why?: string): Promise<void>;
}

/** What `gatehouse serve` sets for every run's source (the key travels by the environment, which Settings can change). */
export type ConsoleSourceOptions = Pick<SourceOptions, 'waitWorthSayingMs' | 'maxWaitPerRequestMs' | 'congressBaseUrl'>;

export interface EngineHostOptions {
  /** The database runs write to; each run opens its own connection. */
  location: string;
  storeOptions?: StoreOptions;
  /** The historical validator (issue 5) plugs in here. */
  judge?: UpdateOptions['judge'];
  clock?: () => Date;
  /** How the host opens its runs' sources, beyond each request's lookback (tests lower the wait worth telling). */
  sourceOptions?: ConsoleSourceOptions;
}

/**
 * A closing host starts nothing more: a run or operation begun while it waits for the others would
 * outlive the close (a run left `running` in a closed database). `gatehouse serve` keeps answering
 * requests while its last run finishes its batch.
 */
export function shuttingDown(what: 'run' | 'batch' | OperationKind): GatehouseError {
  return new GatehouseError('CONFLICT', `the console is shutting down: the ${what} was not started`, { hint: 'start it again once the console is back' });
}

/**
 * Every listener of a host is the console's (its page, its notices, its scheduler): a run's reason
 * and a coverage gap's next step in the console's words, not the command line's.
 */
function inConsoleWords(event: RunEvent): RunEvent {
  const worded = eventFor(event, 'console');
  return worded.type === 'warning' && worded.cause === 'coverage-gap' ? { ...worded, message: coverageGapFor(worded.message, 'console') } : worded;
}

/** Keeps the live picture of active runs from the events, shared by both hosts. */
export class ActiveRuns {
  private readonly runs = new Map<number, ActiveRun>();

  observe(event: RunEvent, now: Date): void {
    if (event.type === 'run-started') {
      this.runs.set(event.runId, { runId: event.runId, startedAt: now.toISOString(), expectedRecords: event.expectedRecords, metrics: { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0 }, elapsedMs: 0, wait: null });
      return;
    }
    if (event.type === 'run-finished') {
      this.runs.delete(event.runId);
      return;
    }
    const run = event.runId === null ? undefined : this.runs.get(event.runId);
    if (!run) return;
    if (event.type === 'progress') Object.assign(run, { metrics: event.metrics, elapsedMs: Math.max(0, Math.round(event.elapsedMs)) });
    if (event.type === 'waiting') run.wait = event.wait;
    if (event.type === 'batch-finished') {
      run.metrics = event.metrics;
      run.elapsedMs = Math.max(0, now.getTime() - Date.parse(run.startedAt));
    }
  }

  forget(runId: number): void {
    this.runs.delete(runId);
  }

  list(): ActiveRun[] {
    return [...this.runs.values()].map((run) => ({ ...run, metrics: { ...run.metrics } }));
  }
}

export class Listeners {
  private readonly set = new Set<RunEventListener>();

  add(listener: RunEventListener): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(event: RunEvent): void {
    // A broken subscriber (a closed socket) must not stop the run or the other subscribers.
    for (const listener of this.set) {
      try {
        listener(event);
      } catch {
        /* ignored on purpose */
      }
    }
  }
}

/**
 * Runs the engine in this thread. `gatehouse serve` uses it (the engine awaits between batches,
 * so the HTTP server stays responsive); the worker thread of the Electron app uses it too.
 */
export function createInProcessEngineHost(options: EngineHostOptions): EngineHost {
  const clock = options.clock ?? (() => new Date());
  const listeners = new Listeners();
  const active = new ActiveRuns();
  const book = new OperationBook(clock);
  const controllers = new Map<number, AbortController>();
  /** Each operation's stop: a trial session ends at its run's batch boundary when the host closes. */
  const operationStops = new Set<AbortController>();
  const running = new Set<Promise<unknown>>();
  let closing = false;

  function publish(event: RunEvent): void {
    active.observe(event, clock());
    listeners.emit(inConsoleWords(event));
  }

  async function start(request: StartRunRequest): Promise<{ runId: number }> {
    if (closing) throw shuttingDown('run');
    const source = await openSource(request.source, { ...options.sourceOptions, ...(request.lookbackDays === undefined ? {} : { lookbackDays: request.lookbackDays }) });
    const store = await openStore(options.location, consoleStoreOptions(options.storeOptions));
    const controller = new AbortController();
    return new Promise((resolve, reject) => {
      let runId: number | null = null;
      // The same path as `gatehouse update`: the flags in force for the task choose the mode, batch
      // size and isolation, and are stored with the run.
      const run = runFlaggedUpdate({
        store,
        source,
        mode: request.mode,
        batchSize: request.batchSize,
        task: request.task,
        fullIntegrityCheck: request.fullIntegrityCheck,
        resumeRunId: request.resumeRunId,
        operator: request.operator,
        afterResumeOf: request.afterResumeOf,
        signal: controller.signal,
        clock: options.clock,
        extra: { judge: options.judge, continuation: request.scheduledTask && request.task !== null ? taskContinuation(request.task, request.source) : undefined, resumeByTask: request.scheduledTask === true },
        onEvent: (event) => {
          if (event.type === 'run-started' && runId === null) {
            runId = event.runId;
            controllers.set(event.runId, controller);
            resolve({ runId: event.runId });
          }
          publish(event.type === 'run-started' && request.afterResumeOf !== undefined ? { ...event, afterResumeOf: request.afterResumeOf } : event);
        },
      })
        .catch((error: unknown) => {
          if (runId === null) reject(error);
          else listeners.emit({ type: 'warning', runId, message: `run ${runId} stopped: ${toErrorPayload(error).message}` });
        })
        .finally(async () => {
          if (runId !== null) {
            controllers.delete(runId);
            active.forget(runId);
          }
          await store.close();
          running.delete(run);
        });
      running.add(run);
    });
  }

  return {
    kind: 'in-process',
    start,
    async cancel(runId, by) {
      const controller = controllers.get(runId);
      if (!controller) return false;
      controller.abort(by);
      return true;
    },
    active: () => active.list(),
    subscribe: (listener) => listeners.add(listener),
    announce: (event) => listeners.emit(event),
    perform: <K extends OperationKind>(request: OperationRequestOf<K>, onProgress?: (progress: OperationProgress) => void) => {
      if (closing) return Promise.reject(shuttingDown(request.kind));
      const stop = new AbortController();
      const work = trackOperation(book, request, onProgress, (report) => performOperation(options.location, options.storeOptions ?? {}, request, report, stop.signal));
      running.add(work);
      operationStops.add(stop);
      void work.catch(() => undefined).finally(() => {
        running.delete(work);
        operationStops.delete(stop);
      });
      return work as Promise<OperationResults[K]>;
    },
    operations: () => book.list(),
    subscribeOperations: (listener) => book.subscribe(listener),
    judgeBatch: async (lines, sensitivity) => judgeBatchHere(lines, sensitivity),
    async close(why = CONSOLE_SHUTDOWN) {
      closing = true;
      for (const controller of [...controllers.values(), ...operationStops]) controller.abort(why);
      await Promise.allSettled([...running]);
    },
  };
}

/** Books an operation's start, progress and end around `work`, whichever thread does it. */
export async function trackOperation(
  book: OperationBook,
  request: OperationRequest,
  onProgress: ((progress: OperationProgress) => void) | undefined,
  work: (report: (progress: OperationProgress) => void) => Promise<unknown>,
): Promise<unknown> {
  const operation = book.begin(request);
  try {
    const result = await work((progress) => {
      book.progress(operation, progress);
      onProgress?.(progress);
    });
    book.finish(operation, null);
    return result;
  } catch (error) {
    book.finish(operation, error);
    throw error;
  }
}

/** Operations that write the live database finish before the host closes; the others may be stopped. */
export function writesLiveDatabase(kind: OperationKind): boolean {
  return kind === 'rollback' || kind === 'restore' || kind === 'snapshot';
}

/**
 * Operations a closing host asks to stop and waits for, rather than ending their thread: a staging
 * trial writes runs and its session's attempt row in staging, which a thread ended mid-run left
 * `running` for good. Asked, it ends its run interrupted at the next batch boundary and its session
 * with the stop as the reason, as Ctrl-C to `gatehouse trial` does.
 */
export function stopsWhenAsked(kind: OperationKind): boolean {
  return kind === 'trials';
}

/** Messages between a worker engine host and its worker thread (structured-clone safe). */
export type WorkerRequest = { type: 'start'; id: number; request: StartRunRequest } | { type: 'cancel'; id: number; runId: number; by: string } | { type: 'close'; id: number; why?: string };
/** The one message to a worker that performs one long operation: stop, `why` its reason (stopsWhenAsked). */
export type OperationStop = { type: 'stop'; why: string };
/** Messages from a worker that performs one long operation, then exits. */
export type OperationReply = { type: 'progress'; progress: OperationProgress } | { type: 'done'; result: unknown } | { type: 'failed'; error: ErrorPayload };
export type WorkerReply =
  | { type: 'started'; id: number; runId: number }
  | { type: 'cancelled'; id: number; cancelled: boolean }
  | { type: 'failed'; id: number; error: ErrorPayload }
  | { type: 'closed'; id: number }
  | { type: 'event'; event: RunEvent };

export function errorFromPayload(payload: ErrorPayload): GatehouseError {
  return new GatehouseError(payload.code, payload.message, payload.hint === undefined ? {} : { hint: payload.hint });
}
