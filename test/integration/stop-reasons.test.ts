import { describe, expect, it } from 'vitest';
import { consoleNotifier, memoryPreferences, notifyRunOutcomes, type EngineHost, type RunningServer } from '../../main/api/index.js';
import { currentOperator } from '../../main/backup/index.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { addTask } from '../../main/scheduler/index.js';
import { latestCheckpoint, listRuns, updateWithSignal } from '../../bench/kill-resume.js';
import { testBackends } from '../helpers/backends.js';
import { runCli, startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, startFakeCongress, stopAtDetail } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { data, servedPerTest, signIn } from '../helpers/console-http.js';

/**
 * A stopped run's stored reason says who or what stopped it — an operator in the console, an API
 * client, a signal to the CLI — and the run summary, `runs show`, the console's runs.get and the
 * notification all say the same words.
 */
const LONG_SOURCE = 'synthetic:seed=11,count=20000';

/** Starts a long run over HTTP and, once its first batch has committed, asks it to stop as `auth`; resolves with its summary. */
async function stoppedAfterFirstBatch(server: RunningServer, engine: EngineHost, auth: string | Record<string, string>): Promise<RunSummary> {
  let runId: number | null = null;
  let stopAsked = false;
  const finished = new Promise<RunSummary>((resolve) => {
    const stop = engine.subscribe((event: RunEvent) => {
      if (event.type === 'batch-finished' && event.runId === runId && !stopAsked) {
        stopAsked = true;
        void data(server, 'runs.cancel', { runId }, auth);
      }
      if (event.type === 'run-finished' && event.runId === runId) {
        stop();
        resolve(event.summary);
      }
    });
  });
  ({ runId } = await data<{ runId: number }>(server, 'runs.start', { source: LONG_SOURCE, batchSize: 10, mode: 'batch' }, auth));
  return finished;
}

describe.each(testBackends())('who stopped a run, said the same everywhere ($name)', (backend) => {
  const served = servedPerTest(backend);

  it('a run stopped from the console names the operator of that session in its summary, runs.get and the notification', async () => {
    const lines: string[] = [];
    const stopNotifying = notifyRunOutcomes(served.engine, served.store, () => consoleNotifier(served.store, memoryPreferences(), { log: (line) => lines.push(line) }));
    try {
      const cookie = await signIn(served.server);
      await data(served.server, 'session.name', { name: 'Ada' }, cookie);
      const summary = await stoppedAfterFirstBatch(served.server, served.engine, cookie);
      // The console's stream, run page and notices word the resume for the console, which has no --resume to type
      // (resume-reason-per-surface.test.ts); the stored reason, which `runs show` prints, keeps the command.
      const reason = 'stopped by Ada from the console after the last committed batch — it can be resumed';
      expect(summary).toMatchObject({ status: 'interrupted', error: reason });
      expect(await data(served.server, 'runs.get', { runId: summary.runId }, cookie)).toMatchObject({ status: 'interrupted', error: reason });
      expect(await served.store.getRun(summary.runId)).toMatchObject({ error: `stopped by Ada from the console after the last committed batch — resume with --resume ${summary.runId}` });
      await expect.poll(() => lines.filter((line) => line.includes('run-interrupted'))).toHaveLength(1);
      expect(JSON.parse(lines.find((line) => line.includes('run-interrupted'))!)).toMatchObject({ body: reason });
    } finally {
      stopNotifying();
    }
  }, 60_000);

  it('a run stopped by an API client names the operator the server acts as, and that it came through the API', async () => {
    const bearer = { Authorization: `Bearer ${served.server.apiToken}` };
    const summary = await stoppedAfterFirstBatch(served.server, served.engine, bearer);
    expect(summary.error).toBe(`stopped by ${currentOperator()} through the API after the last committed batch — it can be resumed`);
    expect(await served.store.getRun(summary.runId)).toMatchObject({ error: `stopped by ${currentOperator()} through the API after the last committed batch — resume with --resume ${summary.runId}` });
  }, 60_000);

  it('a run stopped by SIGINT to the CLI says so, with the pid, in its summary, `runs show` and the notification', async () => {
    const db = await backend.freshLocation();
    const stopped = await updateWithSignal(db, LONG_SOURCE, ['--no-snapshot', '--batch-size', '10'], 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    const summary = JSON.parse(stopped.stdout) as RunSummary;
    expect(summary.error).toMatch(new RegExp(`^stopped by SIGINT to gatehouse update \\(pid \\d+\\) after the last committed batch — resume with --resume ${summary.runId}$`));
    const shown = runCli(['runs', 'show', String(summary.runId), '--db', db, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'interrupted', error: summary.error });
    expect(stopped.stderr).toContain(summary.error);
  }, 60_000);

  it('a task\'s run stopped as `gatehouse scheduler` shuts down on SIGINT says so, and stops after its batch instead of running to the end', async () => {
    const db = await backend.freshLocation();
    const store = await backend.open(db);
    try {
      // Due at once: every minute, added two minutes ago.
      await addTask(store, { name: 'minutely', cron: '* * * * *', source: 'synthetic:seed=12,count=200000', allowFrequent: true }, new Date(Date.now() - 120_000), 'Ada');
    } finally {
      await store.close();
    }
    const scheduler = startCli(['scheduler', '--db', db]);
    await expect.poll(() => latestCheckpoint(db), { timeout: 60_000 }).not.toBeNull();
    scheduler.child.kill('SIGINT');
    const ended = await scheduler.done;
    expect(ended.code, ended.stderr).toBe(0);
    const [run] = listRuns(db);
    expect(run).toMatchObject({ status: 'interrupted' });
    // `--resume N` is update's flag: the reason says what resumes a task's run, and the whole command that does it sooner.
    expect((run as unknown as RunSummary).error).toBe(`stopped as gatehouse scheduler (pid ${scheduler.child.pid}) shut down on SIGINT after the last committed batch — task minutely's next scheduled run resumes it; sooner: gatehouse update --resume ${run!.runId} --source 'synthetic:seed=12,count=200000'`);
  }, 90_000);

  it('a task run by `gatehouse tasks run` and stopped by SIGINT stops after its batch as update does (130), naming the signal and the pid', async () => {
    const db = await backend.freshLocation();
    expect(runCli(['tasks', 'add', 'nightly', '--cron', '0 6 * * *', '--source', 'synthetic:seed=13,count=200000', '--db', db]).code).toBe(0);
    expect(runCli(['tasks', 'run', 'no-such-task', '--db', db]).code).toBe(2);
    const running = startCli(['tasks', 'run', 'nightly', '--db', db, '--json']);
    await expect.poll(() => latestCheckpoint(db), { timeout: 60_000 }).not.toBeNull();
    running.child.kill('SIGINT');
    const stopped = await running.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('SIGINT: stopping the run at its next batch boundary, then stopping');
    const summary = JSON.parse(stopped.stdout) as RunSummary;
    expect(summary).toMatchObject({ status: 'interrupted' });
    // `tasks run` starts a new run rather than resume one, and takes no --resume: the reason says what resumes it.
    expect(summary.error).toBe(`stopped by SIGINT to gatehouse tasks run (pid ${running.child.pid}) after the last committed batch — task nightly's next scheduled run resumes it; sooner: gatehouse update --resume ${summary.runId} --source 'synthetic:seed=13,count=200000'`);
    expect(listRuns(db)[0]).toMatchObject({ runId: summary.runId, status: 'interrupted' });

  }, 90_000);

  it('an all-or-nothing update from Congress.gov stopped by SIGINT says it rolls the update back, not that it commits what it fetched, and keeps nothing', async () => {
    // The CLI reads the real clock: the feed is dated from it.
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    const server = await startFakeCongress({ house: Array.from({ length: 120 }, (_, i) => hearingRecord(820000 + i, { updateDate: recent })) }, { pageSize: 40 });
    try {
      const db = await backend.freshLocation();
      let update: ReturnType<typeof startCli> | null = null;
      stopAtDetail(server, 31, () => update!.child.kill('SIGINT'));
      update = startCli(['update', '--db', db, '--source', `congress:${server.baseUrl}`, '--mode', 'all-or-nothing', '--no-snapshot', '--json'], { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY });
      const stopped = await update.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(stopped.stderr).toContain('SIGINT: rolling back the update (all-or-nothing keeps nothing of a run that did not finish), then stopping');
      const summary = JSON.parse(stopped.stdout) as RunSummary;
      expect(summary).toMatchObject({ status: 'interrupted', metrics: { added: 0 } });
      expect(summary.error).toMatch(/^stopped by SIGINT to gatehouse update \(pid \d+\); nothing was committed — resume with --resume \d+$/);
    } finally {
      await server.close();
    }
  }, 90_000);
});
