import { describe, expect, it } from 'vitest';
import { distinctAlerts, fetchedAlert, judgeEach, stream } from './stream-fixtures.js';

/**
 * A lasting rise that its own runs have carried on is not over at its first ordinary day: the
 * summed evidence of its runs still favours the raised level, so one contrary run leaves it open,
 * and the raised runs after it are that rise going on (one open anomaly), not a new one each time.
 */
describe('a rise carried on by its runs, then one ordinary day', () => {

  it('reports the raised days after the ordinary one as the same rise', () => {
    // 30 records on a busy weekday; from Tuesday 23 May 2023 (day 141) at three times that, but
    // Thursday 25 May (day 143) at the usual level; Friday (day 144) at three times again.
    const entries = stream({ seed: 4, start: '2023-01-02', days: 145, level: 30, periods: [{ from: 141, to: 143, factor: 3 }, { from: 144, to: 145, factor: 3 }] });
    const results = judgeEach(entries);
    const opening = fetchedAlert(results[141]!);
    expect(opening).toMatchObject({ ongoing: false });
    expect(fetchedAlert(results[142]!)).toMatchObject({ ongoing: true, changeId: opening!.changeId });
    expect(results[143]!.verdict).toBe('ok');
    expect(fetchedAlert(results[144]!)).toMatchObject({ ongoing: true, changeId: opening!.changeId });
    expect(distinctAlerts(results.slice(141))).toHaveLength(1);
  });
});
