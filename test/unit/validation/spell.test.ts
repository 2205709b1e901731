import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/validation.js';
import { judgeEach, stream } from './stream-fixtures.js';

/**
 * Issue 10: a quiet period far longer than any seen becomes the new normal. A lasting drop the
 * walk takes for a quiet period is interrupted now and then by a run near the old level; each
 * interruption used to start the quiet period afresh, so it never grew long enough, and the level
 * stayed at the old one for months. A quiet period that begins within a few days of the last one's
 * end continues its spell.
 */
describe('a lasting drop with runs near the old level now and then', () => {
  // 2024-01-07 is a Sunday. From day 99 (a Monday) at 40 %, but for one busy weekday back at the old level every three weeks.
  const periods = [
    { from: 99, to: 121, factor: 0.4 },
    { from: 122, to: 142, factor: 0.4 },
    { from: 143, to: 163, factor: 0.4 },
    { from: 164, to: 175, factor: 0.4 },
  ];
  const entries = stream({ seed: 1, start: '2024-01-07', days: 175, level: 200, periods });

  function expectNewNormalByWeekEight(runs: readonly HistoryEntry[]): void {
    const results = judgeEach(runs);
    // Eight weeks in (days 155–161): ordinary runs at the new level, in the normal state.
    for (const result of results.slice(155, 162)) {
      expect(result.verdict).toBe('ok');
      expect(result.state!.regime).toBe('normal');
    }
    // The band has moved to the new level: the same weekday ten weeks apart.
    expect(results[161]!.bands!.fetched!.expected).toBeLessThan(0.6 * results[91]!.bands!.fetched!.expected);
  }

  it('becomes the new normal within eight weeks, however often a busy day comes back', () => {
    expectNewNormalByWeekEight(entries);
  });

  it('does so too when some runs inside it carry no usable count', () => {
    const damaged = entries.map((e, i) => (i === 110 || i === 130 ? { startedAt: e.startedAt, metrics: { fetched: Number.NaN, added: Number.POSITIVE_INFINITY } } : e));
    expectNewNormalByWeekEight(damaged);
  });
});
