import { describe, expect, it } from 'vitest';
import { catchUpWindow } from '../../../main/sources/congress/window.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2025-06-15T07:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

describe('catchUpWindow', () => {
  it('keeps the lookback when the last covering run ended inside it, or after now (a clock set back)', () => {
    for (const until of [daysAgo(2), daysAgo(7), new Date(NOW.getTime() + DAY_MS)]) {
      expect(catchUpWindow(NOW, 7, until)).toEqual({ window: { from: daysAgo(7), to: NOW }, uncovered: null });
    }
  });

  it('reaches back to where the last covering run ended, up to 90 days exactly', () => {
    expect(catchUpWindow(NOW, 7, daysAgo(12))).toEqual({ window: { from: daysAgo(12), to: NOW }, uncovered: null });
    expect(catchUpWindow(NOW, 7, daysAgo(90))).toEqual({ window: { from: daysAgo(90), to: NOW }, uncovered: null });
  });

  it('stops at 90 days and names the span left out', () => {
    expect(catchUpWindow(NOW, 7, daysAgo(400))).toEqual({ window: { from: daysAgo(90), to: NOW }, uncovered: { from: daysAgo(400), to: daysAgo(90) } });
  });
});
