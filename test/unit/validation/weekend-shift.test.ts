import { describe, expect, it } from 'vitest';
import { judgeEach, stream } from './stream-fixtures.js';

/**
 * Issue 10: shifts "judged on the current run". A weekday feed's weekend run expects a record or
 * two: it cannot show the stream's level, and a level-shift alarm raised on it names a run that
 * shows nothing (development: weekend runs of 0–3 records carried level-shift alarms on clean
 * days). A halving that begins late in the week is reported on the first run that can show it,
 * the Monday, and never on the weekend between.
 */
describe('a halving that begins late in the week', () => {
  const START = '2023-01-02';
  /** Thursdays (day 3 is the first Thursday from a Monday start). */
  const CHANGE_DAYS = [157, 164, 171];

  function firstAlertWeekday(seed: number, changeDay: number): number | null {
    const entries = stream({ seed, start: START, days: changeDay + 10, level: 24, periods: [{ from: changeDay, to: changeDay + 10, factor: 0.5 }] });
    const results = judgeEach(entries);
    for (let i = changeDay; i < results.length; i++) if (results[i]!.verdict === 'anomalous') return new Date(entries[i]!.startedAt).getUTCDay();
    return null;
  }

  it('is reported, and on a weekday', () => {
    const weekdays = [1, 2, 3, 4, 5, 6].flatMap((seed) => CHANGE_DAYS.map((day) => firstAlertWeekday(seed, day)));
    const reported = weekdays.filter((w): w is number => w !== null);
    expect(reported.length).toBeGreaterThanOrEqual(weekdays.length - 2);
    expect(reported.filter((w) => w === 0 || w === 6)).toEqual([]);
  });
});
