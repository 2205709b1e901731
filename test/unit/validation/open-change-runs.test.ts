import { describe, expect, it } from 'vitest';
import { fetchedAlert, judgeEach, stream } from './stream-fixtures.js';

/**
 * A lasting change often opens on its most extreme run: a drop to a fifth on its first day, half
 * the usual volume after. The runs after it favour the usual level over that fifth, yet they side
 * with a halving: they are the drop, still open, and are reported as it (one open anomaly), not
 * passed as ordinary days.
 */
describe('the runs of a change that opened on its most extreme run', () => {

  it('reports the days after a drop that opened at a fifth and went on at about half as that drop', () => {
    // 30 records on a busy weekday; Tuesday 23 May 2023 (day 141) at a fifth, Wednesday to Friday at 55 %.
    const entries = stream({ seed: 4, start: '2023-01-02', days: 145, level: 30, periods: [{ from: 141, to: 142, factor: 0.2 }, { from: 142, to: 145, factor: 0.55 }] });
    const results = judgeEach(entries);
    const opening = fetchedAlert(results[141]!);
    expect(opening).toMatchObject({ ongoing: false });
    for (const result of results.slice(142)) {
      expect(result.verdict).toBe('anomalous');
      expect(fetchedAlert(result)).toMatchObject({ ongoing: true, changeId: opening!.changeId });
    }
  });

  it('does not report the ordinary days after a one-day drop to a fifth as part of it', () => {
    const entries = stream({ seed: 4, start: '2023-01-02', days: 145, level: 30, periods: [{ from: 141, to: 142, factor: 0.2 }] });
    const results = judgeEach(entries);
    expect(results[141]!.verdict).toBe('anomalous');
    expect(results.slice(142).map((r) => r.verdict)).toEqual(['ok', 'ok', 'ok']);
  });
});
