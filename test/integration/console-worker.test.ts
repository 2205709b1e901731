import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessEngineHost, createWorkerEngineHost, type EngineHost } from '../../main/api/index.js';
import { openStore } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/run.js';

// The worker runs compiled JavaScript, as in the app; `npm test` builds dist/ first.
const workerScript = path.resolve('dist/main/api/engine-worker.js');
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-worker-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

/** A database at `name` in the folder, as the console opens it before its engine runs anything there (the engine never creates one). */
async function consoleDatabase(name: string): Promise<string> {
  const location = path.join(folder, name);
  await (await openStore(location)).close();
  return location;
}

describe.skipIf(!fs.existsSync(workerScript))('the worker engine host (Electron runs the engine off the main thread)', () => {
  it('runs an update in a worker thread and mirrors its events and active runs', async () => {
    const host = createWorkerEngineHost({ location: await consoleDatabase('gatehouse.db'), workerScript });
    try {
      const events: RunEvent[] = [];
      const finished = new Promise<void>((resolve) =>
        host.subscribe((event) => {
          events.push(event);
          if (event.type === 'run-finished') resolve();
        }),
      );
      const { runId } = await host.start({ source: 'synthetic:seed=4,count=30', batchSize: 10, mode: 'batch', task: null });
      await finished;
      // ADAPTIVE_BATCHES (on by default): 10, then 20.
      expect(events.filter((e) => e.type === 'batch-finished')).toHaveLength(2);
      expect(events.at(-1)).toMatchObject({ type: 'run-finished', runId, summary: { status: 'success' } });
      expect(host.active()).toEqual([]);
      expect(await host.cancel(runId, 'by tester from the console')).toBe(false);
    } finally {
      await host.close();
    }
  });

  it('reports a bad source spec as the engine error, with its code', async () => {
    const host = createWorkerEngineHost({ location: path.join(folder, 'other.db'), workerScript });
    try {
      await expect(host.start({ source: 'ftp:nowhere', batchSize: 10, mode: 'batch', task: null })).rejects.toMatchObject({ code: 'SOURCE_SPEC_UNKNOWN' });
    } finally {
      await host.close();
    }
  });

  /**
   * `gatehouse serve` keeps answering while its engine stops the last run after its batch: a run
   * started in that moment would outlive the close, left `running` in a closed database.
   */
  it.each([
    ['worker', (location: string) => createWorkerEngineHost({ location, workerScript })],
    ['in-process', (location: string) => createInProcessEngineHost({ location })],
  ] as const)('a closing %s host refuses to start a run or an operation, and stops the run it has', async (kind, create) => {
    const host: EngineHost = create(await consoleDatabase(`closing-${kind}.db`));
    const firstBatch = new Promise<void>((resolve) => host.subscribe((event) => event.type === 'batch-finished' && resolve()));
    const finished = new Promise<RunEvent>((resolve) => host.subscribe((event) => event.type === 'run-finished' && resolve(event)));
    await host.start({ source: 'synthetic:seed=6,count=200000', batchSize: 50, mode: 'batch', task: null });
    await firstBatch;
    const closed = host.close('as the test closed its host');
    await expect(host.start({ source: 'synthetic:seed=7,count=10', task: null })).rejects.toMatchObject({ code: 'CONFLICT', message: 'the console is shutting down: the run was not started' });
    await expect(host.perform({ kind: 'snapshot', operator: 'tester' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await closed;
    expect(await finished).toMatchObject({ summary: { status: 'interrupted', error: expect.stringContaining('as the test closed its host') } });
  });
});
