import { afterAll, describe, expect, it } from 'vitest';
import type { NewRun, RunOutcome, Store } from '../../main/store/index.js';
import { anomalyOf } from '../../bench/long-history.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

/**
 * A history of runs that already ended, recorded at once (Store.recordFinishedRuns: what the
 * validation bench's odd cases store, thousands of runs a case) leaves the rows createRun then
 * finishRun leave run by run, folds included, in one transaction: all of it or none.
 */
const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-03-02T14:00:00.000Z');

function finishedRun(day: number, options: { anomalous?: string; ongoing?: boolean; task?: string | null } = {}): { run: NewRun; outcome: RunOutcome } {
  const startedAt = new Date(T0 + day * DAY_MS).toISOString();
  const anomalies = options.anomalous ? [anomalyOf(options.anomalous, options.ongoing)] : [];
  return {
    run: { mode: 'batch', batchSize: 50, task: options.task === undefined ? 'daily' : options.task, source: 'file:/feeds/history.json', startedAt, pid: 1, host: 'history', flags: {}, resumedFrom: null },
    outcome: {
      status: 'success', finishedAt: startedAt, error: null,
      metrics: { fetched: 40 + day, added: 2, updated: 3, unchanged: 35 + day, quarantined: 0, durationMs: 900 },
      batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 },
      validation: { verdict: anomalies.length > 0 ? 'anomalous' : 'ok', method: 'stored', historySize: 0, anomalies },
    },
  };
}

/**
 * Quiet days, a change raised on day 2 and still going on day 3, another task's anomaly, a run of no
 * task, and last an import: a run started on day 1 that raised the change day 2 continues.
 */
const HISTORY = [
  finishedRun(0), finishedRun(1), finishedRun(2, { anomalous: 'c1', ongoing: true }), finishedRun(3, { anomalous: 'c1', ongoing: true }),
  finishedRun(4, { anomalous: 'c2', task: 'hourly' }), finishedRun(5, { task: null }), finishedRun(1, { anomalous: 'c1' }),
];

const runRows = (store: Store) => store.queries.db.selectFrom('runs').selectAll().orderBy('id').execute();

describe.each(testBackends())('a finished history recorded at once ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('leaves the rows and folds that createRun then finishRun leave, run by run, with the ids in history order', async () => {
    const oneByOne = await withFreshStore(backend, async (store) => {
      for (const { run, outcome } of HISTORY) await store.finishRun(await store.createRun(run), outcome);
      return runRows(store);
    });
    const atOnce = await withFreshStore(backend, async (store) => {
      expect(await store.recordFinishedRuns(HISTORY)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      return runRows(store);
    });
    expect(atOnce).toEqual(oneByOne);
    // Days 2 and 3 continue the change the imported run 7 raised on day 1: they join its fold.
    expect(atOnce.map((row) => row.foldStartId)).toEqual([null, null, 7, 7, 5, null, 7]);
  });

  it('records none of a history one of whose runs the database refuses, and the next run still gets the first id', async () => {
    await withFreshStore(backend, async (store) => {
      const refused = finishedRun(2);
      const broken = [finishedRun(0), finishedRun(1), { ...refused, run: { ...refused.run, source: null as unknown as string } }];
      await expect(store.recordFinishedRuns(broken)).rejects.toThrow();
      expect(await runRows(store)).toEqual([]);
      expect(await store.recordFinishedRuns([])).toEqual([]);
      expect(await store.createRun(finishedRun(0).run)).toBe(1);
    });
  });
});
