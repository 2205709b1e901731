import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import { stream, withFetched } from './stream-fixtures.js';

/**
 * A run with a fifth of its expectation or less is near-empty (the signature bar) while the stream
 * is plainly in one state: normal, or plainly inside a quiet period, whose expectation is then the
 * quiet one alone. Only near a quiet period's edges, where the expectation mixes the two levels, is
 * the share a tenth. A drop to a tenth of a quiet day, plainly two weeks into the period, once faced
 * the full single-run bar and went unreported on a 40-a-day stream.
 */
describe('a near-empty run plainly inside a quiet period', () => {
  // From Monday 1 Jan 2024: three-week quiet periods at 30 % every eight weeks; day 221 is Friday
  // 9 Aug 2024, the thirteenth day of the fourth period.
  const periods = [0, 1, 2, 3].map((k) => ({ from: 40 + 56 * k, to: 61 + 56 * k, factor: 0.3 }));
  const friday = 221;

  it.each([1, 2, 3, 4, 5, 6])('calls a run at 15 percent of the quiet expectation near-empty, and the real run ok (seed %i)', (seed) => {
    const runs = stream({ seed, start: '2024-01-01', days: 260, level: 40, periods });
    const model = HistoryModel.fromHistory(runs.slice(0, friday));
    const expected = model.expectedBands(runs[friday]!).fetched!.expected;
    const result = model.judge(withFetched(runs[friday]!, Math.round(expected * 0.15)));
    expect(result.state?.regime).toBe('quiet');
    expect(result.anomalies.map((a) => a.rule)).toContain('near-zero-volume');
    expect(model.judge(runs[friday]!).verdict).toBe('ok');
  });
});
