import { describe, expect, it } from 'vitest';
import { createBatchJudge } from '../../../main/validation/index.js';
import { validationResultSchema, type HistoryEntry } from '../../../shared/validation.js';
import { stream, withFetched } from './stream-fixtures.js';

/**
 * A young daily stream of about 100 records a weekday with one run of 100,000 inside the walk's
 * first two weeks, judged (through --batch's line handler) on the weekday after `runs` runs.
 */
function judgedAfterSpike(start: string, runs: number, spikeIndex: number, seed: number) {
  const entries = stream({ seed, start, days: runs + 1, level: 100 });
  const history: HistoryEntry[] = entries.slice(0, runs).map((entry, i) => (i === spikeIndex ? withFetched(entry, 100_000) : entry));
  const next = entries[runs]!;
  const judge = createBatchJudge();
  const judged = (current: HistoryEntry, line: number) => validationResultSchema.parse(JSON.parse(judge.judgeLine(JSON.stringify({ history, current }), line)));
  return { empty: judged(withFetched(next, 0), 1), normal: judged(next, 2) };
}

describe('a wildly out-of-scale run in a young history', () => {
  // October: no recess the calendar knows of, so the spike could only teach the level directly.
  // April: the Thursday after the Easter recess, where the spike also looked like the stream's
  // return from a recess the walk never saw begin.
  const cases = [
    { start: '2024-10-07', runs: 25, spikeIndex: 10 },
    { start: '2024-10-07', runs: 30, spikeIndex: 15 },
    { start: '2024-04-01', runs: 25, spikeIndex: 10 },
    { start: '2024-04-01', runs: 30, spikeIndex: 15 },
  ];

  it.each(cases)('does not learn a spike of 100,000 ($start, $runs runs, spike on run $spikeIndex): an empty run after it is caught, a normal one is ok', ({ start, runs, spikeIndex }) => {
    const missed: string[] = [];
    const flagged: string[] = [];
    for (let seed = 1; seed <= 5; seed++) {
      const { empty, normal } = judgedAfterSpike(start, runs, spikeIndex, seed);
      const rules = empty.anomalies.filter((a) => a.metric === 'fetched').map((a) => a.rule);
      if (empty.verdict !== 'anomalous' || !rules.includes('near-zero-volume')) {
        missed.push(`seed ${seed}: ${empty.verdict} [${rules.join(', ')}] in ${empty.state?.description}, band ${JSON.stringify(empty.bands?.fetched)}`);
      }
      if (normal.verdict !== 'ok' || normal.state?.regime !== 'normal') {
        flagged.push(`seed ${seed}: ${normal.verdict} [${normal.anomalies.map((a) => a.rule).join(', ')}] in ${normal.state?.description}`);
      }
    }
    expect(missed).toEqual([]);
    expect(flagged).toEqual([]);
  });
});
