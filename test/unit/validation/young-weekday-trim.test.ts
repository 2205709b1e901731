import { describe, expect, it } from 'vitest';
import { judgeRun } from '../../../main/validation/index.js';
import { stream } from './stream-fixtures.js';

describe('a young weekday and its outliers', () => {
  it('learns the first busy Monday after two quiet ones instead of trimming it, so the next busy Monday is no burst', () => {
    // Starts on a Monday in October (no recess the calendar knows of): the first ten days at a
    // recess's 40 %, then the stream's busy level. Mondays: quiet, quiet, busy (the 15th run),
    // and the 22nd run, judged on a 21-run history.
    const lowBands: string[] = [];
    const alarms: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const entries = stream({ seed, start: '2023-10-16', days: 22, level: 300, periods: [{ from: 0, to: 10, factor: 0.4 }] });
      const result = judgeRun(entries.slice(0, 21), entries[21]!);
      const busyMonday = entries[14]!.metrics.fetched!;
      // Trimmed as an outlier, the busy Monday left the band at the two quiet ones' level (a third to a half of it).
      if (result.bands!.fetched!.expected < 0.6 * busyMonday) lowBands.push(`seed ${seed}: ${result.bands!.fetched!.expected} after a Monday of ${busyMonday}`);
      if (result.verdict === 'anomalous') alarms.push(`seed ${seed}: ${result.anomalies.map((a) => a.rule).join(', ')}`);
    }
    expect(lowBands).toEqual([]);
    expect(alarms).toEqual([]);
  });
});
