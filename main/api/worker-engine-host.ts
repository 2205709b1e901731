import { SHARE_ENV, Worker } from 'node:worker_threads';
import { GatehouseError } from '../../shared/errors.js';
import {
  ActiveRuns,
  CONSOLE_SHUTDOWN,
  errorFromPayload,
  Listeners,
  shuttingDown,
  stopsWhenAsked,
  trackOperation,
  writesLiveDatabase,
  type EngineHost,
  type OperationReply,
  type OperationStop,
  type StartRunRequest,
  type WorkerReply,
  type WorkerRequest,
  type ConsoleSourceOptions,
} from './engine-host.js';
import type { BatchOutcome, BatchSensitivity } from '../validation/index.js';
import { OperationBook, type OperationKind, type OperationProgress, type OperationRequest, type OperationRequestOf, type OperationResults } from './long-operations.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void };

/** The worker script beside this module once built (dist/main/api/engine-worker.js); read only when needed, since the app's CJS bundle passes its own. */
function builtWorkerScript(): URL {
  return new URL('./engine-worker.js', import.meta.url);
}

/**
 * Runs the engine off the thread that answers requests: runs in one long-lived worker thread
 * (`engine-worker.js`), each long operation (rollback, restore, snapshot, trials) in a worker of its
 * own, so a 20-second rollback dry run neither blocks reads nor stalls a run's batches. The Electron
 * main process and `gatehouse serve` use it; `workerScript` is the built worker file.
 */
export function createWorkerEngineHost(options: { location: string; workerScript?: string | URL; sourceOptions?: ConsoleSourceOptions }): EngineHost {
  const workerScript = options.workerScript ?? builtWorkerScript();
  // SHARE_ENV: a Congress.gov key saved in Settings after the worker started still reaches its sources.
  const worker = new Worker(workerScript, { workerData: { role: 'runs', location: options.location, sourceOptions: options.sourceOptions ?? {} }, env: SHARE_ENV });
  const listeners = new Listeners();
  const active = new ActiveRuns();
  const book = new OperationBook(() => new Date());
  const operations = new Map<Worker, { kind: OperationKind; done: Promise<unknown> }>();
  /** Threads judging a validation.batch: they only read their lines, so a closing host ends them. */
  const batchJudges = new Set<Worker>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited: Error | null = null;
  let closing = false;

  worker.on('message', (reply: WorkerReply) => {
    if (reply.type === 'event') {
      active.observe(reply.event, new Date());
      listeners.emit(reply.event);
      return;
    }
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.type === 'failed') waiter?.reject(errorFromPayload(reply.error));
    else waiter?.resolve(reply);
  });
  worker.on('error', (error) => failAll(new GatehouseError('INTERNAL', `the engine worker crashed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new GatehouseError('INTERNAL', `the engine worker exited (code ${code})`)));

  function failAll(error: Error): void {
    exited ??= error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  }

  function send(request: WithoutId<WorkerRequest>): Promise<WorkerReply> {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  /** One worker for one operation: it posts progress, then its result or error, and exits. */
  function inWorker(request: OperationRequest, report: (progress: OperationProgress) => void): Promise<unknown> {
    const operationWorker = new Worker(workerScript, { workerData: { role: 'operation', location: options.location, request }, env: SHARE_ENV });
    const done = new Promise<unknown>((resolve, reject) => {
      let settled = false;
      operationWorker.on('message', (reply: OperationReply) => {
        if (reply.type === 'progress') return report(reply.progress);
        settled = true;
        if (reply.type === 'done') resolve(reply.result);
        else reject(errorFromPayload(reply.error));
        // Its answer is in; a connection pool's idle timer must not keep the thread (or the process) alive.
        void operationWorker.terminate();
      });
      operationWorker.on('error', (error) => reject(new GatehouseError('INTERNAL', `the ${request.kind} worker crashed: ${error.message}`)));
      operationWorker.on('exit', (code) => {
        operations.delete(operationWorker);
        if (!settled) reject(new GatehouseError('INTERRUPTED', `the ${request.kind} stopped before it finished (worker exit code ${code})`));
      });
    });
    operations.set(operationWorker, { kind: request.kind, done: done.catch(() => undefined) });
    return done;
  }

  /** One thread per batch: the lines go to it, the answers come back, and it exits. */
  function judgeBatchInWorker(lines: readonly string[], sensitivity: BatchSensitivity | undefined): Promise<BatchOutcome[]> {
    const judgeWorker = new Worker(workerScript, { workerData: { role: 'batch', lines, sensitivity }, env: SHARE_ENV });
    batchJudges.add(judgeWorker);
    return new Promise<BatchOutcome[]>((resolve, reject) => {
      let settled = false;
      judgeWorker.on('message', (reply: OperationReply) => {
        if (reply.type === 'progress') return;
        settled = true;
        if (reply.type === 'done') resolve(reply.result as BatchOutcome[]);
        else reject(errorFromPayload(reply.error));
      });
      judgeWorker.on('error', (error) => reject(new GatehouseError('INTERNAL', `the batch's worker crashed: ${error.message}`)));
      judgeWorker.on('exit', (code) => {
        batchJudges.delete(judgeWorker);
        if (!settled) reject(new GatehouseError('INTERRUPTED', `the batch stopped before it was judged (worker exit code ${code})`));
      });
    });
  }

  return {
    kind: 'worker',
    async start(request: StartRunRequest) {
      if (closing) throw shuttingDown('run');
      const reply = await send({ type: 'start', request });
      if (reply.type !== 'started') throw new GatehouseError('INTERNAL', `unexpected reply ${reply.type} from the engine worker`);
      return { runId: reply.runId };
    },
    async cancel(runId, by) {
      const reply = await send({ type: 'cancel', runId, by });
      return reply.type === 'cancelled' && reply.cancelled;
    },
    active: () => active.list(),
    subscribe: (listener) => listeners.add(listener),
    announce: (event) => listeners.emit(event),
    perform: <K extends OperationKind>(request: OperationRequestOf<K>, onProgress?: (progress: OperationProgress) => void) =>
      closing ? Promise.reject(shuttingDown(request.kind)) : (trackOperation(book, request, onProgress, (report) => inWorker(request, report)) as Promise<OperationResults[K]>),
    operations: () => book.list(),
    subscribeOperations: (listener) => book.subscribe(listener),
    judgeBatch: (lines, sensitivity) => (closing ? Promise.reject(shuttingDown('batch')) : judgeBatchInWorker(lines, sensitivity)),
    async close(why) {
      closing = true;
      // A rollback, restore or snapshot is left to finish (each is one transaction or a checked
      // copy); a staging trial is asked to stop at its run's batch boundary; a dry run or a
      // verification only reads, and its thread is ended.
      const finishing = [...operations].map(([operationWorker, { kind, done }]) => {
        if (writesLiveDatabase(kind)) return done;
        if (!stopsWhenAsked(kind)) return operationWorker.terminate();
        operationWorker.postMessage({ type: 'stop', why: why ?? CONSOLE_SHUTDOWN } satisfies OperationStop);
        return done;
      });
      for (const judgeWorker of batchJudges) finishing.push(judgeWorker.terminate());
      await Promise.allSettled(finishing);
      if (!exited) await send({ type: 'close', why }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
