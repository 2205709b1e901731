import { describe, expect, it } from 'vitest';
import { SYNTHETIC_ORGANISATIONS, generateHistory, judgeRun } from '../../../main/validation/index.js';
import type { CalendarPrior } from '../../../main/validation/historical/calendar.js';
import { RegimeFilter } from '../../../main/validation/historical/regime.js';

const DEEP_IN_LONG_RECESS: CalendarPrior = { weight: 1, start: 0, end: 0, deepLongRecess: true, longRecess: true };
const ONE_DAY_HOLIDAY: CalendarPrior = { weight: 1, start: 1, end: 0, deepLongRecess: false, longRecess: false };
const SESSION: CalendarPrior = { weight: 0, start: 0, end: 0, deepLongRecess: false, longRecess: false };

/** Walks a filter through one long recess, its runs quiet (`quiet`) or busy, and the day after it. */
function throughOneRecess(quiet: boolean): RegimeFilter {
  const filter = new RegimeFilter();
  const run = (dayNumber: number) => ({ dayNumber, startedAt: new Date(dayNumber * 86_400_000).toISOString(), informative: true, busy: true, nearRecess: () => 0, busyExpected: () => 100 });
  for (let day = 0; day < 5; day++) filter.observe(run(day), quiet ? 0.99 : 0.01, DEEP_IN_LONG_RECESS, quiet ? 6 : -6);
  filter.observe(run(5), 0.01, SESSION, 0);
  return filter;
}

describe('a young stream and the calendar prior', () => {
  it('is judged with the prior at its mean around a long recess until one has confirmed or rejected it, never around a one-day holiday', () => {
    const young = new RegimeFilter();
    expect(young.calendarAgreement).toBe(0);
    expect(young.agreementOn(DEEP_IN_LONG_RECESS)).toBeGreaterThan(0.25);
    expect(young.priorAnnouncesRecess(DEEP_IN_LONG_RECESS)).toBe(true);
    expect(young.agreementOn(ONE_DAY_HOLIDAY)).toBe(0);
    expect(young.priorAnnouncesRecess(ONE_DAY_HOLIDAY)).toBe(false);
    // One recess of evidence and the bound speaks: a rejected calendar is silent, a confirmed one keeps its evidence's say.
    const rejected = throughOneRecess(false);
    expect(rejected.agreementOn(DEEP_IN_LONG_RECESS)).toBe(rejected.calendarAgreement);
    expect(rejected.priorAnnouncesRecess(DEEP_IN_LONG_RECESS)).toBe(false);
    const confirmed = throughOneRecess(true);
    expect(confirmed.agreementOn(DEEP_IN_LONG_RECESS)).toBe(confirmed.calendarAgreement);
  });

  it('reads no level shift into a long recess the calendar announces, and few alarms of any kind, on 21- to 60-run histories', () => {
    let recessRuns = 0;
    let levelShifts = 0;
    let alarms = 0;
    SYNTHETIC_ORGANISATIONS.forEach((profile, i) => {
      const days = generateHistory(profile, { seed: 20250805 + 7919 * i, days: 1100, contaminationRate: 0 });
      const entries = days.map((d) => d.entry);
      for (const length of [21, 30, 60]) {
        for (let start = 0; start + length < days.length; start += 23) {
          if (!days[start + length]!.recess) continue;
          const result = judgeRun(entries.slice(start, start + length), entries[start + length]!);
          recessRuns++;
          if (result.verdict === 'anomalous') alarms++;
          if (result.anomalies.some((a) => a.rule === 'level-shift')) levelShifts++;
        }
      }
    });
    // Before the prior spoke for young streams: 17 level shifts and 34 alarms in these 216 runs.
    expect(recessRuns).toBeGreaterThan(200);
    expect(levelShifts).toBe(0);
    expect(alarms / recessRuns).toBeLessThan(0.05);
  });
});
