import { describe, expect, it } from 'vitest';
import { calendarFromRecesses } from '../../../main/validation/historical/calendar.js';
import { dayIndexIn, judgeEach, RECESSES_2023, stream } from './stream-fixtures.js';

/**
 * Issue 10: a stream that follows the calendar, whose level falls for good a week before a recess
 * and stays down after it. Its recesses are the calendar's, so an unannounced quiet spell is weighed
 * against its own unannounced spells (none), not against the calendar's recesses: it becomes the new
 * normal after three weeks instead of six (promoted-level.test.ts: at the level it shows outside the recess).
 */
describe('a calendar stream that falls for good just before a recess', () => {
  const recesses = [
    ...RECESSES_2023,
    { start: '2024-02-19', end: '2024-03-01' },
    { start: '2024-04-15', end: '2024-04-26' },
  ];
  const dayIndex = dayIndexIn('2023-01-01');
  const fall = dayIndex('2024-04-08');
  const periods = [
    ...recesses.slice(0, -1).map((r) => ({ from: dayIndex(r.start), to: dayIndex(r.end) + 1, factor: 0.1 })),
    { from: fall, to: dayIndex('2024-04-15'), factor: 0.4 },
    // The last recess is as deep as ever below the new level.
    { from: dayIndex('2024-04-15'), to: dayIndex('2024-04-27'), factor: 0.04 },
    { from: dayIndex('2024-04-27'), to: 560, factor: 0.4 },
  ];
  const entries = stream({ seed: 3, start: '2023-01-01', days: 560, level: 200, periods });
  const results = judgeEach(entries, { calendar: calendarFromRecesses('test', recesses) });
  // Five weeks after the fall (two and a half after the recess ended).
  const settled = results.slice(fall + 33, fall + 40);

  it('judges ordinary runs five weeks after the fall in the normal state at the new level, without alerts', () => {
    for (const result of settled) {
      expect(result.verdict).toBe('ok');
      expect(result.state!.regime).toBe('normal');
    }
    const before = results[fall - 7]!.bands!.fetched!.expected;
    expect(results[fall + 35]!.bands!.fetched!.expected / before).toBeLessThan(0.55);
  });
});
