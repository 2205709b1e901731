import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { addTask, editTask, requireTask, runTask, Scheduler, taskResumeOf } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

const SOURCE = 'synthetic:seed=41,count=3000';

/** Task nightly's run, stopped at its first committed batch (waited for as an event, not a clock). */
async function interruptedTaskRun(store: Store): Promise<RunSummary> {
  await addTask(store, { name: 'nightly', cron: '0 6 * * *', source: SOURCE }, new Date(), 'Ada');
  const controller = new AbortController();
  const stopped = await runTask(store, await requireTask(store, 'nightly'), { signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort('by the test') });
  expect(stopped).toMatchObject({ status: 'interrupted' });
  expect(stopped.metrics.fetched).toBeLessThan(3000);
  return stopped;
}

/** A run of nightly stored `running` by a process that is gone (killed with -9): its pid, on this host, no longer alive. */
async function runLeftByKilledProcess(store: Store, source: string): Promise<number> {
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  return store.createRun({ mode: 'batch', batchSize: 50, task: 'nightly', source, startedAt: new Date().toISOString(), pid: gone, host: os.hostname(), flags: {}, resumedFrom: null, sourceWindow: null });
}

describe.each(testBackends())('a task run by hand resumes its interrupted run, as its schedule does ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('gatehouse tasks run resumes the task\'s interrupted run, then runs it anew, and says so', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const stopped = await interruptedTaskRun(store);
      const cli = runCli(['tasks', 'run', 'nightly', '--db', location, '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      const printed = JSON.parse(cli.stdout) as RunSummary & { resume?: unknown };
      expect(printed.resume).toEqual({ runId: stopped.runId, status: 'success' });
      expect(printed.runId).not.toBe(stopped.runId);
      // The resume went on under the run's own id: it names the run it continued, itself; the new run was never resumed.
      expect(await store.getRun(stopped.runId)).toMatchObject({ status: 'success', metrics: { fetched: 3000 }, resumedFrom: stopped.runId });
      expect(printed.resumedFrom).toBeNull();
      // A task's Run by hand is still the task's story (an `update --resume` is not: task-resume-story.test.ts).
      expect(await taskResumeOf(store, stopped.runId)).toEqual({ task: 'nightly', resume: { runId: stopped.runId, committedBatches: stopped.batches.total }, followedBy: printed.runId });
      const text = runCli(['tasks', 'run', 'nightly', '--db', location]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).not.toMatch(/resumed/);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('gatehouse tasks run starts a new run when the interrupted one cannot be resumed, and says why', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await addTask(store, { name: 'nightly', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date(), 'Ada');
      const stoppedId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'nightly', source: 'synthetic:seed=2,count=5', startedAt: new Date().toISOString(), pid: process.pid, host: 'test', flags: {}, resumedFrom: null, sourceWindow: null });
      await store.finishRun(stoppedId, {
        status: 'interrupted', finishedAt: new Date().toISOString(), metrics: { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 },
        batchCounts: { total: 0, succeeded: 0, failed: 0, isolated: 0 }, validation: null, error: 'the source failed',
      });
      const cli = runCli(['tasks', 'run', 'nightly', '--db', location]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(new RegExp(`^task nightly: run ${stoppedId} \\(interrupted\\) not resumed: .+; a new run covers its window\\ntask nightly: run \\d+ success`));
      expect(await store.getRun(stoppedId)).toMatchObject({ status: 'interrupted' });
    } finally {
      await store.close();
    }
  }, 120_000);

  it('the console\'s Run of a task resumes its interrupted run, then starts the new run as tasks run does, and says which', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const stopped = await interruptedTaskRun(store);
      const events: RunEvent[] = [];
      const followUpFinished = new Promise<RunSummary>((resolve) => {
        let followUp: number | null = null;
        engine.subscribe((event: RunEvent) => {
          events.push(event);
          if (event.type === 'run-started' && event.afterResumeOf === stopped.runId) followUp = event.runId;
          if (event.type === 'run-finished' && event.runId === followUp) resolve(event.summary);
        });
      });
      const api = createApi({ store, engine, transport: 'http' });
      const started = await dispatch(api, 'tasks.run', { name: 'nightly' }, tester);
      expect(started).toEqual({ ok: true, data: { runId: stopped.runId, resume: { runId: stopped.runId, committedBatches: stopped.batches.total } } });
      const followUp = await followUpFinished;
      expect(followUp.runId).toBeGreaterThan(stopped.runId);
      expect(followUp).toMatchObject({ status: 'success', task: 'nightly', startedBy: 'tester' });
      expect(await store.getRun(stopped.runId)).toMatchObject({ status: 'success', metrics: { fetched: 3000 } });
      // The resumed run ended before the new one started: one writer at a time, in the order tasks run takes.
      const order = events.filter((event) => event.type === 'run-started' || event.type === 'run-finished').map((event) => `${event.type} ${event.runId}`);
      expect(order).toEqual([`run-started ${stopped.runId}`, `run-finished ${stopped.runId}`, `run-started ${followUp.runId}`, `run-finished ${followUp.runId}`]);
      expect((await requireTask(store, 'nightly')).lastRunId).toBe(followUp.runId);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 120_000);

  it('a resume refused because the task\'s source was edited says so in a task\'s words, on tasks run and in the console', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const stopped = await interruptedTaskRun(store);
      await editTask(store, 'nightly', { source: 'synthetic:seed=42,count=5' }, new Date(), 'Ada');
      const api = createApi({ store, engine, transport: 'http' });
      const finished = new Promise<void>((resolve) => engine.subscribe((event) => event.type === 'run-finished' && resolve()));
      const started = await dispatch(api, 'tasks.run', { name: 'nightly' }, tester);
      const reason = `run ${stopped.runId} read ${SOURCE}, and task nightly now reads synthetic:seed=42,count=5 (its source was edited since the run)`;
      expect(started).toMatchObject({ ok: true, data: { resume: { runId: stopped.runId, refused: reason } } });
      await finished;
      await store.finishRun((await store.createRun({ mode: 'batch', batchSize: 50, task: 'nightly', source: SOURCE, startedAt: new Date().toISOString(), pid: process.pid, host: 'test', flags: {}, resumedFrom: null, sourceWindow: null })), {
        status: 'interrupted', finishedAt: new Date().toISOString(), metrics: { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 },
        batchCounts: { total: 0, succeeded: 0, failed: 0, isolated: 0 }, validation: null, error: 'stopped by the test',
      });
      const cli = runCli(['tasks', 'run', 'nightly', '--db', location]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain(', and task nightly now reads synthetic:seed=42,count=5 (its source was edited since the run); a new run covers its window');
      expect(`${cli.stdout}${JSON.stringify(started)}`).not.toContain('--source');
    } finally {
      await engine.close();
      await store.close();
    }
  }, 120_000);

  it('the console\'s Run of a task whose run is still going is refused in words, and neither resumes nor starts a run', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const holder = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      await addTask(store, { name: 'nightly', cron: '0 6 * * *', source: SOURCE }, new Date(), 'Ada');
      const going = await store.createRun({ mode: 'batch', batchSize: 50, task: 'nightly', source: SOURCE, startedAt: new Date().toISOString(), pid: process.pid, host: os.hostname(), flags: {}, resumedFrom: null, sourceWindow: null });
      await holder.acquireWriterLock({ runId: going, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
      const refused = await dispatch(createApi({ store, engine, transport: 'http' }), 'tasks.run', { name: 'nightly' }, tester);
      expect(refused).toMatchObject({ ok: false, error: { code: 'LOCK_HELD', message: expect.stringContaining(`run ${going}`) } });
      expect(JSON.stringify(refused)).not.toMatch(/\n\s+at /);
      expect((await store.listRuns({ task: 'nightly' })).map((run) => run.runId)).toEqual([going]);
    } finally {
      await engine.close();
      await holder.close();
      await store.close();
    }
  }, 120_000);

  it('the scheduler resumes a task\'s run left running by a process killed hard, not skipped as still going', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const time = new Date('2026-03-01T05:59:00Z');
      await addTask(store, { name: 'nightly', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, time, 'Ada');
      const leftId = await runLeftByKilledProcess(store, 'synthetic:seed=1,count=5');
      const log: string[] = [];
      const scheduler = new Scheduler({ store, clock: () => new Date('2026-03-01T06:00:30Z'), log: (line) => log.push(line), runTask: (task, request) => runTask(store, task, {}, request) });
      const [entry] = (await scheduler.tick()).entries;
      expect(entry).toMatchObject({ task: 'nightly', outcome: 'ran', status: 'success', resumed: { runId: leftId, status: 'success' } });
      expect(await store.getRun(leftId)).toMatchObject({ status: 'success', resumedFrom: leftId });
    } finally {
      await store.close();
    }
  }, 120_000);

  it('gatehouse tasks run resumes a task\'s run left running by a process killed hard', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await addTask(store, { name: 'nightly', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date(), 'Ada');
      const leftId = await runLeftByKilledProcess(store, 'synthetic:seed=1,count=5');
      const cli = runCli(['tasks', 'run', 'nightly', '--db', location, '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      expect((JSON.parse(cli.stdout) as { resume?: unknown }).resume).toEqual({ runId: leftId, status: 'success' });
    } finally {
      await store.close();
    }
  }, 120_000);
});
