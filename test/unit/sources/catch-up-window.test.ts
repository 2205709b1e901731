import { describe, expect, it } from 'vitest';
import { CATCH_UP_OVERLAP_MS, catchUpWindow, listedEveryCongressSitting } from '../../../main/sources/congress/window.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2025-06-15T07:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const overlapped = (end: Date) => new Date(end.getTime() - CATCH_UP_OVERLAP_MS);

describe('catchUpWindow', () => {
  it('keeps the lookback when the last covering run ended inside it (overlap included), or after now (a clock set back)', () => {
    for (const until of [daysAgo(2), new Date(daysAgo(7).getTime() + CATCH_UP_OVERLAP_MS), new Date(NOW.getTime() + DAY_MS)]) {
      expect(catchUpWindow(NOW, 7, until)).toEqual({ window: { from: daysAgo(7), to: NOW }, uncovered: null });
    }
  });

  it('reaches back to an hour before where the last covering run ended, up to 90 days exactly', () => {
    expect(catchUpWindow(NOW, 7, daysAgo(7))).toEqual({ window: { from: overlapped(daysAgo(7)), to: NOW }, uncovered: null });
    expect(catchUpWindow(NOW, 7, daysAgo(12))).toEqual({ window: { from: overlapped(daysAgo(12)), to: NOW }, uncovered: null });
    expect(catchUpWindow(NOW, 7, daysAgo(89))).toEqual({ window: { from: overlapped(daysAgo(89)), to: NOW }, uncovered: null });
  });

  it('lets the overlap stop at 90 days without calling it a gap: the run ended inside what this one lists', () => {
    expect(catchUpWindow(NOW, 7, daysAgo(90))).toEqual({ window: { from: daysAgo(90), to: NOW }, uncovered: null });
  });

  it('stops at 90 days and names the span left out, from where the last run really ended', () => {
    expect(catchUpWindow(NOW, 7, daysAgo(400))).toEqual({ window: { from: daysAgo(90), to: NOW }, uncovered: { from: daysAgo(400), to: daysAgo(90) } });
  });
});

describe('listedEveryCongressSitting', () => {
  const week = { from: daysAgo(9).toISOString(), to: daysAgo(2).toISOString() };
  /** 5 January 2025: a week back crosses noon on 3 January, when the 119th Congress began. */
  const acrossNewCongress = { from: '2024-12-29T07:00:00.000Z', to: '2025-01-05T07:00:00.000Z' };

  it('is true for a run that listed the Congress sitting, or both across 3 January', () => {
    expect(listedEveryCongressSitting({ ...week, congress: 119, congresses: [119] })).toBe(true);
    expect(listedEveryCongressSitting({ ...acrossNewCongress, congress: 119, congresses: [118, 119] })).toBe(true);
    // Recorded before `congresses` were: the one Congress it names is all it listed.
    expect(listedEveryCongressSitting({ ...week, congress: 119 })).toBe(true);
  });

  it('is false for a `--congress` run of another Congress, and for one of the two across 3 January', () => {
    expect(listedEveryCongressSitting({ ...week, congress: 117, congresses: [117] })).toBe(false);
    expect(listedEveryCongressSitting({ ...acrossNewCongress, congress: 119, congresses: [119] })).toBe(false);
    expect(listedEveryCongressSitting({ ...acrossNewCongress, congress: 118 })).toBe(false);
  });

  it('is false for a window that names no Congress or cannot be read', () => {
    expect(listedEveryCongressSitting({ ...week, congress: null })).toBe(false);
    expect(listedEveryCongressSitting({ ...week, congresses: [] })).toBe(false);
    expect(listedEveryCongressSitting({ from: 'last Tuesday', to: week.to, congresses: [119] })).toBe(false);
    expect(listedEveryCongressSitting({ from: week.to, to: week.from, congresses: [119] })).toBe(false);
  });
});
