import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi, createWorkerEngineHost, startHttpServer, type EngineHost, type RunningServer } from '../../main/api/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { OperationEvent } from '../../shared/api.js';
import { callApi, data, openEventStream, runToTheEnd as finishRun, signIn } from '../helpers/console-http.js';

/**
 * Issue 13, defect 13: rollback, restore, snapshots and trials run in the engine's worker threads,
 * as `gatehouse serve` and the app run them, so a long one never makes a read wait; their progress
 * streams on the same SSE stream as runs. The worker runs compiled JavaScript (`npm test` builds dist/).
 */
const workerScript = path.resolve('dist/main/api/engine-worker.js');

let folder: string;
let location: string;
let store: Store;
let engine: EngineHost;
let server: RunningServer;
let cookie: string;

beforeEach(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-long-ops-'));
  location = path.join(folder, 'gatehouse.db');
  store = await openStore(location);
  engine = createWorkerEngineHost({ location, workerScript });
  server = await startHttpServer({ handlers: createApi({ store, engine, transport: 'http' }), engine, staticRoot: null });
  cookie = await signIn(server);
  await data(server, 'session.name', { name: 'Ada' }, cookie);
});

afterEach(async () => {
  await server.close();
  await engine.close();
  await store.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

const runToTheEnd = (source: string) => finishRun({ server, engine, store, cookie }, source, 100);

const operationEvents = (frames: { name: string; data: unknown }[]) => frames.filter((frame) => frame.name === 'operation').map((frame) => frame.data as OperationEvent);

describe.skipIf(!fs.existsSync(workerScript))('long operations off the request path', () => {
  it('answers runs.active while a rollback dry run is still working, before the dry run reports its end', async () => {
    const run = await runToTheEnd('synthetic:seed=31,count=600');
    const stream = openEventStream(server, cookie);
    await stream.ready;
    // A writer holding the database keeps the dry run (which writes, then rolls back) in progress
    // for as long as this test wants: the ordering below does not depend on how fast anything is.
    const writer = new Database(location);
    writer.exec('BEGIN IMMEDIATE');
    const order: string[] = [];
    const preview = callApi<{ dryRun: boolean; counts: { deleted: number } }>(server, 'rollback.preview', { runId: run.runId }, cookie).then((reply) => {
      order.push('preview answered');
      return reply;
    });
    try {
      await expect.poll(() => operationEvents(stream.frames).some((event) => event.type === 'operation-started' && event.operation.kind === 'rollback-preview'), { timeout: 20_000 }).toBe(true);
      const active = await callApi<unknown[]>(server, 'runs.active', {}, cookie);
      order.push(operationEvents(stream.frames).some((event) => event.type === 'operation-finished') ? 'read answered after the end' : 'read answered');
      expect(active).toMatchObject({ status: 200, result: { ok: true, data: [] } });
      const operations = await data<{ kind: string; target: string; operator: string; status: string }[]>(server, 'operations.active', {}, cookie);
      expect(operations).toEqual([expect.objectContaining({ kind: 'rollback-preview', target: `run ${run.runId}`, runId: run.runId, operator: 'Ada', status: 'running' })]);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    const { result } = await preview;
    expect(result).toMatchObject({ ok: true, data: { dryRun: true, counts: { deleted: 600 } } });
    expect(order).toEqual(['read answered', 'preview answered']);
    await expect.poll(() => operationEvents(stream.frames).map((event) => event.type).at(-1)).toBe('operation-finished');
    stream.stop();
    expect(await data(server, 'operations.active', {}, cookie)).toEqual([]);
    expect(await store.countHearings()).toBe(600);
  });

  it('streams a rollback\'s progress and end as operation events, and applies it in the worker', async () => {
    const run = await runToTheEnd('synthetic:seed=32,count=300');
    const stream = openEventStream(server, cookie);
    await stream.ready;
    const report = await data<{ operator: string; counts: { deleted: number } }>(server, 'rollback.apply', { runId: run.runId, confirmRunId: run.runId, reason: 'bad feed' }, cookie);
    expect(report).toMatchObject({ operator: 'Ada', counts: { deleted: 300 } });
    await expect.poll(() => operationEvents(stream.frames).at(-1)?.type).toBe('operation-finished');
    stream.stop();
    const events = operationEvents(stream.frames);
    expect(events[0]).toMatchObject({ type: 'operation-started', operation: { kind: 'rollback', target: `run ${run.runId}`, runId: run.runId, operator: 'Ada', status: 'running' } });
    const undoing = events.filter((event) => event.type === 'operation-progress' && event.operation.phase === 'undoing hearings');
    expect(undoing.length).toBeGreaterThan(1);
    expect(undoing.at(-1)!.operation).toMatchObject({ done: 300, total: 300 });
    expect(events.at(-1)).toMatchObject({ operation: { status: 'done', finishedAt: expect.any(String), error: null } });
    expect(await store.countHearings()).toBe(0);
  });

  it('takes, verifies and restores snapshots in the worker, and reports a failed one as failed', async () => {
    await runToTheEnd('synthetic:seed=33,count=50');
    const stream = openEventStream(server, cookie);
    await stream.ready;
    const snapshot = await data<{ id: string; kind: string }>(server, 'backups.create', {}, cookie);
    expect(snapshot.kind).toBe('manual');
    expect(await data(server, 'backups.verify', { id: snapshot.id }, cookie)).toEqual([{ id: snapshot.id, ok: true, problems: [] }]);
    await runToTheEnd('synthetic:seed=33,count=80');
    const restored = await data<{ hearingsAfter: number; event: { operator: string } }>(server, 'backups.restore', { id: snapshot.id, confirmId: snapshot.id, reason: 'undo the second run' }, cookie);
    expect(restored).toMatchObject({ hearingsAfter: 50, event: { operator: 'Ada' } });
    expect(await store.countHearings()).toBe(50);
    const missing = await callApi(server, 'backups.verify', { id: 'no-such-snapshot' }, cookie);
    expect(missing).toMatchObject({ status: 404, result: { ok: false, error: { code: 'NOT_FOUND' } } });
    await expect.poll(() => operationEvents(stream.frames).filter((event) => event.type === 'operation-finished').length).toBe(4);
    stream.stop();
    const finished = operationEvents(stream.frames).filter((event) => event.type === 'operation-finished').map((event) => [event.operation.kind, event.operation.status]);
    expect(finished).toEqual([['snapshot', 'done'], ['verify', 'done'], ['restore', 'done'], ['verify', 'failed']]);
  });
});
