import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import { stream, withFetched } from './stream-fixtures.js';

// From Monday 1 Jan 2024: three-week quiet periods at 30 % every eight weeks.
const periods = [0, 1, 2, 3].map((k) => ({ from: 40 + 56 * k, to: 61 + 56 * k, factor: 0.3 }));

/** Run `day` at 15 % of its expectation is called near-empty in `regime`, and the real run is ok. */
function expectNearEmptyAt(seed: number, level: number, day: number, regime: string): void {
  const runs = stream({ seed, start: '2024-01-01', days: 260, level, periods });
  const model = HistoryModel.fromHistory(runs.slice(0, day));
  const expected = model.expectedBands(runs[day]!).fetched!.expected;
  const result = model.judge(withFetched(runs[day]!, Math.round(expected * 0.15)));
  expect(result.state?.regime).toBe(regime);
  expect(result.anomalies.map((a) => a.rule)).toContain('near-zero-volume');
  expect(model.judge(runs[day]!).verdict).toBe('ok');
}

/**
 * A run with a fifth of its expectation or less is near-empty (the signature bar) while the stream
 * is plainly in one state: normal, or plainly inside a quiet period, whose expectation is then the
 * quiet one alone. Only near a quiet period's edges, where the expectation mixes the two levels, is
 * the share a tenth. A drop to a tenth of a quiet day, plainly two weeks into the period, once faced
 * the full single-run bar and went unreported on a 40-a-day stream.
 */
describe('a near-empty run plainly inside a quiet period', () => {
  // Day 221 is Friday 9 Aug 2024, the thirteenth day of the fourth period.
  it.each([1, 2, 3, 4, 5, 6])('calls a run at 15 percent of the quiet expectation near-empty, and the real run ok (seed %i)', (seed) => {
    expectNearEmptyAt(seed, 40, 221, 'quiet');
  });
});

/**
 * In the first days back from a quiet period, a run with a fifth of its expectation or less is
 * near-empty, as on any plainly normal day, once the filter gives the quiet period's going on less
 * chance than the single-run bar's tail: the quiet state can then add no more to the run's lower
 * tail than the normal state alone would need to call it. It was held to a tenth on every first
 * day back, the filter's certainty aside.
 */
describe('a near-empty run on a first day back the filter is sure of', () => {
  // The fourth period ends on Sunday 18 Aug 2024 (day 230); days 232-234 are the Tuesday to Thursday after it.
  it.each([
    [1, 233],
    [2, 234],
    [5, 232],
    [6, 234],
  ])('calls a run at 15 percent of the expectation near-empty, and the real run ok (seed %i, day %i)', (seed, day) => {
    expectNearEmptyAt(seed, 28, day, 'returning');
  });
});
