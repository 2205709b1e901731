/**
 * The engine's worker threads: the same engine code as the CLI, off the thread that answers the
 * console, so neither the window nor `gatehouse serve` freezes during long work (DESIGN §6).
 * role `runs`: one long-lived thread that executes update runs on request.
 * role `operation`: one thread per long operation (rollback, restore, snapshot, trials); it posts
 * progress and the result, then exits.
 * role `batch`: one thread per validation.batch; it posts the answers, then exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../../shared/errors.js';
import type { BatchSensitivity } from '../validation/index.js';
import { judgeBatchHere } from './batch-judging.js';
import { createInProcessEngineHost, type ConsoleSourceOptions, type OperationReply, type OperationStop, type WorkerReply, type WorkerRequest } from './engine-host.js';
import { consoleJudge } from './judge.js';
import { performOperation, type OperationRequest } from './long-operations.js';

const port = parentPort;
if (!port) throw new Error('engine-worker must run as a worker thread');
const data = workerData as
  | { role: 'runs'; location: string; sourceOptions: ConsoleSourceOptions }
  | { role: 'operation'; location: string; request: OperationRequest }
  | { role: 'batch'; lines: string[]; sensitivity: BatchSensitivity | undefined };

if (data.role === 'batch') {
  let reply: OperationReply;
  try {
    reply = { type: 'done', result: judgeBatchHere(data.lines, data.sensitivity) };
  } catch (error) {
    reply = { type: 'failed', error: toErrorPayload(error, 'console') };
  }
  port.postMessage(reply);
} else if (data.role === 'operation') {
  const reply = (message: OperationReply) => port.postMessage(message);
  // The host's stop (the console shutting down): an operation that can stop at a boundary (a trial) does, the others are ended by the host.
  const stop = new AbortController();
  port.on('message', (message: OperationStop) => stop.abort(message.why));
  performOperation(data.location, {}, data.request, (progress) => reply({ type: 'progress', progress }), stop.signal).then(
    (result) => reply({ type: 'done', result }),
    (error: unknown) => reply({ type: 'failed', error: toErrorPayload(error, 'console') }),
  );
} else {
  serveRuns(data.location, data.sourceOptions);
}

function serveRuns(location: string, sourceOptions: ConsoleSourceOptions): void {
  const host = createInProcessEngineHost({ location, judge: consoleJudge, sourceOptions });
  const reply = (message: WorkerReply) => port!.postMessage(message);
  host.subscribe((event) => reply({ type: 'event', event }));

  async function handle(message: WorkerRequest): Promise<void> {
    switch (message.type) {
      case 'start': {
        const { runId } = await host.start(message.request);
        return reply({ type: 'started', id: message.id, runId });
      }
      case 'cancel':
        return reply({ type: 'cancelled', id: message.id, cancelled: await host.cancel(message.runId, message.by) });
      case 'close':
        await host.close(message.why);
        return reply({ type: 'closed', id: message.id });
    }
  }

  port!.on('message', (message: WorkerRequest) => {
    void handle(message).catch((error: unknown) => reply({ type: 'failed', id: message.id, error: toErrorPayload(error, 'console') }));
  });
}
