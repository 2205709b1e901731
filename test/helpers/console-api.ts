import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences, seedDemoDatabase, type EngineHost, type EngineHostOptions } from '../../main/api/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { ApiCaller, ApiHandlers, ApiInput, ApiMethod, ApiOutput, ApiResult, RunEvent } from '../../shared/api.js';
import { tester } from './callers.js';
import type { RunSummary } from '../../shared/run.js';

/** The error of an API result that must be a refusal. */
export function failure(result: ApiResult<unknown>): { code: string; message: string } {
  expect(result.ok).toBe(false);
  return (result as { ok: false; error: { code: string; message: string } }).error;
}

/**
 * Keeps every run's summary as the engine finishes it, from now on: `of(runId)` resolves once that
 * run has finished, also when it finished before its id was known (a task's run may end before
 * `tasks.run` answers).
 */
export function watchFinishedRuns(engine: EngineHost): { of(runId: number): Promise<RunSummary>; stop(): void } {
  const finished = new Map<number, RunSummary>();
  const waiting = new Map<number, (summary: RunSummary) => void>();
  const stop = engine.subscribe((event: RunEvent) => {
    if (event.type !== 'run-finished') return;
    finished.set(event.runId, event.summary);
    waiting.get(event.runId)?.(event.summary);
  });
  return {
    of: (runId) => new Promise((resolve) => {
      const summary = finished.get(runId);
      if (summary) resolve(summary);
      else waiting.set(runId, resolve);
    }),
    stop,
  };
}

/** The console's API on a fresh SQLite file in a temp folder, with an in-process engine. */
export interface ConsoleApi {
  folder: string;
  location: string;
  store: Store;
  engine: EngineHost;
  api: ApiHandlers;
  /** Through dispatch, as IPC and HTTP call it: the input parsed (defaults filled in); a refusal throws. */
  call<M extends ApiMethod>(method: M, input: ApiInput<M>, caller?: ApiCaller): Promise<ApiOutput<M>>;
  /** Starts a run through the API and resolves with its summary once the writer lock is free again. */
  run(input: Parameters<ApiHandlers['runs.start']>[0]): Promise<RunSummary>;
  close(): Promise<void>;
}

/**
 * `demoDays`: the file first holds that many days of the demo history (daily runs, a spike among them).
 * `sourceOptions`: what the engine host opens each run's source with, as `gatehouse serve` passes its flags.
 */
export async function openConsoleApi(prefix: string, { demoDays, sourceOptions }: { demoDays?: number; sourceOptions?: EngineHostOptions['sourceOptions'] } = {}): Promise<ConsoleApi> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const location = path.join(folder, 'gatehouse.db');
  if (demoDays !== undefined) await seedDemoDatabase(location, { days: demoDays });
  const store = await openStore(location);
  const engine = createInProcessEngineHost({ location, sourceOptions });
  const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
  return {
    folder,
    location,
    store,
    engine,
    api,
    async call(method, input, caller = tester) {
      const result = await dispatch(api, method, input, caller);
      if (!result.ok) throw new Error(`${method} refused: ${result.error.code} ${result.error.message}`);
      return result.data as never;
    },
    async run(input) {
      const finished = new Promise<RunSummary>((resolve) => {
        const stop = engine.subscribe((event: RunEvent) => {
          if (event.type !== 'run-finished') return;
          stop();
          resolve(event.summary);
        });
      });
      await api['runs.start'](input, tester);
      const summary = await finished;
      // run-finished comes just before the engine lets go of the writer lock; rollback and restore need it.
      await vi.waitFor(async () => {
        const attempt = await store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
        if (!attempt.acquired) throw new Error('the run still holds the lock');
        await store.releaseWriterLock();
      });
      return summary;
    },
    async close() {
      await engine.close();
      await store.close();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}
