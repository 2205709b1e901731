import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { stream, withFetched } from './stream-fixtures.js';

/**
 * Issue 10: "a one-day drop after busy days is news". A weekday feed of about 80 records a busy
 * day brings a record or two on a weekend, and often none: two empty weekend runs raised the
 * filter's P(quiet) to about 0.2, and the judge read Monday against a quiet period already under
 * way, so a Monday at a tenth of its volume went unreported (here 2 of 8 alerted). A weekend
 * cannot show the stream's level; the Monday is judged against the state the busy days showed.
 */
describe('a drop on the first busy day after an empty weekend', () => {
  /** Saturday and Sunday pairs: every other weekend brings nothing at all. */
  const WEEKEND_COUNTS = [0, 0, 3, 2, 0, 0, 4, 3, 0, 0, 2, 3, 0, 0, 3, 4];

  /** Two weeks at a tenth of the volume every seven weeks, on the stream's own dates. */
  const QUIET_PERIODS = [0, 1, 2, 3, 4].map((k) => ({ from: 25 + 49 * k, to: 39 + 49 * k, factor: 0.1 }));

  /** Inside a quiet period, or in the week after one. */
  const nearQuietPeriod = (index: number) => QUIET_PERIODS.some((p) => index >= p.from && index < p.to + 7);

  /** Busy weekdays from the plain fixture stream; weekends of a weekday feed, mostly empty. */
  function weekdayFeed(): HistoryEntry[] {
    let weekend = 0;
    return stream({ seed: 7, start: '2023-01-02', days: 260, level: 80, periods: QUIET_PERIODS }).map((entry) => {
      const weekday = new Date(entry.startedAt).getUTCDay();
      if (weekday !== 0 && weekday !== 6) return entry;
      const fetched = WEEKEND_COUNTS[weekend++ % WEEKEND_COUNTS.length]!;
      return { startedAt: entry.startedAt, metrics: { ...entry.metrics, fetched, added: 0, updated: fetched, unchanged: 0, durationMs: 800 + 10 * fetched } };
    });
  }

  it('alerts on every such Monday at a tenth of its volume, away from the quiet periods', () => {
    const entries = weekdayFeed();
    const model = HistoryModel.empty();
    let judged = 0;
    let alerted = 0;
    entries.forEach((entry, index) => {
      const afterEmptyWeekend = index >= 100 && new Date(entry.startedAt).getUTCDay() === 1 && entries[index - 1]!.metrics.fetched === 0 && entries[index - 2]!.metrics.fetched === 0;
      if (afterEmptyWeekend && !nearQuietPeriod(index)) {
        const dropped = withFetched(entry, Math.round((entry.metrics.fetched ?? 0) / 10));
        judged += 1;
        if (model.judge(dropped).verdict === 'anomalous') alerted += 1;
      }
      model.learn({ ...entry, verdict: model.judge(entry).verdict });
    });
    expect(judged).toBeGreaterThanOrEqual(5);
    expect(alerted).toBe(judged);
  });
});
