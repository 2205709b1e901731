import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/validation.js';
import { SYNTHETIC_ORGANISATIONS, asRunMetrics, generateHistory, injectRunAnomaly, judgeRun, typicalBusyDay } from '../../../main/validation/index.js';

const HISTORY_RUNS = 21;

/** Each first day back judged against the 21 runs before it, where those runs began inside the recess. */
function firstDaysBackAfterAnUnseenStart(): { history: HistoryEntry[]; current: HistoryEntry; spiked: HistoryEntry }[] {
  const cases: { history: HistoryEntry[]; current: HistoryEntry; spiked: HistoryEntry }[] = [];
  SYNTHETIC_ORGANISATIONS.forEach((profile, i) => {
    const days = generateHistory(profile, { seed: 20250805 + 7919 * i, days: 1100, contaminationRate: 0 });
    const entries = days.map((d) => d.entry);
    for (let end = HISTORY_RUNS; end < days.length; end++) {
      const start = end - HISTORY_RUNS;
      if (!days[end]!.firstBack || !days[start]!.recess || !days[start + 2]!.recess) continue;
      const current = entries[end]!;
      const busyDay = typicalBusyDay(days.slice(start, end + 1), HISTORY_RUNS);
      const spiked = { startedAt: current.startedAt, metrics: injectRunAnomaly(asRunMetrics(current.metrics), { kind: 'spike' }, { busyDay }) };
      cases.push({ history: entries.slice(start, end), current, spiked });
    }
  });
  return cases;
}

describe('a young history that starts inside a recess', () => {
  it('takes the first busy day back as the return to normal, not a burst, and still catches a spike on it', () => {
    const cases = firstDaysBackAfterAnUnseenStart();
    const alarms = cases.filter((c) => judgeRun(c.history, c.current).verdict === 'anomalous').length;
    const spikesCaught = cases.filter((c) => judgeRun(c.history, c.spiked).verdict === 'anomalous').length;
    // Before the walk took the return: 35 of these 50 clean first days back alerted (now 5); spikes 50 of 50 (now 49).
    expect(cases.length).toBe(50);
    expect(alarms).toBeLessThanOrEqual(10);
    expect(spikesCaught).toBeGreaterThanOrEqual(47);
  });
});
