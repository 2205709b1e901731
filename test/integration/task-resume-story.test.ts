import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, runConsoleScheduler, startHttpServer, type EngineHost, type RunningServer } from '../../main/api/index.js';
import { addTask, Notifier, requireTask, runTask } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunDetailView } from '../../shared/api.js';
import type { TaskRunStarted } from '../../shared/api-operations.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { data, signIn } from '../helpers/console-http.js';

const SOURCE = 'synthetic:seed=41,count=3000';

/** Task nightly's run, stopped at its first committed batch (waited for as an event, not a clock). */
async function interruptedTaskRun(store: Store, source = SOURCE): Promise<RunSummary> {
  await addTask(store, { name: 'nightly', cron: '0 6 * * *', source }, new Date(), 'Ada');
  const controller = new AbortController();
  const stopped = await runTask(store, await requireTask(store, 'nightly'), { signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort('by the test') });
  expect(stopped).toMatchObject({ status: 'interrupted' });
  return stopped;
}

/** `gatehouse serve` over the database: its API over HTTP, with a session cookie. */
async function serve(store: Store, engine: EngineHost): Promise<{ server: RunningServer; cookie: string }> {
  const server = await startHttpServer({ handlers: createApi({ store, engine, transport: 'http' }), engine, staticRoot: null });
  const cookie = await signIn(server);
  await data(server, 'session.name', { name: 'Ada' }, cookie);
  return { server, cookie };
}

/** Resolves with the run-finished summary of the first run whose run-started names `resumed` as the run it follows. */
function followUpOf(engine: EngineHost, resumed: number): { started: Promise<RunEvent & { type: 'run-started' }>; finished: Promise<RunSummary> } {
  let seen: ((event: RunEvent & { type: 'run-started' }) => void) | null = null;
  const started = new Promise<RunEvent & { type: 'run-started' }>((resolve) => (seen = resolve));
  const finished = new Promise<RunSummary>((resolve) => {
    let followUp: number | null = null;
    engine.subscribe((event) => {
      if (event.type === 'run-started' && event.afterResumeOf === resumed) {
        followUp = event.runId;
        seen?.(event);
      }
      if (event.type === 'run-finished' && event.runId === followUp) resolve(event.summary);
    });
  });
  return { started, finished };
}

describe.each(testBackends())('the story of a task\'s resume is told from the runs\' rows, not the console\'s memory ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('after the console\'s Run resumed a run and started the next, a restarted serve tells it on both runs (runs.get, runs show) and the task\'s newest run', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    let engine = createInProcessEngineHost({ location });
    let served = await serve(store, engine);
    try {
      const stopped = await interruptedTaskRun(store);
      const followUp = followUpOf(engine, stopped.runId);
      const started = await data<TaskRunStarted>(served.server, 'tasks.run', { name: 'nightly' }, served.cookie);
      expect(started).toEqual({ runId: stopped.runId, resume: { runId: stopped.runId, committedBatches: stopped.batches.total } });
      const next = await followUp.finished;
      // `gatehouse serve` restarted: nothing of what its console saw is left.
      await served.server.close();
      await engine.close();
      engine = createInProcessEngineHost({ location });
      served = await serve(store, engine);
      const story = { task: 'nightly', resume: { runId: stopped.runId, committedBatches: stopped.batches.total }, followedBy: next.runId };
      for (const runId of [stopped.runId, next.runId]) {
        expect((await data<RunDetailView>(served.server, 'runs.get', { runId }, served.cookie)).taskResume).toEqual(story);
        const cli = runCli(['runs', 'show', String(runId), '--db', location, '--json']);
        expect(cli.code, cli.stderr).toBe(0);
        expect((JSON.parse(cli.stdout) as RunDetailView).taskResume).toEqual(story);
      }
      expect((await requireTask(store, 'nightly')).lastRunId).toBe(next.runId);
      // Added at the end of runs.get's answer, before statusReasons (added after it): the keys before it stay where they were.
      expect(Object.keys(await data<RunDetailView>(served.server, 'runs.get', { runId: next.runId }, served.cookie)).slice(-2)).toEqual(['taskResume', 'statusReasons']);
    } finally {
      await served.server.close();
      await engine.close();
      await store.close();
    }
  }, 120_000);

  // `runs show` answers with runs.get's withTaskResume: the first case above reads both.
  it('a resume by hand (`update --resume --task`) tells no task\'s story: runs.get says only that the run was resumed', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const small = 'synthetic:seed=41,count=120';
      const stopped = await interruptedTaskRun(store, small);
      const resumed = runCli(['update', '--db', location, '--source', small, '--resume', String(stopped.runId), '--task', 'nightly', '--no-snapshot', '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const engine = createInProcessEngineHost({ location });
      try {
        const detail = await dispatch(createApi({ store, engine, transport: 'http' }), 'runs.get', { runId: stopped.runId }, tester);
        expect(detail).toMatchObject({ ok: true, data: { task: 'nightly', resumedFrom: stopped.runId } });
        expect(detail.ok && detail.data).not.toHaveProperty('taskResume');
      } finally {
        await engine.close();
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it('the console\'s own scheduler names the run its new run follows, on the event stream and in the new run\'s row, as the Run button does', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const controller = new AbortController();
    try {
      const stopped = await interruptedTaskRun(store);
      const followUp = followUpOf(engine, stopped.runId);
      const notifier = new Notifier({ store: null, channels: [] });
      // Just after the task's next 06:00 (UTC): its time has come.
      const due = new Date(Date.now() + 86_400_000);
      due.setUTCHours(6, 0, 30, 0);
      const loop = runConsoleScheduler({ store, engine, notifier: () => notifier, log: () => {}, signal: controller.signal, clock: () => due });
      try {
        const next = await followUp.finished;
        const detail = await dispatch(createApi({ store, engine, transport: 'http' }), 'runs.get', { runId: next.runId }, tester);
        expect(detail.ok && (detail.data as RunDetailView).taskResume).toEqual({ task: 'nightly', resume: { runId: stopped.runId, committedBatches: stopped.batches.total }, followedBy: next.runId });
      } finally {
        controller.abort();
        await loop;
      }
    } finally {
      controller.abort();
      await engine.close();
      await store.close();
    }
  }, 120_000);

  it('a new run that could not start after the resume (updates halted meanwhile) is said on the event stream and kept with the resumed run', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const real = createInProcessEngineHost({ location });
    let served: { server: RunningServer; cookie: string } | null = null;
    // An operator halts updates just as the resume ends: the new run's start is refused for real, as any refusal would be.
    const engine: EngineHost = {
      ...real,
      start: async (request) => {
        if (request.afterResumeOf !== undefined) await data(served!.server, 'flags.set', { flag: 'HALT_UPDATES', scope: 'global', value: true, reason: 'incident 45' }, served!.cookie);
        return real.start(request);
      },
    };
    served = await serve(store, engine);
    try {
      const stopped = await interruptedTaskRun(store);
      const said = new Promise<RunEvent>((resolve) => real.subscribe((event) => event.type === 'warning' && event.cause === 'follow-up-failed' && resolve(event)));
      await data<TaskRunStarted>(served.server, 'tasks.run', { name: 'nightly' }, served.cookie);
      const event = await said;
      expect(event).toMatchObject({ runId: stopped.runId, task: 'nightly', error: expect.stringContaining('updates are halted, no update starts') });
      const detail = await data<RunDetailView>(served.server, 'runs.get', { runId: stopped.runId }, served.cookie);
      expect(detail).toMatchObject({ status: 'success', taskResume: { task: 'nightly', resume: { runId: stopped.runId }, followedBy: null, followUpFailed: expect.stringContaining('incident 45') } });
      expect((event as { message: string }).message).toBe(`Task nightly: resumed run ${stopped.runId}; the new run after it could not start: ${detail.taskResume!.followUpFailed}`);
    } finally {
      await served.server.close();
      await real.close();
      await store.close();
    }
  }, 120_000);
});
