import { describe, expect, it } from 'vitest';
import { ShiftDetector, type ShiftRun } from '../../../main/validation/historical/change.js';

/**
 * Issue 10 item 3 ("change points, both directions"): in the first days back from a quiet period
 * the downward shift test reads again, but a run there is weighed against the quiet period not
 * being over as well (`ShiftRun.doubt`). A run at the quiet depth is no evidence of a halving; a
 * run at half the level still is, and the excursion it begins is marked as begun in doubt.
 */
describe('the shift test in the first days back', () => {
  const day = (value: number, doubt?: ShiftRun['doubt']): ShiftRun => ({ value, mean: 100, phi: 0.05, rate: 1, startedAt: '2024-03-04T07:00:00.000Z', dayNumber: 19_786, doubt });
  const quietDepth = { mean: 15, phi: 0.3 };

  it('takes a run at the quiet depth for a halving without the doubt, and not with it', () => {
    const detector = new ShiftDetector();
    expect(detector.peek(day(15), false).down.statistic).toBeGreaterThan(1);
    expect(detector.peek(day(15, quietDepth), false).down.statistic).toBe(0);
  });

  it('still reads a run at half the level as a halving with the doubt, and marks the excursion', () => {
    const detector = new ShiftDetector();
    const plain = detector.peek(day(50), false).down;
    const doubted = detector.peek(day(50, quietDepth), false).down;
    expect(doubted.statistic).toBeGreaterThan(1);
    expect(doubted.statistic).toBeLessThanOrEqual(plain.statistic);
    expect([plain.beganInDoubt, doubted.beganInDoubt]).toEqual([false, true]);
  });
});
