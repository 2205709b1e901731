import { describe, expect, it } from 'vitest';
import type { ApiOutput } from '../../shared/api.js';
import { anomalyOf, dailyRuns, insertRuns, type LongHistoryRun } from '../../bench/long-history.js';
import { expectedBands } from '../../main/validation/index.js';
import { sensitivityByTask } from '../../main/validation/sensitivity.js';
import { firstOfLast, walkStoredRuns } from '../../main/validation/walk-stored.js';
import { testBackends } from '../helpers/backends.js';
import { dispatchedPerTest, walkPages } from '../helpers/console-http.js';

const DAY_MS = 86_400_000;
const dayAt = (n: number) => new Date(Date.parse('2010-01-01T06:00:00.000Z') + n * DAY_MS).toISOString();

/**
 * A database that has run daily for years: more anomalies than any one read used to take in.
 * The runs go straight into the runs table (bench/long-history.ts); the API reads them as the
 * console does, through dispatch.
 */
describe.each(testBackends())('the console on a long history ($name)', (backend) => {
  const opened = dispatchedPerTest(backend);
  const call: typeof opened.call = (method, input) => opened.call(method, input);
  /** Every page of the anomalies list, walked with `after` as the console does. */
  const allAnomalies = (open: boolean): Promise<ApiOutput<'anomalies.list'>> =>
    walkPages((after) => call('anomalies.list', { open, limit: 500, ...(after === undefined ? {} : { after }) }), (page) => page.at(-1)!.runId, 500);

  it('lists every one of 5,300 anomalies a page at a time, the oldest too, each once', async () => {
    const ids = await insertRuns(opened.store, dailyRuns(5_300, { anomalousEvery: 1, end: dayAt(5_299) }));
    const listed = await allAnomalies(false);
    expect(listed).toHaveLength(5_300);
    expect(listed.map((fold) => fold.runId)).toEqual([...ids].reverse());
    expect(await call('anomalies.list', { open: true, limit: 10, after: ids[5]! })).toEqual(listed.slice(-5));
  });

  it('folds a change raised before the newest 5,000 anomalies under the run that raised it, and a review marks all of its runs', async () => {
    const runs: LongHistoryRun[] = [{ startedAt: dayAt(0), anomalies: [anomalyOf('fetched:down:2010-01-01')] }];
    for (let n = 1; n <= 5_100; n++) runs.push({ startedAt: dayAt(n), anomalies: [anomalyOf(`one-off-${n}`)] });
    runs.push({ startedAt: dayAt(5_101), anomalies: [anomalyOf('fetched:down:2010-01-01', true)] });
    const ids = await insertRuns(opened.store, runs);
    const [raised, still] = [ids[0]!, ids.at(-1)!];

    const listed = await allAnomalies(true);
    expect(listed).toHaveLength(5_101);
    const change = listed.find((fold) => fold.runIds.includes(still))!;
    expect(change).toMatchObject({ runId: raised, runIds: [raised, still], runCount: 2, lastRunId: still, startedAt: dayAt(0), lastStartedAt: dayAt(5_101) });
    expect(listed.at(-1)!.runId).toBe(raised);

    await call('anomalies.mark', { runId: still, as: 'confirmed', reason: 'the feed really lost its rows' });
    const reviewed = (await allAnomalies(false)).find((fold) => fold.runId === raised)!;
    expect(reviewed.review).toBe('confirmed');
    expect(reviewed.reviews.map((r) => r.runId)).toEqual([raised, still]);
    expect((await allAnomalies(true)).map((fold) => fold.runId)).not.toContain(raised);
  });

  it('counts every open anomaly past the first 2,000 open ones, the window\'s and the older ones alike', async () => {
    // A change raised years ago still open today, behind 2,100 newer open one-off anomalies.
    const runs: LongHistoryRun[] = [{ startedAt: dayAt(0), anomalies: [anomalyOf('fetched:down:2010-01-01')] }];
    for (let n = 1; n <= 2_100; n++) runs.push({ startedAt: dayAt(n), anomalies: [anomalyOf(`one-off-${n}`)] });
    runs.push({ startedAt: dayAt(2_101), anomalies: [anomalyOf('fetched:down:2010-01-01', true)] });
    await insertRuns(opened.store, runs);
    const overview = await call('overview.get', { windowDays: 30 });
    // The window is the 30 days up to the newest run; the open anomalies are every one the History list shows:
    // 2,100 one-offs and the old change still open.
    expect(overview.runsInWindow).toBe(31);
    expect(overview.openAnomalies).toBe(2_101);
    expect(await call('anomalies.openCount', {})).toBe(2_101);
    expect(overview.recentRuns.map((run) => run.startedAt)).toEqual(Array.from({ length: 10 }, (_, i) => dayAt(2_101 - i)));
  });
});

describe.each(testBackends())('the History band on a long history ($name)', (backend) => {
  it('draws the same bands from the tail it reads as from every run ever stored', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const runs = dailyRuns(2_600, { anomalousEvery: 9 });
      // Runs the walk skips or that end it: rolled back, a trial's, and one failed.
      runs[2_590] = { ...runs[2_590]!, status: 'rolled_back' };
      runs[2_580] = { ...runs[2_580]!, status: 'failed' };
      await insertRuns(store, runs);
      await insertRuns(store, [{ startedAt: runs[2_500]!.startedAt, task: 'trial', status: 'success' }]);
      await store.queries.db.updateTable('runs').set({ source: 'trial:1:synthetic:seed=1,count=40' }).where('task', '=', 'trial').execute();
      const everyRun = await store.reports.runs();
      const expected: { runId: number; bands: unknown }[] = [];
      walkStoredRuns(everyRun, {}, firstOfLast(everyRun, 100), (run, result) => expected.push({ runId: run.runId, bands: result.bands ?? {} }), await sensitivityByTask(store));
      const drawn = await expectedBands(store, { limit: 100 });
      expect(drawn).toHaveLength(100);
      expect(drawn.map(({ runId, bands }) => ({ runId, bands }))).toEqual(expected);
    } finally {
      await store.close();
      await backend.cleanup();
    }
  });
});
