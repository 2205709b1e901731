import http from 'node:http';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operatorCaller, tester } from '../helpers/callers.js';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences, type EngineHost } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import { availablePostgresBackend } from '../helpers/postgres.js';
import { openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';
import type { ApiHandlers, ApiOutput } from '../../shared/api.js';
import type { RunSummary } from '../../shared/run.js';

let consoleApi: ConsoleApi;
let location: string;
let store: Store;
let engine: EngineHost;
let api: ApiHandlers;

beforeEach(async () => {
  consoleApi = await openConsoleApi('gatehouse-api-ops-');
  ({ location, store, engine, api } = consoleApi);
});

afterEach(() => consoleApi.close());

const run = (input: Parameters<ApiHandlers['runs.start']>[0]) => consoleApi.run(input);

async function failure(method: string, payload: unknown): Promise<{ code: string; message: string }> {
  const result = await dispatch(api, method, payload, tester);
  if (result.ok) throw new Error(`${method} unexpectedly succeeded`);
  return result.error;
}

describe('flags through the API', () => {
  it('sets a flag for one task with a reason, shows it in force, audits it and puts the old value back on revert', async () => {
    const before = await api['flags.list']({}, tester);
    expect(before.find((f) => f.name === 'BATCH_SIZE')).toMatchObject({ kind: 'operational', defaultValue: 50, scopes: [], inForce: { value: 50, reason: 'DEFAULT' } });

    const set = await dispatch(api, 'flags.set', { flag: 'BATCH_SIZE', scope: 'task:daily', value: 20, reason: 'smaller batches for the canary' }, operatorCaller('dana'));
    expect(set).toMatchObject({ ok: true, data: { flag: 'BATCH_SIZE', scope: 'task:daily', oldValue: null, newValue: 20, operator: 'dana', reason: 'smaller batches for the canary' } });
    await api['flags.set']({ flag: 'ENABLE_SNAPSHOTS', scope: 'global', value: false, reason: 'disk is full' }, operatorCaller('dana'));

    const after = await api['flags.list']({}, tester);
    expect(after.find((f) => f.name === 'BATCH_SIZE')!.scopes).toEqual([expect.objectContaining({ scope: 'task:daily', value: 20, updatedBy: 'dana' })]);
    expect(after.find((f) => f.name === 'ENABLE_SNAPSHOTS')!.inForce).toMatchObject({ value: false, reason: 'STATIC', scope: 'global' });

    const history = await api['flags.history']({ limit: 10 }, tester);
    expect(history.map((e) => e.flag)).toEqual(['ENABLE_SNAPSHOTS', 'BATCH_SIZE']);
    const reverted = await api['flags.revert']({ eventId: history[0]!.id, reason: 'disk cleaned' }, operatorCaller('lee'));
    expect(reverted).toMatchObject({ flag: 'ENABLE_SNAPSHOTS', oldValue: false, newValue: null, operator: 'lee' });
    expect((await api['flags.list']({}, tester)).find((f) => f.name === 'ENABLE_SNAPSHOTS')!.inForce).toMatchObject({ value: true, reason: 'DEFAULT' });

    const unset = await api['flags.unset']({ flag: 'BATCH_SIZE', scope: 'task:daily', reason: 'canary done' }, tester);
    expect(unset).toMatchObject({ oldValue: 20, newValue: null });
    expect(await api['flags.history']({ flag: 'BATCH_SIZE', limit: 10 }, tester)).toHaveLength(2);
  });

  it.each([
    ['a missing reason', { flag: 'BATCH_SIZE', value: 20 }, 'INPUT_INVALID'],
    ['a blank reason', { flag: 'BATCH_SIZE', value: 20, reason: '   ' }, 'INPUT_INVALID'],
    ['an unknown flag', { flag: 'MAKE_IT_FAST', value: true, reason: 'why not' }, 'NOT_FOUND'],
    ['a value out of range', { flag: 'BATCH_SIZE', value: 0, reason: 'try' }, 'USAGE'],
    ['a value of the wrong type', { flag: 'BLOCK_ON_ANOMALY', value: 'maybe', reason: 'try' }, 'USAGE'],
    ['a malformed scope', { flag: 'BLOCK_ON_ANOMALY', value: true, scope: 'team:ops', reason: 'try' }, 'USAGE'],
  ])('refuses a flag change with %s and changes nothing', async (_case, payload, code) => {
    expect(await failure('flags.set', payload)).toMatchObject({ code });
    expect(await api['flags.history']({ limit: 10 }, tester)).toEqual([]);
  });

  it('refuses the history of an unknown flag or a malformed scope, as the CLI does, rather than an empty trail', async () => {
    await api['flags.set']({ flag: 'BATCH_SIZE', scope: 'global', value: 20, reason: 'smaller' }, tester);
    expect(await failure('flags.history', { flag: 'BATCH_SIZ', limit: 10 })).toMatchObject({ code: 'NOT_FOUND', message: 'unknown flag "BATCH_SIZ"' });
    expect(await failure('flags.history', { scope: 'daily', limit: 10 })).toMatchObject({ code: 'USAGE' });
    expect((await api['flags.history']({ flag: 'BATCH_SIZE', scope: 'global', limit: 10 }, tester)).map((e) => e.newValue)).toEqual([20]);
  });

  it('refuses to revert an event that does not exist', async () => {
    expect(await failure('flags.revert', { eventId: 999, reason: 'undo' })).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('console runs and the flags in force', () => {
  it('runs with the task-scoped flags (batch size, path) and stores them with the run, as the CLI does', async () => {
    await api['flags.set']({ flag: 'BATCH_SIZE', scope: 'task:daily', value: 7, reason: 'canary' }, tester);
    await api['flags.set']({ flag: 'ENABLE_BATCH_PROCESSING', scope: 'global', value: false, reason: 'baseline elsewhere' }, tester);
    await api['flags.set']({ flag: 'ENABLE_BATCH_PROCESSING', scope: 'task:daily', value: true, reason: 'canary on batches' }, tester);

    // A run names a task the database knows (runs.start refuses any other).
    await api['tasks.add']({ name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=4,count=21', enabled: true }, tester);
    const canary = await run({ source: 'synthetic:seed=4,count=21', task: 'daily' });
    // ADAPTIVE_BATCHES (on by default): 7, then 14.
    expect(canary).toMatchObject({ status: 'success', mode: 'batch', batchSize: 7, batches: { total: 2 } });
    expect((await store.getRun(canary.runId))!.flags).toMatchObject({ BATCH_SIZE: 7, ENABLE_BATCH_PROCESSING: true });

    const manual = await run({ source: 'synthetic:seed=5,count=10', task: null });
    expect(manual.mode).toBe('all-or-nothing');
    const explicit = await run({ source: 'synthetic:seed=6,count=10', task: null, mode: 'batch', batchSize: 5 });
    expect(explicit).toMatchObject({ mode: 'batch', batchSize: 5 });

    const report = await api['canary.report']({ task: 'daily' }, tester);
    // Manual runs belong to no task: they are not a control, so one canary run has nothing to be judged against.
    expect(report).toMatchObject({ task: 'daily', canary: { runs: 1 }, baseline: { runs: 0 }, controlTasks: [], recommendation: 'Not enough data' });
    const badSince = await failure('canary.report', { task: 'daily', since: 'last tuesday-ish' });
    expect(badSince).toMatchObject({ code: 'USAGE' });
    expect(badSince.message).not.toContain('--');
    expect(await failure('canary.report', { task: 'ghost' })).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('scheduled tasks and notifications through the API', () => {
  it('adds, edits, disables and runs a task; the overview lists its next run', async () => {
    const added = await api['tasks.add']({ name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=9,count=12', enabled: true }, tester);
    expect(added).toMatchObject({ name: 'daily', lookbackDays: 7, enabled: true, nextRunAt: expect.stringMatching(/T06:00:00/) });
    expect((await api['overview.get']({ windowDays: 30 }, tester)).nextTasks).toEqual([{ name: 'daily', cron: '0 6 * * *', nextRunAt: added.nextRunAt }]);

    expect(await api['tasks.edit']({ name: 'daily', cron: '30 7 * * 1-5' }, tester)).toMatchObject({ cron: '30 7 * * 1-5', nextRunAt: expect.stringMatching(/T07:30:00/) });
    expect(await api['tasks.edit']({ name: 'daily', enabled: false, reason: 'feed broken' }, tester)).toMatchObject({ enabled: false, nextRunAt: null });
    expect((await api['overview.get']({ windowDays: 30 }, tester)).nextTasks).toEqual([]);

    const finished = new Promise<RunSummary>((resolve) => engine.subscribe((e) => e.type === 'run-finished' && resolve(e.summary)));
    const { runId } = await api['tasks.run']({ name: 'daily' }, tester);
    expect((await finished).runId).toBe(runId);
    expect((await store.getRun(runId))!.task).toBe('daily');
    expect((await api['tasks.list']({}, tester))[0]).toMatchObject({ lastRunId: runId });
  });

  it.each([
    ['tasks.add', { name: 'bad', cron: 'every morning', source: 'synthetic:seed=1,count=1' }, 'USAGE'],
    ['tasks.add', { name: 'bad name!', cron: '0 6 * * *', source: 'synthetic:seed=1,count=1' }, 'USAGE'],
    ['tasks.add', { name: 'x', cron: '0 6 * * *', source: 'ftp:nowhere' }, 'SOURCE_SPEC_UNKNOWN'],
    // One range with `gatehouse update --lookback-days`: a task's run could never list 0 or more than 90 days.
    ['tasks.add', { name: 'x', cron: '0 6 * * *', source: 'congress:', lookbackDays: 0 }, 'INPUT_INVALID'],
    ['tasks.add', { name: 'x', cron: '0 6 * * *', source: 'congress:', lookbackDays: 91 }, 'INPUT_INVALID'],
    ['tasks.edit', { name: 'daily', lookbackDays: 3650 }, 'INPUT_INVALID'],
    ['tasks.edit', { name: 'ghost', cron: '0 6 * * *' }, 'NOT_FOUND'],
    ['tasks.edit', { name: 'ghost' }, 'USAGE'],
    ['tasks.run', { name: 'ghost' }, 'NOT_FOUND'],
    ['settings.saveWebhook', { url: 'not a url' }, 'USAGE'],
    ['settings.saveDatabase', { location: '/tmp/other.db' }, 'USAGE'],
    ['settings.saveDatabase', { location: 'postgres://ops@127.0.0.1/db' }, 'UNSUPPORTED'],
  ])('refuses %s %j with %s', async (method, payload, code) => {
    expect(await failure(method, payload)).toMatchObject({ code });
  });

  it('refuses a task name that is taken', async () => {
    await api['tasks.add']({ name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=1', enabled: true }, tester);
    expect(await failure('tasks.add', { name: 'daily', cron: '0 7 * * *', source: 'synthetic:seed=1,count=1' })).toMatchObject({ code: 'CONFLICT' });
  });

  it('sends a test notification to the saved webhook and shows only its host', async () => {
    const received: unknown[] = [];
    const receiver = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      const saved = await api['settings.saveWebhook']({ url: `http://127.0.0.1:${port}/hooks/secret-token` }, tester);
      expect(saved).toMatchObject({ webhookHost: `127.0.0.1:${port}`, secretStorage: 'memory' });
      expect(JSON.stringify(saved)).not.toContain('secret-token');
      expect(await api['notify.test']({}, tester)).toEqual({ sent: true, folded: 0, channels: [{ channel: 'webhook', delivered: true }] });
      expect(received).toEqual([expect.objectContaining({ source: 'gatehouse', cause: 'test', title: 'Gatehouse: test notification' })]);
    } finally {
      receiver.close();
    }
  });
});

describe('notify.test through the API', () => {
  it('announces a restore and a rollback before answering, and says in the answer when the webhook refused the notice', async () => {
    const hits: string[] = [];
    const failing = http.createServer((request, response) => {
      request.resume().on('end', () => {
        hits.push(request.url ?? '');
        response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const port = (failing.address() as { port: number }).port;
      await run({ source: 'synthetic:seed=21,count=10', task: null });
      const manual = await api['backups.create']({}, tester);
      const second = await run({ source: 'synthetic:seed=21,offset=10,count=5', task: null });
      // As `gatehouse serve` has it: the log channel delivers whatever the webhook does.
      const lines: string[] = [];
      const logged = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({ GATEHOUSE_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` }), notifications: { log: (line) => lines.push(line) } });
      const undone = await logged['rollback.apply']({ runId: second.runId, batchSeq: null, onConflict: 'refuse', reason: 'bad feed', confirmRunId: second.runId }, operatorCaller('sam'));
      expect(hits).toHaveLength(1);
      expect(undone.message).toMatch(new RegExp(`; its notification failed \\(webhook: webhook 127\\.0\\.0\\.1:${port} answered 500\\)$`));
      const restored = await logged['backups.restore']({ id: manual.id, confirmId: manual.id, reason: 'undo the bad feed' }, operatorCaller('sam'));
      expect(hits).toHaveLength(2);
      expect(restored.message).toMatch(new RegExp(`recorded as restore ${restored.event.id} by sam; its notification failed \\(webhook: webhook 127\\.0\\.0\\.1:${port} answered 500\\)$`));
      expect(await store.countHearings()).toBe(10);
    } finally {
      failing.close();
    }
  });

  it('says sent: false, per channel, when its only channel failed, and the same JSON as the CLI when the log delivered', async () => {
    const failing = http.createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const port = (failing.address() as { port: number }).port;
      await api['settings.saveWebhook']({ url: `http://127.0.0.1:${port}/hook` }, tester);
      expect(await api['notify.test']({}, tester)).toEqual({ sent: false, folded: 0, channels: [{ channel: 'webhook', delivered: false, error: `webhook 127.0.0.1:${port} answered 500` }] });
      const lines: string[] = [];
      const logged = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({ GATEHOUSE_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` }), notifications: { log: (line) => lines.push(line) } });
      expect(await logged['notify.test']({}, tester)).toEqual({
        sent: true, folded: 0, channels: [{ channel: 'log', delivered: true }, { channel: 'webhook', delivered: false, error: `webhook 127.0.0.1:${port} answered 500` }],
      });
      expect(lines.map((line) => JSON.parse(line) as { event?: string; level: string })).toMatchObject([{ event: 'notification', cause: 'test' }, { level: 'warning', message: expect.stringContaining('answered 500') }]);
    } finally {
      failing.close();
    }
  });

  it('says sent: false with no channel at all rather than pretending', async () => {
    expect(await api['notify.test']({}, tester)).toEqual({ sent: false, folded: 0, channels: [] });
  });
});

describe('rollback and backups through the API', () => {
  it('previews a rollback, refuses it without the typed run id or a reason, then restores the rows and records the event', async () => {
    const first = await run({ source: 'synthetic:seed=11,count=30', task: null, batchSize: 10 });
    expect(await store.countHearings()).toBe(30);

    const preview = await api['rollback.preview']({ runId: first.runId, batchSeq: null, onConflict: 'refuse' }, tester);
    expect(preview).toMatchObject({ dryRun: true, wouldRefuse: false, counts: { deleted: 30, restored: 0 } });
    expect(await store.countHearings()).toBe(30);

    const target = { runId: first.runId, reason: 'bad feed' };
    expect(await failure('rollback.apply', target)).toMatchObject({ code: 'INPUT_INVALID' });
    expect(await failure('rollback.apply', { ...target, confirmRunId: first.runId + 1 })).toMatchObject({ code: 'USAGE' });
    expect(await failure('rollback.apply', { runId: first.runId, confirmRunId: first.runId })).toMatchObject({ code: 'INPUT_INVALID' });
    expect(await failure('rollback.apply', { runId: 999, confirmRunId: 999, reason: 'x' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.countHearings()).toBe(30);

    const applied = await api['rollback.apply']({ ...target, confirmRunId: first.runId, batchSeq: null, onConflict: 'refuse' }, operatorCaller('sam'));
    expect(applied).toMatchObject({ dryRun: false, runRolledBack: true, operator: 'sam', reason: 'bad feed', counts: { deleted: 30 } });
    expect(await store.countHearings()).toBe(0);
    expect((await store.getRun(first.runId))!.status).toBe('rolled_back');
    expect(await api['rollback.events']({ runId: first.runId, limit: 10 }, tester)).toEqual([expect.objectContaining({ runId: first.runId, operator: 'sam', reason: 'bad feed', deleted: 30, runRolledBack: true })]);
  });

  it('rolls back one batch only', async () => {
    const first = await run({ source: 'synthetic:seed=12,count=30', task: null, batchSize: 10 });
    const applied = await api['rollback.apply']({ runId: first.runId, batchSeq: 2, onConflict: 'refuse', reason: 'batch 2 was wrong', confirmRunId: first.runId }, tester);
    // ADAPTIVE_BATCHES (on by default): batches of 10 and 20.
    expect(applied).toMatchObject({ batchSeq: 2, runRolledBack: false, counts: { deleted: 20 } });
    expect(await store.countHearings()).toBe(10);
  });

  it('lists the snapshot taken before a console run, creates and verifies one, and restores only with the typed snapshot id, a reason and the lock free, naming the operator', async () => {
    await run({ source: 'synthetic:seed=13,count=10', task: null });
    const listed = await api['backups.list']({}, tester);
    expect(listed).toMatchObject({ backend: 'sqlite', supported: true, explanation: null, snapshots: [{ kind: 'before-run' }] });
    const manual = await api['backups.create']({}, tester);
    expect(manual).toMatchObject({ kind: 'manual' });
    expect(await api['backups.verify']({}, tester)).toEqual([expect.objectContaining({ ok: true }), expect.objectContaining({ ok: true })]);
    await run({ source: 'synthetic:seed=13,count=25', task: null });
    expect(await store.countHearings()).toBe(25);

    expect(await failure('backups.restore', { id: manual.id, confirmId: manual.id })).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('reason') });
    expect(await failure('backups.restore', { id: manual.id, confirmId: 'yes', reason: 'undo the bad feed' })).toMatchObject({ code: 'USAGE' });
    expect(await failure('backups.restore', { id: 'no-such-snapshot', confirmId: 'no-such-snapshot', reason: 'undo the bad feed' })).toMatchObject({ code: 'NOT_FOUND' });
    const holder = await openStore(location);
    try {
      await holder.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
      expect(await failure('backups.restore', { id: manual.id, confirmId: manual.id, reason: 'undo the bad feed' })).toMatchObject({ code: 'LOCK_HELD' });
      await holder.releaseWriterLock();
    } finally {
      await holder.close();
    }
    expect(await store.countHearings()).toBe(25);

    const restored: ApiOutput<'backups.restore'> = await api['backups.restore']({ id: manual.id, confirmId: manual.id, reason: 'undo the bad feed' }, operatorCaller('sam'));
    expect(restored).toMatchObject({ hearingsBefore: 25, hearingsAfter: 10, safetySnapshot: { kind: 'safety' }, event: { operator: 'sam', reason: 'undo the bad feed', snapshotId: manual.id } });
    expect(await store.countHearings()).toBe(10);
    expect(await api['backups.restores']({ limit: 10 }, tester)).toEqual([restored.event]);
  });
});

describe('backups on PostgreSQL through the API', async () => {
  const backend = await availablePostgresBackend();

  it.skipIf(backend === null)('takes, verifies and restores schema snapshots, recording the restore', async () => {
    const pgLocation = await backend!.freshLocation();
    const pgStore = await backend!.open(pgLocation);
    const pgEngine = createInProcessEngineHost({ location: pgLocation });
    try {
      const pgApi = createApi({ store: pgStore, engine: pgEngine, transport: 'http', preferences: memoryPreferences({}) });
      await runUpdate({ store: pgStore, source: await openSource('synthetic:seed=21,count=12') });
      const snapshot = await pgApi['backups.create']({}, tester);
      expect(await pgApi['backups.list']({}, tester)).toMatchObject({ backend: 'postgres', supported: true, explanation: null, snapshots: [{ id: snapshot.id, kind: 'manual' }] });
      expect(await pgApi['backups.verify']({}, tester)).toEqual([{ id: snapshot.id, ok: true, problems: [] }]);
      await runUpdate({ store: pgStore, source: await openSource('synthetic:seed=21,offset=12,count=8') });
      const restored = await pgApi['backups.restore']({ id: snapshot.id, confirmId: snapshot.id, reason: 'drop the second run' }, operatorCaller('sam'));
      expect(restored).toMatchObject({ hearingsBefore: 20, hearingsAfter: 12, event: { reason: 'drop the second run', operator: 'sam' } });
    } finally {
      await pgEngine.close();
      await pgStore.close();
      await backend!.cleanup();
    }
  });
});
