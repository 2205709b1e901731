import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { fetchedAlert, stream, withFetched } from './stream-fixtures.js';

/**
 * Issue 10: "a one-day drop after busy days is news" — on the first days back from a quiet period
 * too. The judge expects those days to bring the stream's catch-up bump as likely as not, and the
 * bump's remembered ratio is uncertain: that spread gave the bumped half of the expectation a long
 * lower tail, and a run at three tenths of a busy day stood under the single-run bar on three of
 * these twelve days. A bump only adds records: the low side is judged against the plain level.
 */
describe('a drop on the first days back from a quiet period', () => {
  /**
   * Twelve days at a tenth of the volume, Wednesday to Sunday, on the stream's own dates away from
   * the calendar's recesses (the stream starts on Monday 2 January 2023): the stream shows it is
   * back on a Monday, and the Tuesday to Thursday after it are judged.
   */
  const QUIET_PERIODS = [58, 114, 254, 289].map((from) => ({ from, to: from + 12, factor: 0.1 }));
  const JUDGED_DAYS = new Set(QUIET_PERIODS.flatMap((p) => [p.to + 1, p.to + 2, p.to + 3]));

  /** Each judged day's run, changed by `change`, judged against the runs before it (each learnt as it came). */
  function judgeFirstDaysBack(change: (entry: HistoryEntry) => HistoryEntry) {
    const entries = stream({ seed: 11, start: '2023-01-02', days: 310, level: 120, periods: QUIET_PERIODS });
    const model = HistoryModel.empty();
    const judged: { value: number; result: ReturnType<HistoryModel['judge']> }[] = [];
    entries.forEach((entry, index) => {
      if (JUDGED_DAYS.has(index)) {
        const changed = change(entry);
        judged.push({ value: changed.metrics.fetched ?? 0, result: model.judge(changed) });
      }
      model.learn({ ...entry, verdict: model.judge(entry).verdict });
    });
    return judged;
  }

  it('alerts on each at three tenths of its volume, below the band it shows', () => {
    const judged = judgeFirstDaysBack((entry) => withFetched(entry, Math.round(0.3 * (entry.metrics.fetched ?? 0))));
    expect(judged).toHaveLength(JUDGED_DAYS.size);
    for (const { value, result } of judged) {
      expect(result.state?.regime).toBe('returning');
      const alert = fetchedAlert(result);
      expect(alert?.rule).toBe('below-seasonal-range');
      expect(value).toBeLessThan(alert!.low!);
    }
  });

  it('does not alert on them at their own volume, which lies inside the band', () => {
    const judged = judgeFirstDaysBack((entry) => entry);
    for (const { value, result } of judged) {
      expect(result.verdict).toBe('ok');
      const band = result.bands!.fetched!;
      expect(value).toBeGreaterThanOrEqual(band.low);
      expect(value).toBeLessThanOrEqual(band.high);
    }
  });
});
