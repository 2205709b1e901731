import { SHARE_ENV, Worker } from 'node:worker_threads';
import { GatehouseError } from '../../shared/errors.js';
import { ActiveRuns, errorFromPayload, Listeners, type EngineHost, type StartRunRequest, type WorkerReply, type WorkerRequest } from './engine-host.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void };

/**
 * Runs the engine in a worker thread (`engine-worker.js`) and mirrors its events here. The
 * Electron main process uses it; `workerScript` is the built worker file next to the main bundle.
 */
export function createWorkerEngineHost(options: { location: string; workerScript: string | URL }): EngineHost {
  // SHARE_ENV: a Congress.gov key saved in Settings after the worker started still reaches its sources.
  const worker = new Worker(options.workerScript, { workerData: { location: options.location }, env: SHARE_ENV });
  const listeners = new Listeners();
  const active = new ActiveRuns();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited: Error | null = null;

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

  return {
    kind: 'worker',
    async start(request: StartRunRequest) {
      const reply = await send({ type: 'start', request });
      if (reply.type !== 'started') throw new GatehouseError('INTERNAL', `unexpected reply ${reply.type} from the engine worker`);
      return { runId: reply.runId };
    },
    async cancel(runId) {
      const reply = await send({ type: 'cancel', runId });
      return reply.type === 'cancelled' && reply.cancelled;
    },
    active: () => active.list(),
    subscribe: (listener) => listeners.add(listener),
    async close() {
      if (!exited) await send({ type: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
