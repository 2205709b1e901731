import { describe, expect, it } from 'vitest';
import type { HistoryEntry, ValidationResult } from '../../../shared/validation.js';
import { fetchedAlert, judgeEach, stream } from './stream-fixtures.js';

/**
 * A drop is reported while it is open, for its first CHANGE_OPEN_DAYS days, and then it is the
 * baseline. When it began over a weekend of a weekday feed (runs that expect under a record each,
 * or no runs at all), its first day is somewhere in that gap: the walk takes the middle of it, not
 * the day after the last normal run, so the drop's fifth day is not taken for its sixth.
 */
describe('dating the start of a drop that began over a weekend', () => {
  // 8 records on a busy weekday, under one on a weekend day; from Sunday 12 May 2024 (day 126) at 40 %.
  const entries = stream({ seed: 7, start: '2024-01-07', days: 132, level: 8, periods: [{ from: 126, to: 132, factor: 0.4 }] });
  const day = (entriesOfStream: readonly HistoryEntry[], results: readonly ValidationResult[], iso: string): ValidationResult => results[entriesOfStream.findIndex((e) => e.startedAt.startsWith(iso))]!;

  function expectReportedThroughFifthDay(runs: readonly HistoryEntry[]): void {
    const results = judgeEach(runs);
    const tuesday = fetchedAlert(day(runs, results, '2024-05-14'));
    const thursday = day(runs, results, '2024-05-16');
    expect(tuesday).toBeDefined();
    expect(thursday.verdict).toBe('anomalous');
    // The same drop, still open on its fifth day (Sunday to Thursday), not a new alert.
    expect(fetchedAlert(thursday)!.ongoing).toBe(true);
    expect(fetchedAlert(thursday)!.changeId).toBe(tuesday!.changeId);
    // Its sixth day is the baseline.
    expect(day(runs, results, '2024-05-17').verdict).toBe('ok');
  }

  it('keeps a drop open through its fifth day when the weekend runs could not show when it began', () => {
    expectReportedThroughFifthDay(entries);
  });

  it('does the same for a feed that does not run at weekends at all', () => {
    expectReportedThroughFifthDay(entries.filter((e) => ![0, 6].includes(new Date(e.startedAt).getUTCDay())));
  });

  it('reads a run with no usable count on the weekend as empty, without moving the start', () => {
    const broken = entries.map((e) => (e.startedAt.startsWith('2024-05-11') ? { startedAt: e.startedAt, metrics: { fetched: Number.NaN, added: -3 } } : e));
    expectReportedThroughFifthDay(broken);
  });
});

/**
 * A weekend run expecting one to three records (a weekday feed of 20 a day, two at weekends)
 * cannot show the level either: a drop that began on the Monday after it is dated from the middle
 * of the gap (Sunday), not from that Saturday, and stays reported through Thursday; dated from
 * the Saturday, its Thursday was taken for the sixth day of a quiet period and not reported.
 */
describe('dating a drop that began after a light weekend', () => {
  it('reports a drop to 40 % from Monday, once opened, through Thursday', () => {
    // From Monday 13 May 2024 (day 127) at 40 %; seeds whose drop opens by Wednesday.
    for (const seed of [9, 12]) {
      const runs = stream({ seed, start: '2024-01-07', days: 133, level: 20, periods: [{ from: 127, to: 133, factor: 0.4 }] });
      const results = judgeEach(runs);
      const at = (iso: string) => results[runs.findIndex((e) => e.startedAt.startsWith(iso))]!;
      expect(at('2024-05-15').verdict).toBe('anomalous');
      expect(at('2024-05-16').verdict).toBe('anomalous');
      expect(at('2024-05-16').anomalies.find((a) => a.metric === 'fetched')?.ongoing).toBe(true);
    }
  });
});
