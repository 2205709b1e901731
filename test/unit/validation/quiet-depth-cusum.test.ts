import { describe, expect, it } from 'vitest';
import { CHANGE_OPEN_DAYS } from '../../../main/validation/index.js';
import { judgeEach, stream } from './stream-fixtures.js';

/**
 * A stream of some eighty records a day whose own quiet periods thin it to a quarter, every
 * couple of months on its own dates. One run of such a period at a score of records tells its
 * depth from a lasting halving only weakly; the runs of the open drop together tell it plainly:
 * once they have, the period is the baseline and its runs are no longer reported as the drop
 * going on.
 */
describe('evidence for the stream’s own quiet depth summed over an open drop’s runs', () => {
  const LEVEL = 80;
  const periods = [0, 1, 2, 3, 4].map((k) => ({ from: 40 + 60 * k, to: 60 + 60 * k, factor: 0.25 }));
  /** Alerts on each period's runs after its second, while its drop is open, for the periods after the first two. */
  const alertsAfterStart = (seed: number) => {
    const results = judgeEach(stream({ seed, start: '2023-09-04', days: 340, level: LEVEL, periods }));
    return [2, 3, 4].reduce((sum, k) => sum + results.slice(42 + 60 * k, 40 + 60 * k + CHANGE_OPEN_DAYS).filter((r) => r.verdict === 'anomalous').length, 0);
  };

  it('stops reporting the period once its runs together show the stream’s own depth', () => {
    const alerts = [1, 2, 3, 4].map(alertsAfterStart);
    // 3 periods × 4 seeds, 3 runs each; read one run at a time, 23 of the 36 alerted (12 now).
    expect(alerts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(16);
  });

  it('still reports a drop to half the level after such periods', () => {
    const halving = { from: 280, to: 300, factor: 0.5 };
    const reported = [1, 2, 3, 4].map((seed) => {
      const results = judgeEach(stream({ seed, start: '2023-09-04', days: 340, level: LEVEL, periods: [...periods.filter((p) => p.from < 280), halving] }));
      return results.slice(halving.from, halving.from + CHANGE_OPEN_DAYS).filter((r) => r.verdict === 'anomalous').length;
    });
    // 9 of its 20 first-five-day runs alerted before the summed evidence, and still do: a halving
    // leans away from the quarter the stream's quiet periods sit at, and its runs add nothing.
    expect(reported.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(9);
  });
});
