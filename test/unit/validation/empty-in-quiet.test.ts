import { describe, expect, it } from 'vitest';
import { judgeEach, stream } from './stream-fixtures.js';

/**
 * A quiet period that has become the baseline (its start was the news) is judged against the quiet
 * state: an empty run inside it is a failed fetch, news of its own, even while the drop that
 * opened the period is still on the books. It was once folded into that drop and silenced with it.
 * Each period here starts on a Saturday of a 25-a-day weekday feed (its weekends bring two or
 * three records and cannot show the level): the drop opens on the Monday or Tuesday and can still
 * be open on the Friday, when the period, dated from the Sunday, is already the baseline.
 */
describe('an empty run inside a quiet period that is the baseline', () => {
  // From Saturday 14 Oct 2023 (day 40), every nine weeks, four weeks at 30 % of the volume.
  const periods = [0, 1, 2, 3].map((k) => ({ from: 40 + 63 * k, to: 68 + 63 * k, factor: 0.3 }));
  const friday = (from: number): number => from + 6;
  const judged = (seed: number) => {
    const runs = stream({ seed, start: '2023-09-04', days: 280, level: 25, periods }).map((entry, index) =>
      periods.slice(1).some((p) => index === friday(p.from)) ? { ...entry, metrics: { ...entry.metrics, fetched: 0, added: 0, updated: 0, unchanged: 0 } } : entry,
    );
    return judgeEach(runs);
  };

  it('alerts on the empty Friday, as a fresh alert, in every period after the first', () => {
    for (const seed of [4, 6, 7]) {
      const results = judged(seed);
      for (const period of periods.slice(1)) {
        const result = results[friday(period.from)]!;
        expect(result.state?.regime).toBe('quiet');
        expect(result.anomalies.some((a) => a.metric === 'fetched' && !a.ongoing)).toBe(true);
        // The next Monday is the quiet period again.
        expect(results[friday(period.from) + 3]!.verdict).toBe('ok');
      }
    }
  });
});
