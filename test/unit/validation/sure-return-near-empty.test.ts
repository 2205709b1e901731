import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import { stream, withFetched } from './stream-fixtures.js';

/**
 * In the first days back from a quiet period, a run with a fifth of its expectation or less is
 * near-empty, as on any plainly normal day, once the filter gives the quiet period's going on less
 * chance than the single-run bar's tail: the quiet state can then add no more to the run's lower
 * tail than the normal state alone would need to call it. It was held to a tenth on every first
 * day back, the filter's certainty aside.
 */
describe('a near-empty run on a first day back the filter is sure of', () => {
  // From Monday 1 Jan 2024: three-week quiet periods at 30 % every eight weeks; the fourth ends on
  // Sunday 18 Aug 2024 (day 230), and days 232-234 are the Tuesday to Thursday after it.
  const periods = [0, 1, 2, 3].map((k) => ({ from: 40 + 56 * k, to: 61 + 56 * k, factor: 0.3 }));

  it.each([
    [1, 233],
    [2, 234],
    [5, 232],
    [6, 234],
  ])('calls a run at 15 percent of the expectation near-empty, and the real run ok (seed %i, day %i)', (seed, day) => {
    const runs = stream({ seed, start: '2024-01-01', days: 260, level: 28, periods });
    const model = HistoryModel.fromHistory(runs.slice(0, day));
    const expected = model.expectedBands(runs[day]!).fetched!.expected;
    const result = model.judge(withFetched(runs[day]!, Math.round(expected * 0.15)));
    expect(result.state?.regime).toBe('returning');
    expect(result.anomalies.map((a) => a.rule)).toContain('near-zero-volume');
    expect(model.judge(runs[day]!).verdict).toBe('ok');
  });
});
