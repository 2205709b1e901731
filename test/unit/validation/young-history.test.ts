import { describe, expect, it } from 'vitest';
import { FALLBACK_METHOD, SYNTHETIC_ORGANISATIONS, generateHistory, judgeRun } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';

const HOUR_MS = 3_600_000;

function entry(startedAt: string, fetched: number): HistoryEntry {
  return { startedAt, metrics: { fetched, added: Math.round(fetched / 3), updated: 0, unchanged: fetched - Math.round(fetched / 3), quarantined: 0, durationMs: 500 + fetched } };
}

/** Issue 10 item 5: with three runs or more there is always an answer, and it has its bands. */
describe('the young-history fallback', () => {
  it('never answers insufficient_history with three runs or more, on any organisation, any start, any length up to the walk', () => {
    let judged = 0;
    for (const [i, profile] of SYNTHETIC_ORGANISATIONS.entries()) {
      const days = generateHistory(profile, { seed: 100 + i, days: 400, contaminationRate: 0.02 });
      for (let start = 0; start < 380; start += 37) {
        for (let length = 3; length <= 20; length += 1) {
          const window = days.slice(start, start + length + 1).map((d) => d.entry);
          if (window.length <= length) continue;
          const result = judgeRun(window.slice(0, length), window[length]!);
          judged++;
          expect(['ok', 'anomalous']).toContain(result.verdict);
          expect(result.bands?.fetched).toBeDefined();
        }
      }
    }
    expect(judged).toBeGreaterThan(1000);
  });

  it('answers histories no calendar or weekday can help with: all zeros, one weekday only, hourly runs, runs out of order', () => {
    const zeros = ['2024-05-01', '2024-05-02', '2024-05-03'].map((d) => entry(`${d}T06:00:00Z`, 0));
    const mondays = ['2024-05-06', '2024-05-13', '2024-05-20', '2024-05-27'].map((d, i) => entry(`${d}T06:00:00Z`, 40 + i));
    const hourly = Array.from({ length: 6 }, (_, i) => entry(new Date(Date.parse('2024-05-01T00:00:00Z') + i * HOUR_MS).toISOString(), 3 + (i % 2)));
    const cases: [HistoryEntry[], HistoryEntry][] = [
      [zeros, entry('2024-05-04T06:00:00Z', 0)],
      [mondays, entry('2024-05-29T06:00:00Z', 41)],
      [hourly, entry('2024-05-01T07:00:00Z', 4)],
      [[...mondays].reverse(), entry('2024-06-03T06:00:00Z', 44)],
    ];
    for (const [history, current] of cases) {
      const result = judgeRun(history, current);
      expect(result).toMatchObject({ verdict: 'ok', method: FALLBACK_METHOD });
      expect(result.bands!.fetched!.low).toBeLessThanOrEqual(current.metrics.fetched!);
      expect(result.bands!.fetched!.high).toBeGreaterThanOrEqual(current.metrics.fetched!);
    }
  });

  it('still calls a gross departure on three runs, and only a gross one on one or two', () => {
    const three = ['2024-05-07', '2024-05-08', '2024-05-09'].map((d, i) => entry(`${d}T06:00:00Z`, 200 + 10 * i));
    expect(judgeRun(three, entry('2024-05-10T06:00:00Z', 210)).verdict).toBe('ok');
    expect(judgeRun(three, entry('2024-05-10T06:00:00Z', 20_000)).verdict).toBe('anomalous');
    expect(judgeRun(three.slice(0, 1), entry('2024-05-10T06:00:00Z', 230)).verdict).toBe('insufficient_history');
    expect(judgeRun(three.slice(0, 2), entry('2024-05-10T06:00:00Z', 50_000)).verdict).toBe('anomalous');
  });

  it('does not call a run smaller than any before it slow because a line through three runs of one size fell below zero', () => {
    // The development harness's case: three runs of 11–13 records taking 1.3–1.8 s, then 2 records in 1.6 s.
    const run = (day: string, fetched: number, durationMs: number): HistoryEntry => {
      const base = entry(`${day}T06:00:00Z`, fetched);
      return { ...base, metrics: { ...base.metrics, durationMs } };
    };
    const three = [run('2023-07-11', 13, 1769), run('2023-07-12', 11, 1298), run('2023-07-13', 12, 1507)];
    const slowRule = (current: HistoryEntry): string[] => (judgeRun(three, current).anomalies ?? []).filter((a) => a.rule === 'slow-run').map((a) => a.metric);
    expect(slowRule(run('2023-07-14', 2, 1600))).toEqual([]);
    expect(slowRule(run('2023-07-14', 2, 16_000))).toEqual(['durationPerRecordMs']);
  });
});
