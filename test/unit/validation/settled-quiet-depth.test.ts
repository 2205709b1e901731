import { describe, expect, it } from 'vitest';
import { judgeEach, stream } from './stream-fixtures.js';

/**
 * A stream whose quiet periods ease in: a week at half its volume, then three weeks settled at a
 * tenth. Once the period has settled, the judge expects its runs at the depth they settled at,
 * not at the average over all its runs so far, which the week of easing in holds at twice that.
 */
describe('the depth a quiet period settled at', () => {
  const WEEK = [0.1, 0.9, 1.1, 1.2, 1.1, 0.8, 0.1];
  const LEVEL = 300;
  const EASING_DAYS = 7;
  const SETTLED = 0.1;
  const starts = [60, 130, 200];
  const periods = starts.flatMap((from) => [
    { from, to: from + EASING_DAYS, factor: 0.5 },
    { from: from + EASING_DAYS, to: from + 28, factor: SETTLED },
  ]);

  it('is what the judge expects of the settled runs', () => {
    const start = '2023-09-04';
    const results = judgeEach(stream({ seed: 7, start, days: 240, level: LEVEL, periods }));
    const first = Date.parse(`${start}T00:00:00Z`);
    const ratios: number[] = [];
    for (const from of starts) {
      for (let day = from + 16; day < from + 28; day++) {
        const weekday = new Date(first + day * 86_400_000).getUTCDay();
        // Weekends bring too little to show a depth.
        if (weekday === 0 || weekday === 6) continue;
        ratios.push(results[day]!.bands!.fetched!.expected / (LEVEL * WEEK[weekday]! * SETTLED));
      }
    }
    ratios.sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    // Read at the average over the period's runs (easing in included) the judge expected about 2.7 times the settled runs (1.7 read at the settled depth).
    expect(median).toBeLessThan(2.2);
  });
});
