import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, createWorkerEngineHost, dispatch, type EngineHost } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { ApiHandlers, ApiInput, ApiMethod, ApiOutput } from '../../shared/api.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * On SQLite, a second rollback.apply straight after the first failed through the in-process engine
 * host with "database is locked" after ten seconds: the first one's notification held a write
 * transaction on the console's connection, awaiting between statements, while the second
 * rollback's own connection on the same thread sat in SQLite's busy wait, which blocks the thread
 * that would have committed it. Writers of one thread now queue in JS (store/sqlite/write-gate.ts).
 * Each step here follows the last at once, as a script (or an impatient operator) would, through
 * both hosts and on both backends.
 */
const workerScript = path.resolve('dist/main/api/engine-worker.js');
const hosts: { name: string; open: (location: string) => EngineHost }[] = [
  { name: 'in-process', open: (location) => createInProcessEngineHost({ location }) },
  ...(fs.existsSync(workerScript) ? [{ name: 'worker', open: (location: string) => createWorkerEngineHost({ location, workerScript }) }] : []),
];

interface Console {
  store: Store;
  engine: EngineHost;
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
}

async function withConsole(backend: TestBackend, host: (typeof hosts)[number], work: (console: Console) => Promise<void>): Promise<void> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  const engine = host.open(location);
  const api: ApiHandlers = createApi({ store, engine, transport: 'http', databaseLocation: location });
  const call = async <M extends ApiMethod>(method: M, input: ApiInput<M>) => {
    const result = await dispatch(api, method, input, tester);
    if (!result.ok) throw new Error(`${method} refused: ${result.error.code} ${result.error.message}`);
    return result.data as ApiOutput<M>;
  };
  try {
    await work({ store, engine, call });
  } finally {
    await engine.close();
    await store.close();
  }
}

const apply = (runId: number, batchSeq: number | null) => ({ runId, batchSeq, onConflict: 'refuse' as const, reason: 'a bad feed', confirmRunId: runId });

describe.each(testBackends())('one support step straight after another on $name', (backend) => {
  afterAll(() => backend.cleanup());

  describe.each(hosts)('through the $name engine host', (host) => {
    it('rolls back two batches back to back, then the rest of the run, each audited', async () => {
      await withConsole(backend, host, async ({ store, call }) => {
        const run = await runUpdate({ store, source: arraySource(hearingRecords(30, 300000)), batchSize: 10 });
        expect(await call('rollback.apply', apply(run.runId, 3))).toMatchObject({ counts: { deleted: 10 } });
        expect(await call('rollback.apply', apply(run.runId, 2))).toMatchObject({ counts: { deleted: 10 } });
        expect(await call('rollback.apply', apply(run.runId, null))).toMatchObject({ counts: { deleted: 10 }, runRolledBack: true });
        expect(await store.countHearings()).toBe(0);
        const events = await call('rollback.events', { runId: run.runId });
        expect(events.map((event) => [event.batchSeq, event.operator, event.reason])).toEqual([
          [null, 'tester', 'a bad feed'],
          [2, 'tester', 'a bad feed'],
          [3, 'tester', 'a bad feed'],
        ]);
      });
    });

    it('rolls back a run the console started, as soon as it has finished', async () => {
      await withConsole(backend, host, async ({ engine, call, store }) => {
        const finished = new Promise<number>((resolve) => engine.subscribe((event: RunEvent) => event.type === 'run-finished' && resolve(event.runId)));
        await call('runs.start', { source: 'synthetic:seed=4,count=30', batchSize: 10, mode: 'batch', task: null });
        const runId = await finished;
        expect(await call('rollback.apply', apply(runId, null))).toMatchObject({ runRolledBack: true, nothingToDo: false });
        expect(await store.countHearings()).toBe(0);
      });
    });

    it('sets a flag, restores a snapshot and rolls back again, each straight after a rollback', async () => {
      await withConsole(backend, host, async ({ store, call }) => {
        const first = await runUpdate({ store, source: arraySource(hearingRecords(20, 300000)), batchSize: 10 });
        const snapshot = await call('backups.create', {});
        const second = await runUpdate({ store, source: arraySource(hearingRecords(20, 400000)), batchSize: 10 });
        await call('rollback.apply', apply(second.runId, 2));
        expect(await call('flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller batches after a bad feed' })).toMatchObject({ flag: 'BATCH_SIZE', operator: 'tester' });
        await call('rollback.apply', apply(second.runId, 1));
        expect(await call('backups.restore', { id: snapshot.id, confirmId: snapshot.id, reason: 'back before the bad feed' })).toMatchObject({ event: { operator: 'tester' } });
        expect(await call('rollback.apply', apply(first.runId, null))).toMatchObject({ counts: { deleted: 20 }, runRolledBack: true });
        expect(await store.countHearings()).toBe(0);
      });
    });
  });
});
