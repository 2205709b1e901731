import { describe, expect, it } from 'vitest';
import { createBatchJudge, generateHistory, historyFingerprint, modelFor, SYNTHETIC_ORGANISATIONS } from '../../../main/validation/index.js';

/**
 * Two histories of 60 runs that differ only in the level of their last 14 (952 against 2,024
 * records a day): the 32-bit FNV-1a fingerprint gave both `60:17cg05x`, found by trying levels from
 * 0 up in a third of a second, and a --batch line with the second history, after one with the
 * first, was judged on the first's (fetched expected 709 where its own history expects 1,514).
 */
function collidingPair() {
  const days = generateHistory(SYNTHETIC_ORGANISATIONS[0]!, { seed: 7, days: 61, start: '2025-01-06' }).map((d) => ({ startedAt: d.entry.startedAt, metrics: { ...d.entry.metrics } }));
  const current = days.pop()!;
  const atLevel = (level: number) => days.map((run, i) => (i < days.length - 14 ? run : { startedAt: run.startedAt, metrics: { fetched: level, added: 0, updated: 0, unchanged: level, quarantined: 0, durationMs: 1000 } }));
  return { first: { history: atLevel(952), current }, second: { history: atLevel(2024), current } };
}

describe('the history fingerprint the model cache and --batch are keyed on', () => {
  it('judges a line on its own history, not on the line before\'s whose 32-bit fingerprint it shared', () => {
    const { first, second } = collidingPair();
    expect(historyFingerprint(second.history)).not.toBe(historyFingerprint(first.history));
    const judge = createBatchJudge();
    const [, afterFirst] = [first, second].map((line, i) => JSON.parse(judge.judgeLine(JSON.stringify(line), i + 1)));
    const alone = JSON.parse(createBatchJudge().judgeLine(JSON.stringify(second), 1));
    expect(afterFirst).toEqual(alone);
    expect(alone.bands.fetched.expected).toBeGreaterThan(1_000);
    expect(modelFor(structuredClone(second.history))).not.toBe(modelFor(structuredClone(first.history)));
  });

  it('tells apart histories whose fields only run into each other, lone surrogates and absent feedback', () => {
    const run = (metrics: Record<string, unknown>, extra: Record<string, unknown> = {}) => [{ startedAt: '2026-01-01', metrics, ...extra }];
    const pairs: [unknown, unknown][] = [
      [run({ ab: 1 }), run({ a: 1, b: 1 })],
      [run({ '\uD800': 1 }), run({ '\uDBFF': 1 })],
      [run({ fetched: 1 }), run({ fetched: 1 }, { review: '' })],
      [run({ fetched: 1 }, { weight: 0.5 }), run({ fetched: 1 }, { weight: '0.5' })],
      [[...run({ a: 1 }), ...run({ a: 1 })], [...run({ a: 1 }), ...run({ b: 1 })]],
      [[...run({ a: 1, b: 2 }), ...run({ b: 2, a: 1 })], [...run({ a: 1, b: 2 }), ...run({ a: 1, b: 2 })]],
    ];
    for (const [one, other] of pairs) expect(historyFingerprint(one)).not.toBe(historyFingerprint(other));
    expect(historyFingerprint(structuredClone(pairs[0]![0]))).toBe(historyFingerprint(pairs[0]![0]));
  });
});
