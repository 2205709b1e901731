import { describe, expect, it } from 'vitest';
import { calendarFromRecesses } from '../../../main/validation/historical/calendar.js';
import type { ValidationResult } from '../../../shared/validation.js';
import { dayIndexIn, judgeEach, RECESSES_2023, stream } from './stream-fixtures.js';

/**
 * Issue 10: a stream that follows the calendar and whose level falls for good, back near its old
 * level for two days in every eight. Each brief return ends the quiet period and the next runs
 * reopen it: one spell. Its promotion horizon is set by the unannounced spells the stream came back
 * from, not by this spell's own brief returns (which pushed it ahead of the spell each time).
 */
describe('a lasting drop whose quiet periods keep reopening', () => {
  const recesses = [
    ...RECESSES_2023,
    { start: '2024-02-19', end: '2024-03-01' },
  ];
  const dayIndex = dayIndexIn('2023-01-01');
  const fall = dayIndex('2024-04-01');
  const CYCLE = 8;
  const LOW_DAYS = 6;

  /** Periods at `factor` for LOW_DAYS of every CYCLE days in [from, to), the old level between them. */
  function reopening(from: number, to: number, factor: number): { from: number; to: number; factor: number }[] {
    const periods = [];
    for (let start = from; start < to; start += CYCLE) periods.push({ from: start, to: Math.min(to, start + LOW_DAYS), factor });
    return periods;
  }

  function judged(periods: { from: number; to: number; factor: number }[], days: number): ValidationResult[] {
    const all = [...recesses.map((r) => ({ from: dayIndex(r.start), to: dayIndex(r.end) + 1, factor: 0.1 })), ...periods];
    return judgeEach(stream({ seed: 5, start: '2023-01-01', days, level: 200, periods: all }), { calendar: calendarFromRecesses('test', recesses) });
  }

  /** The low days of [from, to) in a reopening pattern that began on `start`. */
  const lowDays = (start: number, from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i).filter((d) => (d - start) % CYCLE < LOW_DAYS);

  it('is promoted and judged against the new level', () => {
    const results = judged(reopening(fall, fall + 72, 0.4), fall + 72);
    const before = results[fall - 7]!.bands!.fetched!.expected;
    // From seven weeks after the fall on, its low days are the normal state, without alerts.
    for (const day of lowDays(fall, fall + 49, fall + 72)) {
      expect(['normal', 'change']).toContain(results[day]!.state!.regime);
      expect(results[day]!.verdict).toBe('ok');
    }
    expect(results[fall + 65]!.bands!.fetched!.expected / before).toBeLessThan(0.6);
  });

  it('is not promoted when it is as long as the unannounced spells the stream came back from before', () => {
    // Three earlier four-week outages at this depth, each followed by the old level, then a fourth.
    const starts = [dayIndex('2023-04-03'), dayIndex('2023-09-25'), dayIndex('2024-01-08'), fall];
    const length = 28;
    const results = judged(starts.map((start) => ({ from: start, to: start + length, factor: 0.4 })), fall + length + 14);
    // Its last days, past the three weeks a stream with no such history is promoted after, are still a quiet period.
    for (const result of results.slice(fall + length - 5, fall + length)) expect(result.state!.regime).toBe('quiet');
    // Back at the old level: the first days back and the week after raise no alert.
    for (const result of results.slice(fall + length, fall + length + 14)) expect(result.verdict).toBe('ok');
  });
});
