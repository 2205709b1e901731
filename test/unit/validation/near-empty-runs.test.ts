import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { stream } from './stream-fixtures.js';

/** The run with only `fetched` records left (a failed or partial fetch), the mix kept. */
function withRecords(entry: HistoryEntry, fetched: number): HistoryEntry {
  const added = Math.round(fetched * 0.3);
  const updated = Math.round(fetched * 0.2);
  return { startedAt: entry.startedAt, metrics: { fetched, added, updated, unchanged: fetched - added - updated, quarantined: 0, durationMs: 800 + 10 * fetched } };
}

describe('historical validator: near-empty runs on low-count streams', () => {
  // 2024-07-17 (index 198) and 2024-07-10 (index 191) are Wednesdays, the busiest weekday of the fixture.
  it.each([1, 2, 3, 4, 5])('calls one record on a busy weekday of an ~8-a-day stream a near-zero run (seed %i)', (seed) => {
    const runs = stream({ seed, start: '2024-01-01', days: 200, level: 7 });
    const model = HistoryModel.fromHistory(runs.slice(0, 198));
    const result = model.judge(withRecords(runs[198]!, 1));
    expect(result.verdict).toBe('anomalous');
    expect(result.anomalies.map((a) => a.rule)).toContain('near-zero-volume');
  });

  it.each([1, 3, 4])('calls an empty run three weeks into a quiet period at 40% a near-zero run, and its real run ok (seed %i)', (seed) => {
    const runs = stream({ seed, start: '2024-01-01', days: 200, level: 16, periods: [{ from: 170, to: 200, factor: 0.4 }] });
    const model = HistoryModel.fromHistory(runs.slice(0, 191));
    const empty = model.judge(withRecords(runs[191]!, 0));
    expect(empty.state?.regime).toBe('quiet');
    expect(empty.verdict).toBe('anomalous');
    expect(empty.anomalies.map((a) => a.rule)).toContain('near-zero-volume');
    expect(model.judge(runs[191]!).verdict).toBe('ok');
  });

  it.each([1, 2, 3])('calls a sixth of the expected busy day a near-zero run while the stream is plainly normal, but not a sixth of a quiet day (seed %i)', (seed) => {
    const sixthOfExpected = (model: HistoryModel, entry: HistoryEntry): HistoryEntry => withRecords(entry, Math.round(model.expectedBands(entry).fetched!.expected / 6));
    const normal = stream({ seed, start: '2024-01-01', days: 200, level: 30 });
    const plainModel = HistoryModel.fromHistory(normal.slice(0, 198));
    const plain = plainModel.judge(sixthOfExpected(plainModel, normal[198]!));
    expect(plain.state?.regime).toBe('normal');
    expect(plain.anomalies.map((a) => a.rule)).toContain('near-zero-volume');
    const quiet = stream({ seed, start: '2024-01-01', days: 200, level: 30, periods: [{ from: 170, to: 200, factor: 0.4 }] });
    const quietModel = HistoryModel.fromHistory(quiet.slice(0, 191));
    const inQuiet = quietModel.judge(sixthOfExpected(quietModel, quiet[191]!));
    expect(inQuiet.state?.regime).toBe('quiet');
    expect(inQuiet.anomalies.map((a) => a.rule)).not.toContain('near-zero-volume');
  });
});
