/**
 * The worker thread of the Electron app: runs the same engine code as the CLI, off the main
 * thread, so the window never freezes during a long run (DESIGN §6).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../../shared/errors.js';
import { createInProcessEngineHost, type WorkerReply, type WorkerRequest } from './engine-host.js';
import { consoleJudge } from './judge.js';

const port = parentPort;
if (!port) throw new Error('engine-worker must run as a worker thread');
const { location } = workerData as { location: string };
const host = createInProcessEngineHost({ location, judge: consoleJudge });
const reply = (message: WorkerReply) => port.postMessage(message);

host.subscribe((event) => reply({ type: 'event', event }));

port.on('message', (message: WorkerRequest) => {
  void handle(message).catch((error: unknown) => reply({ type: 'failed', id: message.id, error: toErrorPayload(error) }));
});

async function handle(message: WorkerRequest): Promise<void> {
  switch (message.type) {
    case 'start': {
      const { runId } = await host.start(message.request);
      return reply({ type: 'started', id: message.id, runId });
    }
    case 'cancel':
      return reply({ type: 'cancelled', id: message.id, cancelled: await host.cancel(message.runId) });
    case 'close':
      await host.close();
      return reply({ type: 'closed', id: message.id });
  }
}
