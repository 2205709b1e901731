import { describe, expect, it } from 'vitest';
import { CHANGE_OPEN_DAYS, judgeRun } from '../../../main/validation/index.js';
import { historyEntrySchema, type HistoryEntry } from '../../../shared/validation.js';
import { distinctAlerts, judgeEach, stream } from './stream-fixtures.js';

/** Issue 10 item 4: what operators say about runs changes what the validator learns from them. */
describe('feedback that teaches', () => {
  // 400 a busy day from Monday 8 Jan 2024, halved for good from day 120 (7 May, off any recess).
  const halving = stream({ seed: 5, start: '2024-01-08', days: 200, level: 400, periods: [{ from: 120, to: 200, factor: 0.5 }] });

  it('alerts once on a lasting legitimate halving, however long it lasts', () => {
    const results = judgeEach(halving).slice(120);
    expect(distinctAlerts(results)).toHaveLength(1);
    const alerted = results.flatMap((r, day) => (r.verdict === 'anomalous' ? [day] : []));
    // Half of 440 is about 2.4 sigma on one Tuesday: the alert may wait for the second low run.
    expect(alerted[0]).toBeLessThanOrEqual(1);
    expect(Math.max(...alerted)).toBeLessThan(alerted[0]! + CHANGE_OPEN_DAYS);
    const changeId = results[alerted[0]!]!.anomalies[0]!.changeId;
    expect(changeId).toBe(`fetched:down:${halving[120 + alerted[0]!]!.startedAt}`);
    expect(results[alerted[1]!]!.anomalies[0]).toMatchObject({ ongoing: true, changeId });
  });

  it('takes the halving as the new level once its first run is marked expected: nothing after it alerts', () => {
    let marked = -1;
    const results = judgeEach(halving, {}, (index, result) => {
      if (index >= 120 && marked < 0 && result.verdict === 'anomalous') marked = index;
      return { ...halving[index]!, verdict: result.verdict, review: index === marked ? 'expected' : null };
    });
    expect(marked).toBeLessThanOrEqual(121);
    expect(results.slice(marked + 1).filter((r) => r.verdict === 'anomalous')).toEqual([]);
  });

  describe('three huge unreviewed runs among 90 normal ones', () => {
    const normal = stream({ seed: 9, start: '2024-01-08', days: 93, level: 300 });
    const judgedDay = stream({ seed: 10, start: '2024-04-10', days: 1, level: 300 })[0]!; // a Wednesday after them
    const huge = (entry: HistoryEntry, verdict: boolean): HistoryEntry => ({
      startedAt: entry.startedAt,
      metrics: { ...entry.metrics, fetched: 50_000, unchanged: 50_000 - entry.metrics.added! - entry.metrics.updated! },
      ...(verdict ? { verdict: 'anomalous' as const } : {}),
    });
    // The same 93 days without the huge runs: the judged Wednesday comes the day after the last of
    // them (ending three days earlier, the clean history read the Wednesday as a catch-up of four).
    const clean = judgeRun(normal, judgedDay).bands!.fetched!;

    it.each([
      ['scattered, flagged anomalous when they ran', [30, 55, 80], true],
      ['scattered, in a history file with no verdicts', [30, 55, 80], false],
      ['the last three runs', [90, 91, 92], true],
    ] as const)('move a normal day\'s band by less than 20%% (%s)', (_label, at, withVerdict) => {
      const history = normal.map((entry, i) => ((at as readonly number[]).includes(i) ? huge(entry, withVerdict) : entry));
      const result = judgeRun(history, judgedDay);
      const band = result.bands!.fetched!;
      expect(Math.abs(band.expected - clean.expected) / clean.expected).toBeLessThan(0.2);
      expect(Math.abs(band.high - clean.high) / clean.high).toBeLessThan(0.2);
      expect(result.verdict).toBe('ok');
    });
  });

  it('drops a confirmed anomaly from the training history, and judges exactly as if it had never been', () => {
    const history = stream({ seed: 11, start: '2024-01-08', days: 60, level: 300 });
    const current = history.pop()!;
    const withConfirmed = history.map((entry, i) => (i === 40 ? { ...entry, metrics: { ...entry.metrics, fetched: 9_000 }, review: 'confirmed' as const } : entry));
    const without = history.filter((_, i) => i !== 40);
    expect(judgeRun(withConfirmed, current)).toEqual(judgeRun(without, current));
  });

  it('leaves a run of weight 0 out of the training history: it judges exactly as if it had never been', () => {
    const history = stream({ seed: 13, start: '2024-01-08', days: 61, level: 300 });
    const current = history.pop()!;
    // Every run weighed 0 (a harness that sends weights): before, 21 of them let the walk judge
    // against its untaught prior, and a steady day of about 300 was called anomalous.
    for (const length of [3, 21, 25, 60]) {
      const weightless = history.slice(0, length).map((entry) => ({ ...entry, weight: 0 }));
      expect(judgeRun(weightless, current)).toEqual(judgeRun([], current));
    }
    const someWeightless = history.map((entry, i) => (i % 3 === 0 ? { ...entry, metrics: { ...entry.metrics, fetched: 9_000 }, weight: 0 } : entry));
    expect(judgeRun(someWeightless, current)).toEqual(judgeRun(history.filter((_, i) => i % 3 !== 0), current));
  });

  it('never lets trial runs train the judgement of a production run, and lets them train a trial run', () => {
    const history = stream({ seed: 12, start: '2024-01-08', days: 60, level: 300 });
    const current = history.pop()!;
    const trials = history.map((entry, i) => (i >= 50 ? { ...entry, metrics: { ...entry.metrics, fetched: 5_000 }, origin: 'trial' as const } : entry));
    const production = judgeRun(trials, current);
    expect(production).toEqual(judgeRun(history.slice(0, 50), current));
    expect(judgeRun(trials, { ...current, origin: 'trial' }).historySize).toBe(59);
  });

  it('keeps accepting the DESIGN §3 history file shape, and the fields the store adds', () => {
    expect(historyEntrySchema.safeParse({ startedAt: '2024-03-01T07:00:00Z', metrics: { fetched: 3 } }).success).toBe(true);
    expect(historyEntrySchema.safeParse({ startedAt: '2024-03-01T07:00:00Z', metrics: { fetched: 3 }, review: 'expected', verdict: 'anomalous', origin: 'trial', weight: 0.5 }).success).toBe(true);
    expect(historyEntrySchema.safeParse({ startedAt: '2024-03-01T07:00:00Z', metrics: {}, review: 'maybe' }).success).toBe(false);
    expect(historyEntrySchema.safeParse({ startedAt: '2024-03-01T07:00:00Z', metrics: {}, weight: 2 }).success).toBe(false);
  });
});
