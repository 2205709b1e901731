import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifyRunOutcomes, runTaskThroughEngine } from '../../main/api/index.js';
import { Notifier, Scheduler, type DeliveredNotification } from '../../main/scheduler/index.js';
import { congressesSitting } from '../../main/sources/index.js';
import type { RunEvent } from '../../shared/run.js';
import { openConsoleApi, watchFinishedRuns, type ConsoleApi } from '../helpers/console-api.js';
import { FAKE_API_KEY, isDetailRequest, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

const DAY_MS = 86_400_000;
const TASK = 'congress-daily';

describe('a Congress.gov task run from the console after a gap longer than 90 days', () => {
  let consoleApi: ConsoleApi | undefined;
  let server: FakeCongress | undefined;
  const keyBefore = process.env.GATEHOUSE_CONGRESS_API_KEY;
  afterEach(async () => {
    await consoleApi?.close();
    await server?.close();
    if (keyBefore === undefined) delete process.env.GATEHOUSE_CONGRESS_API_KEY;
    else process.env.GATEHOUSE_CONGRESS_API_KEY = keyBefore;
  });

  it('lists 90 days, shows the warning with the run and the console notifies the span no run listed', async () => {
    // The engine host opens the source on the real clock: the feed and the past run are dated from it.
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY_MS).toISOString();
    server = await startFakeCongress({ house: [3, 80, 100].map((days) => hearingRecord(400000 + days, { updateDate: ago(days) })) }, { honourDates: true });
    process.env.GATEHOUSE_CONGRESS_API_KEY = FAKE_API_KEY;
    const c = (consoleApi = await openConsoleApi('gatehouse-catch-up-api-'));
    const sent: DeliveredNotification[] = [];
    const stopNotifying = notifyRunOutcomes(c.engine, c.store, () => new Notifier({ store: null, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] }));
    const warnings: RunEvent[] = [];
    const stopListening = c.engine.subscribe((event) => void (event.type === 'warning' && warnings.push(event)));
    const source = `congress:${server.baseUrl}`;
    await c.call('tasks.add', { name: TASK, cron: '0 6 * * *', source, lookbackDays: 7 });
    const past = await c.store.createRun({ mode: 'batch', batchSize: 50, task: TASK, source, startedAt: ago(120), pid: process.pid, host: 'test', flags: {}, resumedFrom: null, sourceWindow: { from: ago(127), to: ago(120), congresses: congressesSitting({ from: new Date(ago(127)), to: new Date(ago(120)) }) } });
    await c.store.finishRun(past, { status: 'success', finishedAt: ago(120), metrics: { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 }, batchCounts: { total: 0, succeeded: 0, failed: 0, isolated: 0 }, validation: null, error: null });

    const finishedRuns = watchFinishedRuns(c.engine);
    const { runId } = await c.call('tasks.run', { name: TASK });
    expect((await finishedRuns.of(runId)).status).toBe('success');
    finishedRuns.stop();
    // Every notice the run's events asked for has been sent once the notifier stops.
    stopListening();
    await stopNotifying();
    const run = await c.call('runs.get', { runId });
    expect(run.metrics.fetched).toBe(2);
    expect(Date.parse(run.sourceWindow!.to) - Date.parse(run.sourceWindow!.from)).toBe(90 * DAY_MS);
    expect(warnings).toEqual([
      expect.objectContaining({ runId, cause: 'coverage-gap', task: TASK, level: 'error', message: expect.stringContaining(`from ${ago(120)} to ${run.sourceWindow!.from}`) }),
    ]);
    // The console's next step, not the command line's (`gatehouse update` keeps it: congress-catch-up.test.ts).
    const { message } = warnings[0] as { message: string };
    expect(message).toMatch(/obtain those meetings another way and load them from a file with Start run on the Runs page \(Source file:PATH, or Upload a file…\), or accept the gap$/);
    expect(message).not.toContain('gatehouse update');
    // The same notification `gatehouse update` and the scheduler send: the task is its subject (and its throttle's key).
    expect(sent.filter((n) => n.cause === 'coverage-gap')).toEqual([
      expect.objectContaining({ subject: TASK, level: 'error', runId, title: `Gatehouse: task ${TASK} cannot list every missed day`, body: message }),
    ]);
  });

  it('the app\'s scheduler resumes a task\'s interrupted run, then lists only from where its window ended: no detail asked twice', async () => {
    const now = Date.now();
    const meetings = Array.from({ length: 120 }, (_, i) => hearingRecord(540000 + i, { updateDate: new Date(now - DAY_MS).toISOString() }));
    server = await startFakeCongress({ house: meetings }, { pageSize: 40, honourDates: true });
    process.env.GATEHOUSE_CONGRESS_API_KEY = FAKE_API_KEY;
    // No wait budget: the list page refused below stops the run at once, not after the backoff's retries.
    const c = (consoleApi = await openConsoleApi('gatehouse-resume-then-new-', { sourceOptions: { maxWaitPerRequestMs: 0 } }));
    await c.call('tasks.add', { name: TASK, cron: '0 * * * *', source: `congress:${server.baseUrl}`, lookbackDays: 7 });
    // The scheduler's ticks come an hour apart; the engine host opens each source on the real clock.
    let tickAt = now + 3_600_000;
    const scheduler = new Scheduler({ store: c.store, clock: () => new Date(tickAt), log: () => {}, runTask: (task, request) => runTaskThroughEngine(c.engine, task, request) });
    const fake = server;
    fake.override = (request) => (!isDetailRequest(request) && request.query.offset === '80' ? { status: 503 } : undefined);
    const [stopped] = (await scheduler.tick()).entries;
    expect(stopped).toMatchObject({ outcome: 'ran', status: 'interrupted' });
    const ended = (await c.store.getRun(stopped!.outcome === 'ran' ? stopped!.runId : -1))!.sourceWindow!.to;

    fake.override = null;
    // Updated the whole second after the interrupted run's window ended (Congress.gov's window bounds are whole seconds).
    const updatedAt = Math.floor(Date.parse(ended) / 1000) * 1000 + 1000;
    meetings.push(hearingRecord(540500, { updateDate: new Date(updatedAt).toISOString() }));
    // The next run's window ends when it starts, on the real clock: an interrupted run that took under a second
    // would start it before the meeting was updated, and (honourDates) the server would rightly not list it yet.
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(updatedAt), { timeout: 5_000, interval: 50 });
    const since = fake.requests.length;
    tickAt += 3_600_000;
    const [next] = (await scheduler.tick()).entries;
    expect(next).toMatchObject({ outcome: 'ran', status: 'success', resumed: { status: 'success' } });
    const fresh = await c.call('runs.get', { runId: next!.outcome === 'ran' ? next!.runId : -1 });
    expect(fresh.sourceWindow!.from).toBe(new Date(Date.parse(ended) - 3_600_000).toISOString());
    expect(fresh.metrics).toMatchObject({ fetched: 1, added: 1 });
    expect(fake.requests.slice(since).filter(isDetailRequest)).toHaveLength(40 + 1);
  });
});
