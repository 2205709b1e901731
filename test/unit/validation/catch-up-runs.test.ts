import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { judgeEach, stream, withFetched } from './stream-fixtures.js';

// Issue 10: a run after missed ones stands for every run it replaces; a gap the stream always has
// (a weekday feed's weekend, a weekly task's week) is no missed run.

const DAY_MS = 86_400_000;
const fetchedOf = (entry: HistoryEntry): number => entry.metrics.fetched ?? 0;
/** The run `days` later than `entry`, bringing `fetched` records. */
const later = (entry: HistoryEntry, days: number, fetched: number): HistoryEntry => withFetched({ ...entry, startedAt: new Date(Date.parse(entry.startedAt) + days * DAY_MS).toISOString() }, fetched);

describe('historical validator: catch-up runs after missed ones', () => {
  // 2024-01-01 is a Monday: index 88 is a Friday, 91 the Monday after it, 93 that week's Wednesday.
  const weekdayFeed = (seed: number) => stream({ seed, start: '2024-01-01', days: 96, level: 40 }).filter((run) => ![0, 6].includes(new Date(run.startedAt).getUTCDay()));

  it.each([1, 2, 3])('reads a weekday feed\'s Monday after its Friday as one run, and its Wednesday after a missed Monday and Tuesday as three (seed %i)', (seed) => {
    const runs = weekdayFeed(seed);
    const friday = runs.findIndex((run) => run.startedAt.startsWith('2024-03-29'));
    const model = HistoryModel.fromHistory(runs.slice(0, friday + 1));
    const [monday, tuesday, wednesday] = runs.slice(friday + 1, friday + 4) as [HistoryEntry, HistoryEntry, HistoryEntry];
    const plainMonday = model.judge(monday);
    expect(plainMonday.verdict).toBe('ok');
    expect(plainMonday.state?.description).not.toContain('covers');
    expect(model.judge(withFetched(monday, 3 * fetchedOf(monday) + 40)).verdict).toBe('anomalous');
    const caughtUp = model.judge(withFetched(wednesday, fetchedOf(monday) + fetchedOf(tuesday) + fetchedOf(wednesday)));
    expect(caughtUp.anomalies).toEqual([]);
    expect(caughtUp.state?.description).toContain('this run covers 5 days since the last run on 29 Mar');
  });

  it('reads a weekly task after a missed week as two weeks\' runs, and still calls six weeks\' volume a spike', () => {
    const weekly = stream({ seed: 4, start: '2024-01-03', days: 7 * 60, level: 200 }).filter((_, day) => day % 7 === 0);
    const model = HistoryModel.fromHistory(weekly);
    const last = weekly.at(-1)!;
    expect(model.judge(later(last, 7, 2 * fetchedOf(last))).verdict).toBe('anomalous');
    const twoWeeks = model.judge(later(last, 14, 2 * fetchedOf(last)));
    expect(twoWeeks.verdict).toBe('ok');
    expect(twoWeeks.state?.description).toContain('this run covers 14 days');
    expect(model.judge(later(last, 14, 6 * fetchedOf(last))).verdict).toBe('anomalous');
  });

  it.each([1, 2, 3, 4])('judges the daily runs after a catch-up as before (it taught no rate), a spike among them caught (seed %i)', (seed) => {
    const runs = stream({ seed, start: '2024-01-01', days: 130, level: 40 });
    // Monday 1 and Tuesday 2 April are missed; Wednesday's run catches up.
    const missed = new Set([91, 92]);
    const withGap = runs.flatMap((run, day) => {
      if (missed.has(day)) return [];
      // The catch-up brings its own day's records and the two missed days'.
      if (day === 93) return [withFetched(run, fetchedOf(runs[91]!) + fetchedOf(runs[92]!) + fetchedOf(run))];
      return [day === 120 ? withFetched(run, 4 * fetchedOf(run) + 40) : run];
    });
    const verdicts = judgeEach(withGap);
    const after = withGap.map((run, index) => ({ day: Math.round((Date.parse(run.startedAt) - Date.parse(withGap[0]!.startedAt)) / DAY_MS), result: verdicts[index]! }));
    expect(after.find((r) => r.day === 93)?.result.verdict).toBe('ok');
    expect(after.find((r) => r.day === 120)?.result.verdict).toBe('anomalous');
    const alarms = after.filter((r) => r.day > 93 && r.day !== 120 && r.result.verdict === 'anomalous');
    expect(alarms.map((r) => r.day)).toEqual([]);
  });
});
