import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import { subDailyStream, withFetchedCount, type SubDailySpec } from '../../../bench/validation/sub-daily.js';
import type { ValidationResult } from '../../../shared/validation.js';

const SWITCH_DAY = 120;
const SWITCH_TIME = Date.parse('2024-01-01T00:00:00Z') + SWITCH_DAY * 86_400_000;

/**
 * The stream judged run by run (each run judged, then learnt); from the switch on, each clean
 * run's result, and each busy run judged once more as five times its count — in the first two
 * weeks, while the hours of the day are learnt and a run's share of the day is not known, as
 * five days' records (a replay) on top of its own.
 */
function judgedFromSwitch(spec: SubDailySpec) {
  const model = HistoryModel.empty();
  const after: { startedAt: string; fetched: number; result: ValidationResult; spikeCaught: boolean | null }[] = [];
  for (const entry of subDailyStream(spec)) {
    const result = model.judge(entry);
    if (Date.parse(entry.startedAt) >= SWITCH_TIME) {
      const fetched = entry.metrics.fetched ?? 0;
      const spike = entry.startedAt < '2024-05-14' ? fetched + 5 * spec.level : 5 * fetched;
      const spikeCaught = fetched >= 20 ? model.judge(withFetchedCount(entry, spike)).verdict === 'anomalous' : null;
      after.push({ startedAt: entry.startedAt, fetched, result, spikeCaught });
    }
    model.learn({ ...entry, verdict: result.verdict });
  }
  return after;
}

function alarms(runs: ReturnType<typeof judgedFromSwitch>, from: string, to: string): string[] {
  return runs.filter((r) => r.startedAt >= from && r.startedAt < to && r.result.verdict === 'anomalous').map((r) => `${r.startedAt} ${r.fetched}: ${r.result.anomalies.map((a) => a.rule).join(', ')}`);
}

/**
 * The same stream, the same records arriving through the working day, its update runs moved by an
 * operator from once a day to several times a day or back (bench/validation/sub-daily.ts with a
 * cadence change). A cadence change is not news about the data: it may cost a run or two of
 * alarms, not weeks of them.
 */
describe('a stream whose runs change cadence', () => {
  // Daily runs at about 05:00 UTC (seed 101, each bringing the day before's records) and at about 16:00 (seed 102, part of each day).
  for (const [seed, level] of [
    [101, 120],
    [102, 400],
  ] as const) {
    it(`goes from daily runs to four a day without a fortnight of alarms, and its later runs alarm as a four-a-day stream's do (seed ${seed})`, () => {
      const runs = judgedFromSwitch({ seed, start: '2024-01-01', days: 200, level, runsPerDay: 1, jitterHours: 1, cadenceChange: { day: SWITCH_DAY, runsPerDay: 4 } });
      expect(runs.length).toBeGreaterThan(300);
      // The first two weeks: at most two runs (the first runs a day after the last daily one).
      expect(alarms(runs, '2024-04-30', '2024-05-14').length).toBeLessThanOrEqual(2);
      // The weeks after, judged by the hours of the day: a few per cent at most (before the fix: 14 % of
      // the runs of such streams, for months; a stream polled four times a day from its start: under 1 %).
      const later = runs.filter((r) => r.startedAt >= '2024-05-14');
      expect(alarms(runs, '2024-05-14', '2025').length).toBeLessThanOrEqual(Math.ceil(0.04 * later.length));
      // And spikes are still caught: every replay of five days in the first two weeks, most busy runs at five times their count after.
      const spikes = runs.filter((r) => r.spikeCaught !== null);
      const early = spikes.filter((r) => r.startedAt < '2024-05-14');
      expect(early.length).toBeGreaterThan(20);
      expect(early.filter((r) => !r.spikeCaught)).toEqual([]);
      const late = spikes.filter((r) => r.startedAt >= '2024-05-14');
      expect(late.filter((r) => r.spikeCaught).length).toBeGreaterThanOrEqual(Math.floor(0.9 * late.length));
    });
  }

  it('goes back from four runs a day to one without alarms', () => {
    const runs = judgedFromSwitch({ seed: 103, start: '2024-01-01', days: 200, level: 120, runsPerDay: 4, jitterHours: 1.5, cadenceChange: { day: SWITCH_DAY, runsPerDay: 1 } });
    expect(runs.length).toBeGreaterThan(70);
    expect(alarms(runs, '2024-04-30', '2025').length).toBeLessThanOrEqual(1);
  });

  it('does not read an operator’s re-run an hour after the scheduled daily run, bringing a few records, as a drop', () => {
    const reruns = Array.from({ length: 30 }, (_, i) => SWITCH_DAY + 2 * i);
    const runs = judgedFromSwitch({ seed: 104, start: '2024-01-01', days: 190, level: 120, runsPerDay: 1, jitterHours: 1, reruns: { days: reruns, hours: 1 } });
    expect(runs.length).toBeGreaterThan(95);
    expect(alarms(runs, '2024-04-30', '2025')).toEqual([]);
    // A re-run bringing five times a whole day's records is still a spike.
    const spikes = runs.filter((r) => r.spikeCaught !== null);
    expect(spikes.every((r) => r.spikeCaught)).toBe(true);
  });
});
