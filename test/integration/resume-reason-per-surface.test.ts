import { afterAll, describe, expect, it } from 'vitest';
import { consoleNotifier, createApi, createInProcessEngineHost, dispatch, memoryPreferences, notifyRunOutcomes } from '../../main/api/index.js';
import { eventFor, runUpdate } from '../../main/engine/index.js';
import { addTask } from '../../main/scheduler/index.js';
import type { RunDetailView } from '../../shared/api.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * An interrupted run's reason ended "— resume with --resume N" on the console's run page too,
 * where no such flag can be typed and the page gives the whole terminal command beside it. The
 * console reads words that fit it; the command line keeps its command.
 */
describe.each(testBackends())('an interrupted run\'s reason, as each surface reads it ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('tells the console the run can be resumed, and the command line how', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const controller = new AbortController();
      const stopped = await runUpdate({ store, source: arraySource(hearingRecords(6, 700000)), batchSize: 2, signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort('by the test') });
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(new RegExp(`— resume with --resume ${stopped.runId}$`));

      const api = createApi({ store, engine, transport: 'http' });
      const shown = await dispatch(api, 'runs.get', { runId: stopped.runId }, tester);
      expect(shown).toMatchObject({ ok: true });
      const onConsole = (shown as { data: RunDetailView }).data;
      expect(onConsole.error).toBe(`${stopped.error!.slice(0, -`— resume with --resume ${stopped.runId}`.length)}— it can be resumed`);
      expect(onConsole.error).not.toMatch(/--resume/);
      expect(onConsole.resumable).toBe(true);

      const cli = runCli(['runs', 'show', String(stopped.runId), '--db', location, '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      expect((JSON.parse(cli.stdout) as RunDetailView).error).toBe(stopped.error);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  // The run page was worded, but the console's live stream and its notices (desktop, log, webhook) still said "--resume N".
  it('tells the console\'s live stream and its notices the run can be resumed, and keeps the command in the stored reason', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const notices: string[] = [];
    const stopNotifying = notifyRunOutcomes(engine, store, () => consoleNotifier(store, memoryPreferences(), { log: (line) => notices.push(line) }));
    try {
      let runId: number | null = null;
      const finished = new Promise<RunSummary>((resolve) => {
        engine.subscribe((event: RunEvent) => {
          if (event.type === 'batch-finished' && event.runId === runId) void engine.cancel(event.runId, 'by Ada from the console');
          if (event.type === 'run-finished' && event.runId === runId) resolve(event.summary);
        });
      });
      ({ runId } = await engine.start({ source: 'synthetic:seed=31,count=20000', batchSize: 10, task: null }));
      const streamed = await finished;

      const stopped = 'stopped by Ada from the console after the last committed batch';
      expect(streamed).toMatchObject({ status: 'interrupted', error: `${stopped} — it can be resumed` });
      await expect.poll(() => notices.filter((line) => line.includes('run-interrupted'))).toHaveLength(1);
      const notice = JSON.parse(notices.find((line) => line.includes('run-interrupted'))!) as { body: string };
      expect(notice.body).toBe(`${stopped} — it can be resumed`);
      expect((await store.getRun(runId))?.error).toBe(`${stopped} — resume with --resume ${runId}`);
    } finally {
      await stopNotifying();
      await engine.close();
      await store.close();
    }
  }, 60_000);

  // A task's run from the console was stopped "— it can be resumed", as any run, though the scheduler resumes it at the task's next time.
  it('tells the console a task\'s stopped run is resumed at the task\'s next time, or can be resumed now, and stores the command that does it', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const source = 'synthetic:seed=32,count=20000';
      await addTask(store, { name: 'nightly', cron: '0 6 * * *', source }, new Date(), 'Ada');
      let runId: number | null = null;
      const finished = new Promise<RunSummary>((resolve) => {
        engine.subscribe((event: RunEvent) => {
          if (event.type === 'batch-finished' && event.runId === runId) void engine.cancel(event.runId, 'by Ada from the console');
          if (event.type === 'run-finished' && event.runId === runId) resolve(event.summary);
        });
      });
      const api = createApi({ store, engine, transport: 'http' });
      const started = await dispatch(api, 'tasks.run', { name: 'nightly' }, tester);
      expect(started).toMatchObject({ ok: true });
      runId = (started as { data: { runId: number } }).data.runId;
      const streamed = await finished;

      const stopped = 'stopped by Ada from the console after the last committed batch';
      expect(streamed).toMatchObject({ status: 'interrupted', error: `${stopped} — task nightly's next scheduled run resumes it, or it can be resumed now` });
      const shown = await dispatch(api, 'runs.get', { runId }, tester);
      expect((shown as { data: RunDetailView }).data.error).toBe(streamed.error);
      expect((await store.getRun(runId))?.error).toBe(`${stopped} — task nightly's next scheduled run resumes it; sooner: gatehouse update --resume ${runId} --source '${source}'`);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 60_000);
});

describe('a run event as the console reads it', () => {
  it('words a warning that carries the reason (a run whose end the next writer records) as it words the run', () => {
    const warning: RunEvent = { type: 'warning', runId: 4, message: "the run's end could not be recorded: the database stayed unreachable or busy after retries: gone; nothing was blamed on a record — resume with --resume 4" };
    expect(eventFor(warning, 'console')).toEqual({ ...warning, message: "the run's end could not be recorded: the database stayed unreachable or busy after retries: gone; nothing was blamed on a record — it can be resumed" });
    expect(eventFor(warning, 'cli')).toEqual(warning);
    const other: RunEvent = { type: 'warning', runId: 4, message: 'run 4 stopped: something else' };
    expect(eventFor(other, 'console')).toEqual(other);
  });
});
