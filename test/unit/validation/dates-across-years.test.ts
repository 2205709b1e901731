import { describe, expect, it } from 'vitest';
import { judgeEach, stream } from './stream-fixtures.js';

/**
 * The day a state began, as a verdict's state and its anomalies name it, has its year when the run
 * judged is in another: "a quiet period since 18 Dec" read on 6 January meant this December.
 */
describe('dates in a verdict across New Year', () => {
  // From Monday 4 Sep 2023: quiet 16 Oct – 3 Nov, and from Monday 18 Dec 2023 into January.
  const entries = stream({ seed: 3, start: '2023-09-04', days: 130, level: 200, periods: [{ from: 42, to: 61, factor: 0.15 }, { from: 105, to: 130, factor: 0.15 }] });
  const results = judgeEach(entries);
  const on = (day: string) => results[entries.findIndex((entry) => entry.startedAt.startsWith(day))]!;

  it('names the year of a quiet period that began last year', () => {
    expect(on('2024-01-06').state).toMatchObject({ regime: 'quiet', since: '2023-12-18T07:00:00.000Z', description: 'a quiet period since 18 Dec 2023' });
  });

  it('leaves the year out while the run is in the same year as the day it names', () => {
    expect(on('2023-12-30').state).toMatchObject({ regime: 'quiet', since: '2023-12-18T07:00:00.000Z', description: 'a quiet period since 18 Dec' });
  });
});
