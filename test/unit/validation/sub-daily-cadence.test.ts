import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import { RunCadence } from '../../../main/validation/historical/cadence.js';
import { subDailyStream, withFetchedCount } from '../../../bench/validation/sub-daily.js';
import type { HistoryEntry, ValidationResult } from '../../../shared/validation.js';
import { judgeEach, stream } from './stream-fixtures.js';

const HOUR_MS = 3_600_000;

/** The stream judged run by run from `from` on, each busy run (at least 60 records) judged once more as a spike, a drop and an empty run. */
function judgeWithInjections(entries: readonly HistoryEntry[], from: number) {
  const model = HistoryModel.empty();
  const outcome = { clean: [] as ValidationResult[], busy: 0, caught: { spike: 0, drop: 0, zero: 0 } };
  entries.forEach((entry, index) => {
    const result = model.judge(entry);
    const fetched = entry.metrics.fetched ?? 0;
    if (index >= from) {
      outcome.clean.push(result);
      if (fetched >= 60) {
        outcome.busy += 1;
        const caught = (value: number) => model.judge(withFetchedCount(entry, value)).verdict === 'anomalous';
        if (caught(5 * fetched)) outcome.caught.spike += 1;
        if (caught(Math.floor(fetched / 5))) outcome.caught.drop += 1;
        if (caught(0)) outcome.caught.zero += 1;
      }
    }
    model.learn({ ...entry, verdict: result.verdict });
  });
  return outcome;
}

/**
 * A stream polled four times a day (bench/validation/sub-daily.ts): each run brings the records
 * that arrived since the one before it, so a night run brings a handful and an evening run most of
 * the day. Judged against one expectation per weekday, a quarter of its clean runs alarmed (the
 * night runs near-zero, the evening ones bursts); judged by their share of the day, about as few
 * as a daily stream's, and a broken busy run is still caught.
 */
describe('a stream that runs several times a day', () => {
  for (const seed of [52_004, 52_005]) {
    it(`raises few false alarms on its clean runs and catches a broken one (seed ${seed})`, () => {
      const entries = subDailyStream({ seed, start: '2024-01-01', days: 200, level: 120, runsPerDay: 4, jitterHours: 1.5, missedDays: 0.03 });
      // From day 50 on: the walk judges, with the hours of the day learnt.
      const outcome = judgeWithInjections(entries, 200);
      const alarms = outcome.clean.filter((r) => r.verdict === 'anomalous').length;
      expect(outcome.clean.length).toBeGreaterThan(550);
      expect(alarms).toBeLessThanOrEqual(Math.ceil(0.02 * outcome.clean.length));
      expect(outcome.busy).toBeGreaterThan(70);
      expect(outcome.caught.spike).toBe(outcome.busy);
      expect(outcome.caught.zero).toBe(outcome.busy);
      expect(outcome.caught.drop).toBeGreaterThanOrEqual(Math.floor(0.9 * outcome.busy));
    });
  }

  it('reads a night run as a sliver of the day, and an evening run as most of it', () => {
    const entries = subDailyStream({ seed: 52_006, start: '2024-01-01', days: 60, level: 120, runsPerDay: 4, jitterHours: 0 });
    const cadence = new RunCadence();
    const times = entries.map((e) => Date.parse(e.startedAt));
    for (let i = 1; i < entries.length; i++) cadence.learn(times[i - 1]!, times[i]!, entries[i]!.metrics.fetched ?? 0, 1);
    expect(cadence.subDaily).toBe(true);
    // The last week's weekday runs: the share of the day each was expected to bring, against what it brought.
    const lastWeek = entries.map((entry, i) => ({ fetched: entry.metrics.fetched ?? 0, span: cadence.span(times[i - 1]!, times[i]!, Math.floor(times[i]! / 86_400_000)) })).slice(-28);
    const weekdays = lastWeek.filter((run) => run.span.weekday >= 1 && run.span.weekday <= 5);
    const fewest = weekdays.reduce((a, b) => (b.fetched < a.fetched ? b : a));
    const most = weekdays.reduce((a, b) => (b.fetched > a.fetched ? b : a));
    expect(fewest.span.byWeekday.reduce((a, b) => a + b)).toBeLessThan(0.1);
    expect(most.span.byWeekday.reduce((a, b) => a + b)).toBeGreaterThan(0.3);
    // Records arrive 13:00–23:00 UTC: the hours from a Monday evening to 02:00 on the Tuesday are Monday's.
    const monday = Date.parse('2024-03-04T00:00:00Z');
    expect(cadence.span(monday + 20 * HOUR_MS, monday + 26 * HOUR_MS, Math.floor(monday / 86_400_000) + 1).weekday).toBe(1);
  });
});

describe('a stream that moves from daily runs to four a day', () => {
  it('learns the hours of its day from the new runs only, and takes two weeks of them to trust them', () => {
    const daily = subDailyStream({ seed: 52_007, start: '2024-01-01', days: 120, level: 120, runsPerDay: 1, jitterHours: 1 });
    const fourADay = subDailyStream({ seed: 52_008, start: '2024-05-01', days: 30, level: 120, runsPerDay: 4, jitterHours: 1.5 });
    const entries = [...daily.filter((e) => e.startedAt < '2024-04-30'), ...fourADay];
    const cadence = new RunCadence();
    const settledOn: string[] = [];
    for (let i = 1; i < entries.length; i++) {
      const [from, to] = [Date.parse(entries[i - 1]!.startedAt), Date.parse(entries[i]!.startedAt)];
      if (cadence.subDaily && cadence.span(from, to, Math.floor(to / 86_400_000)).settled) settledOn.push(entries[i]!.startedAt.slice(0, 10));
      cadence.learn(from, to, entries[i]!.metrics.fetched ?? 0, 1);
    }
    // Months of daily runs taught it nothing of the hours: its first sub-daily runs are not settled.
    expect(settledOn[0]! >= '2024-05-14').toBe(true);
    expect(settledOn.length).toBeGreaterThan(50);
  });
});

describe('a daily stream', () => {
  it('is read as daily, a rerun on one day and a missed day notwithstanding', () => {
    const cadence = new RunCadence();
    const day = 86_400_000;
    const times = [0, 1, 2, 2.1, 3, 5, 6, 7].map((d) => Date.parse('2024-03-04T06:00:00Z') + d * day);
    for (let i = 1; i < times.length; i++) cadence.learn(times[i - 1]!, times[i]!, 50, 1);
    expect(cadence.subDaily).toBe(false);
    const monday = Math.floor(times[7]! / day);
    expect(cadence.span(times[6]!, times[7]!, monday)).toEqual({ byWeekday: [0, 1, 0, 0, 0, 0, 0], weekday: 1, settled: true, wholeDay: true });
  });

  it('ignores a gap that is no gap: the same instant twice, or time running backwards', () => {
    const cadence = new RunCadence();
    const time = Date.parse('2024-03-04T06:00:00Z');
    cadence.learn(time, time, 10, 1);
    cadence.learn(time, time - HOUR_MS, 10, 1);
    cadence.learn(Number.NEGATIVE_INFINITY, time, 10, 1);
    expect(cadence.subDaily).toBe(false);
    expect(cadence.span(time, time + HOUR_MS, Math.floor(time / 86_400_000))).toEqual({ byWeekday: [0, 1, 0, 0, 0, 0, 0], weekday: 1, settled: true, wholeDay: true });
  });

  it('is judged exactly as before the cadence was learnt', () => {
    // A low-count stream with a quiet spell: enough noise to alarm now and then.
    const entries = stream({ seed: 52, start: '2023-01-02', days: 400, level: 6, periods: [{ from: 200, to: 215, factor: 0.2 }] });
    const results = judgeEach(entries);
    const alarms = results.flatMap((r, i) => (r.verdict === 'anomalous' ? [`${i}:${r.anomalies[0]!.metric}/${r.anomalies[0]!.rule}`] : []));
    expect(alarms).toEqual(DAILY_ALARMS);
    expect(results[399]!.bands!.fetched).toEqual(DAILY_LAST_BAND);
    // Every run's band, summed: any change to a daily stream's expectations moves it.
    const bandSum = results.reduce((sum, r) => sum + (r.bands?.fetched ? r.bands.fetched.expected + r.bands.fetched.low + r.bands.fetched.high : 0), 0);
    expect(bandSum).toBeCloseTo(DAILY_BAND_SUM, 6);
  });
});

/** What the walk said of that stream before it learnt cadences (checked against the code before them). */
const DAILY_ALARMS = ['200:fetched/near-zero-volume', '203:fetched/near-zero-volume', '204:fetched/near-zero-volume'];
const DAILY_LAST_BAND = { expected: 4.7, low: 1, high: 14 };
const DAILY_BAND_SUM = 8562;
