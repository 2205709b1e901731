import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunMetrics, RunStatus } from '../../shared/run.js';
import type { HistoryEntry } from '../../shared/validation.js';
import type { Store } from '../../main/store/index.js';
import { historicalJudge } from '../../main/validation/index.js';
import { poissonSample, seededRandom } from '../../main/validation/historical/random.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

// Issue 10: the first run after missed ones (machine off, source down, failed runs) brings every
// missed day's changes, and must be judged against that many days, not alarm as a spike.

const DAY_MS = 86_400_000;
/** 07:00 UTC on a Monday: the scheduled daily run. */
const FIRST_RUN = Date.parse('2025-01-06T07:00:00Z');
const DAILY = 40;
const DAYS = 90;
/** Days 90 and 91 are missed; the run on day 92 covers three days. */
const CATCH_UP_DAY = DAYS + 2;

const at = (day: number): string => new Date(FIRST_RUN + day * DAY_MS).toISOString();

/** A day's records from a file or feed delivered since the last run: every count scales with the days it covers. */
function metricsOf(fetched: number): RunMetrics {
  const added = Math.round(fetched * 0.3);
  const updated = Math.round(fetched * 0.2);
  return { fetched, added, updated, unchanged: fetched - added - updated, quarantined: 0, durationMs: 800 + 12 * fetched };
}

function dailyVolumes(seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: DAYS }, () => poissonSample(random, DAILY));
}

async function storeRun(store: Store, day: number, status: RunStatus, metrics: RunMetrics): Promise<void> {
  const startedAt = at(day);
  const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'daily', source: 'file:/feeds/meetings.json', startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
  await store.finishRun(runId, { status, finishedAt: startedAt, metrics, batchCounts: { total: 1, succeeded: status === 'success' ? 1 : 0, failed: status === 'success' ? 0 : 1, isolated: 0 }, validation: null, error: status === 'failed' ? 'source unreachable' : null });
}

/** 90 daily runs, then the two days' runs failed (stored, but they train nothing and brought nothing). */
async function seedDailyRunsThenOutage(store: Store): Promise<void> {
  for (const [day, fetched] of dailyVolumes(11).entries()) await storeRun(store, day, 'success', metricsOf(fetched));
  for (const day of [DAYS, DAYS + 1]) await storeRun(store, day, 'failed', metricsOf(0));
}

describe.each(testBackends())('a catch-up after missed runs, judged from the store ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('judges three days of records after two missed days ok, and says the run covers three days', async () => {
    await withFreshStore(backend, async (store) => {
      await seedDailyRunsThenOutage(store);
      const result = await historicalJudge({ store, startedAt: at(CATCH_UP_DAY), task: 'daily', metrics: metricsOf(3 * DAILY + 4) });
      expect(result.anomalies).toEqual([]);
      expect(result).toMatchObject({ verdict: 'ok', historySize: DAYS });
      expect(result.state?.description).toContain(`this run covers 3 days since the last run on ${shortDay(DAYS - 1)}`);
      // Three days' expectation on the high side; one run's on the low side (a source listed over a fixed window fetches no more).
      expect(result.bands?.fetched?.expected).toBeGreaterThan(2.5 * DAILY);
      expect(result.bands?.fetched?.low).toBeLessThan(DAILY);
    });
  }, 60_000);

  it('still calls fifteen days of records after two missed days a spike, naming the three days it was judged against', async () => {
    await withFreshStore(backend, async (store) => {
      await seedDailyRunsThenOutage(store);
      const result = await historicalJudge({ store, startedAt: at(CATCH_UP_DAY), task: 'daily', metrics: metricsOf(15 * DAILY) });
      expect(result.verdict).toBe('anomalous');
      const fetched = result.anomalies.find((a) => a.metric === 'fetched');
      expect(fetched).toMatchObject({ rule: 'above-seasonal-range', value: 15 * DAILY });
      expect(fetched?.message).toContain(`this run covers 3 days since the last run on ${shortDay(DAYS - 1)}, which usually bring`);
    });
  }, 60_000);

  it('still calls three days of records on a day right after the last run a spike, and an empty catch-up a failed fetch', async () => {
    await withFreshStore(backend, async (store) => {
      await seedDailyRunsThenOutage(store);
      const nextDay = await historicalJudge({ store, startedAt: at(DAYS), task: 'daily', metrics: metricsOf(3 * DAILY + 4) });
      expect(nextDay.verdict).toBe('anomalous');
      expect(nextDay.state?.description).not.toContain('covers');
      const empty = await historicalJudge({ store, startedAt: at(CATCH_UP_DAY), task: 'daily', metrics: metricsOf(0) });
      expect(empty.verdict).toBe('anomalous');
      expect(empty.anomalies.find((a) => a.metric === 'fetched')?.rule).toBe('near-zero-volume');
    });
  }, 60_000);
});

/** "5 Apr", as the messages name a day. */
function shortDay(day: number): string {
  return new Date(FIRST_RUN + day * DAY_MS).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

describe('a catch-up after missed runs, judged by gatehouse validate', () => {
  const folder = tempFolderEachTest('gatehouse-catch-up-');

  /**
   * Congress.gov is listed over a fixed lookback window (7 days by default): a run after a gap
   * fetches about as many meetings as any other, and the missed days' changes arrive as added and
   * updated. The spacing of `startedAt` in the history is all the command knows of the gap.
   */
  function congressRun(day: number, changes: number, listed: number): HistoryEntry {
    const added = Math.round(changes * 0.6);
    const updated = changes - added;
    return { startedAt: at(day), metrics: { fetched: listed, added, updated, unchanged: listed - changes, quarantined: 0, durationMs: 900 + 15 * listed } };
  }

  function validate(current: HistoryEntry): { verdict: string; anomalies: { metric: string; message: string }[]; state: { description: string } } {
    const random = seededRandom(23);
    const history = Array.from({ length: DAYS }, (_, day) => congressRun(day, poissonSample(random, DAILY), poissonSample(random, 7 * DAILY)));
    fs.writeFileSync(path.join(folder(), 'history.json'), JSON.stringify(history));
    fs.writeFileSync(path.join(folder(), 'current.json'), JSON.stringify(current));
    const result = runCli(['validate', '--history', path.join(folder(), 'history.json'), '--current', path.join(folder(), 'current.json'), '--json']);
    expect([0, 1], result.stderr).toContain(result.code);
    return JSON.parse(result.stdout);
  }

  it('judges a window listed after two missed days, its changes three days\' worth, ok; fifteen days\' worth anomalous', () => {
    const caughtUp = validate(congressRun(CATCH_UP_DAY, 3 * DAILY, 7 * DAILY));
    expect(caughtUp.anomalies).toEqual([]);
    expect(caughtUp.verdict).toBe('ok');
    expect(caughtUp.state.description).toContain('this run covers 3 days since the last run on');
    const spike = validate(congressRun(CATCH_UP_DAY, 15 * DAILY, 7 * DAILY + 12 * DAILY));
    expect(spike.verdict).toBe('anomalous');
    expect(spike.anomalies.map((a) => a.metric)).toContain('added');
    expect(spike.anomalies.find((a) => a.metric === 'added')?.message).toContain('covers 3 days');
  }, 60_000);
});
