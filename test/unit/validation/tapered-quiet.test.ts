import { describe, expect, it } from 'vitest';
import { CHANGE_OPEN_DAYS } from '../../../main/validation/index.js';
import { judgeEach, stream } from './stream-fixtures.js';

/**
 * A stream whose own quiet periods taper in: two days at 30 % of its volume, then a settled
 * 20 %, every couple of months on its own dates. Once it has shown such periods, a run of a new
 * one at the stream's own depth is that period even when it stands below the depth the period's
 * runs so far average (the taper included); a drop straight to half the level is no such period.
 */
describe('runs of a quiet period that tapered in, at the stream’s own depth', () => {
  const TAPER_DAYS = 2;
  const periods = (settled: number) =>
    [0, 1, 2, 3, 4].flatMap((k) => [
      { from: 40 + 60 * k, to: 40 + TAPER_DAYS + 60 * k, factor: 0.3 },
      { from: 40 + TAPER_DAYS + 60 * k, to: 60 + 60 * k, factor: settled },
    ]);
  /** Alerts on each period's runs after its first, while its drop is open, for the periods after the first two. */
  const alertsAfterStart = (settled: number) =>
    [1, 2, 3].map((seed) => {
      const results = judgeEach(stream({ seed, start: '2023-09-04', days: 340, level: 300, periods: periods(settled) }));
      return [2, 3, 4].reduce((sum, k) => sum + results.slice(41 + 60 * k, 40 + 60 * k + CHANGE_OPEN_DAYS + TAPER_DAYS).filter((r) => r.verdict === 'anomalous').length, 0);
    });

  it('raises fewer alarms on the settled runs of a tapered period than one a day', () => {
    // 9 periods of 6 runs each; held to half a sigma below the period's average depth, 29 of them alerted.
    const alerts = alertsAfterStart(0.2);
    expect(alerts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(25);
  });

  it('still reports a drop to half the level after such periods, which none of them looked like', () => {
    const halving = { from: 280, to: 300, factor: 0.5 };
    const reported = [1, 2, 3].map((seed) => {
      const results = judgeEach(stream({ seed, start: '2023-09-04', days: 340, level: 300, periods: [...periods(0.2).filter((p) => p.from < 280), halving] }));
      return results.slice(halving.from, halving.from + CHANGE_OPEN_DAYS).filter((r) => r.verdict === 'anomalous').length;
    });
    expect(reported.every((n) => n >= 3)).toBe(true);
  });
});
