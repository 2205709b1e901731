import { describe, expect, it } from 'vitest';
import { CHANGE_OPEN_DAYS, calendarFromRecesses } from '../../../main/validation/index.js';
import { distinctAlerts, judgeEach, stream } from './stream-fixtures.js';

/**
 * Issue 10 item 1: a stream's quiet periods are learnt from its own runs, wherever they fall. A
 * quiet period nobody announced is news once, when it starts; then it is the state the runs are
 * judged in, and leaving it is no news at all.
 */
describe('quiet periods off the calendar', () => {
  // From Monday 4 Sep 2023: quiet 16 Oct – 3 Nov and 4 – 22 Mar, dates no congressional calendar has.
  const periods = [
    { from: 42, to: 61, factor: 0.15 },
    { from: 182, to: 201, factor: 0.15 },
  ];
  const entries = stream({ seed: 3, start: '2023-09-04', days: 240, level: 200, periods });
  const results = judgeEach(entries);

  it.each(periods.map((p, i) => [i + 1, p] as const))('alerts once at the start of quiet period %i and never inside it or on the way out', (_n, period) => {
    const inside = results.slice(period.from, period.to);
    const alerted = inside.flatMap((r, day) => (r.verdict === 'anomalous' ? [day] : []));
    expect(alerted.length).toBeGreaterThan(0);
    expect(alerted[0]).toBeLessThan(2);
    expect(Math.max(...alerted)).toBeLessThan(CHANGE_OPEN_DAYS);
    expect(distinctAlerts(inside)).toHaveLength(1);
    const ids = new Set(inside.flatMap((r) => r.anomalies.map((a) => a.changeId)));
    expect(ids.size).toBe(1);
    expect(inside.slice(CHANGE_OPEN_DAYS).every((r) => r.verdict === 'ok' && r.state?.regime === 'quiet')).toBe(true);
    expect(inside.at(-1)!.state!.description).toMatch(/^a quiet period since \d+ \w{3}$/);
    expect(results.slice(period.to, period.to + 7).every((r) => r.verdict === 'ok')).toBe(true);
  });

  it('judges the days of a quiet period against the quiet state, leaving room for its end', () => {
    const deep = results[52]!; // a Thursday: about 240 records busy, 36 quiet
    expect(deep.state).toMatchObject({ regime: 'quiet' });
    expect(deep.bands!.fetched!.expected).toBeLessThan(80);
    expect(deep.bands!.fetched!.low).toBeLessThan(36);
    expect(deep.bands!.fetched!.high).toBeGreaterThan(240);
  });

  it('raises nothing on the ordinary days around them', () => {
    const ordinary = results.filter((_, day) => day >= 30 && !periods.some((p) => day >= p.from && day < p.to + 7));
    expect(ordinary.filter((r) => r.verdict === 'anomalous').length).toBeLessThanOrEqual(1);
  });

  it('needs no calendar at all: the same stream with no recesses known gives the same alerts', () => {
    const none = judgeEach(entries, { calendar: calendarFromRecesses('none', []) });
    expect(distinctAlerts(none.slice(40))).toEqual(distinctAlerts(results.slice(40)));
  });
});
