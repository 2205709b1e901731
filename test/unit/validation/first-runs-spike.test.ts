import { describe, expect, it } from 'vitest';
import { HistoryModel } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { stream, withFetched } from './stream-fixtures.js';

/**
 * A young daily stream of about 100 records a weekday (issue 10: "unreviewed anomalous runs are
 * down-weighted") whose first, second or third run brought fifty times its records: too early for
 * the warm-up screen, which needs three runs before the one it screens. Judged after 25 runs, when
 * the walk has taken over from the young-history judge.
 */
function judgedAfter(spikeIndex: number | null, seed: number) {
  const runs = 25;
  const entries = stream({ seed, start: '2024-10-07', days: runs + 1, level: 100 });
  const history: HistoryEntry[] = entries.slice(0, runs).map((entry, i) => (i === spikeIndex ? withFetched(entry, 50 * (entry.metrics.fetched ?? 0)) : entry));
  const model = HistoryModel.fromHistory(history);
  const next = entries[runs]!;
  return { normal: model.judge(next), drop: model.judge(withFetched(next, Math.round((next.metrics.fetched ?? 0) / 5))) };
}

describe('a spike among a young stream’s first three runs', () => {
  it.each([0, 1, 2])('is not learnt in full (spike on run %i): a normal run is ok, a drop to a fifth is caught, the band is the clean history’s', (spikeIndex) => {
    const wrong: string[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      const clean = judgedAfter(null, seed).normal.bands!.fetched!;
      const { normal, drop } = judgedAfter(spikeIndex, seed);
      const band = normal.bands!.fetched!;
      if (normal.verdict !== 'ok') wrong.push(`seed ${seed}: a normal run ${normal.verdict}`);
      if (drop.verdict !== 'anomalous') wrong.push(`seed ${seed}: a drop to a fifth ${drop.verdict}, band ${JSON.stringify(drop.bands?.fetched)}`);
      if (Math.abs(band.expected - clean.expected) > 0.1 * clean.expected) wrong.push(`seed ${seed}: expected ${band.expected}, clean history ${clean.expected}`);
    }
    expect(wrong).toEqual([]);
  });

  it('leaves a stream whose first runs include a quiet weekend as it was: its Mondays are judged at a weekday’s level', () => {
    // Starts on a Friday: a busy run, two weekend runs of a few records, then Monday.
    const entries = stream({ seed: 9, start: '2024-10-04', days: 32, level: 100 });
    // Monday 4 November, the walk judging.
    const whole = HistoryModel.fromHistory(entries.slice(0, 31)).judge(entries[31]!);
    expect(whole.verdict).toBe('ok');
    expect(whole.bands!.fetched!.expected).toBeGreaterThan(40);
  });
});
