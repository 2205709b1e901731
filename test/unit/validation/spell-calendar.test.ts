import { describe, expect, it } from 'vitest';
import { calendarFromRecesses } from '../../../main/validation/historical/calendar.js';
import { dayIndexIn, judgeEach, RECESSES_2023, stream } from './stream-fixtures.js';

/**
 * The spell that lets a lasting drop become the new normal (spell.test.ts) joins unannounced quiet
 * periods only: two recesses the calendar announces, a busy day apart, are two recesses.
 */
describe('announced recesses a day apart', () => {
  const recesses = [
    ...RECESSES_2023,
    // 24 and 29 days with one busy Thursday between: together longer than promotion needs.
    { start: '2024-03-04', end: '2024-03-27' },
    { start: '2024-03-29', end: '2024-04-26' },
  ];
  const dayIndex = dayIndexIn('2023-01-01');
  const periods = recesses.map((r) => ({ from: dayIndex(r.start), to: dayIndex(r.end) + 1, factor: 0.1 }));
  const entries = stream({ seed: 1, start: '2023-01-01', days: 500, level: 100, periods });
  const results = judgeEach(entries, { calendar: calendarFromRecesses('test', recesses) });

  it('stay two quiet periods: the stream is back at its old level after the second, with no alert', () => {
    const back = results.slice(dayIndex('2024-04-29'), dayIndex('2024-05-20'));
    expect(back.filter((r) => r.verdict === 'anomalous')).toEqual([]);
    expect(back.at(-1)!.state!.regime).toBe('normal');
  });

  it('judges the days of the second recess as a quiet period, not as a new normal', () => {
    const inside = results.slice(dayIndex('2024-04-08'), dayIndex('2024-04-20'));
    expect(inside.every((r) => r.state!.regime === 'quiet')).toBe(true);
  });
});
