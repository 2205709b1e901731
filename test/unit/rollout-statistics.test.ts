import { describe, expect, it } from 'vitest';
import { evaluateGuardrails, type ObservedRun } from '../../main/rollouts/index.js';
import { logRatioPercent } from '../../shared/guardrail-values.js';
import { alwaysValidHalfWidth, rateDifference, sequentialDifference, wilson } from '../../main/rollouts/index.js';
import type { RunSummary } from '../../shared/run.js';

function run(runId: number, metrics: Partial<RunSummary['metrics']>, extra: Partial<RunSummary> = {}, quarantineRows?: number): ObservedRun {
  const full = { fetched: 100, added: 100, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1_000, ...metrics };
  return {
    summary: { runId, status: 'success', mode: 'batch', batchSize: 50, startedAt: '2026-01-01T00:00:00Z', finishedAt: null, metrics: full, batches: { total: 2, succeeded: 2, failed: 0, isolated: 0 }, validation: null, ...extra },
    quarantineRows: quarantineRows ?? full.quarantined,
  };
}

describe('rollout statistics', () => {
  it('gives the textbook Wilson intervals', () => {
    const half = wilson(5, 10);
    expect(half.low).toBeCloseTo(0.2366, 4);
    expect(half.high).toBeCloseTo(0.7634, 4);
    expect(wilson(0, 10).high).toBeCloseTo(0.2775, 4);
    expect(wilson(0, 0)).toEqual({ rate: 0, low: 0, high: 1 });
    // None or all of them: the bounds are exactly 0 and 1, not rounding dust beside them.
    expect(wilson(0, 11).low).toBe(0);
    expect(wilson(6, 6)).toMatchObject({ rate: 1, high: 1 });
  });

  it('makes the always-valid interval wider than a fixed-sample one, as the price of looking after every run', () => {
    const variance = 0.01;
    expect(alwaysValidHalfWidth(variance, 0.01)).toBeGreaterThan(1.96 * Math.sqrt(variance));
  });

  it('narrows the per-record time interval as runs come in, around the true difference', () => {
    const noise = [0.03, -0.02, 0.01, -0.04, 0.02, 0, -0.01, 0.03];
    const control = noise.map((n) => Math.log(10) + n);
    const canary = noise.map((n) => Math.log(13) - n);
    const few = sequentialDifference(canary.slice(0, 2), control.slice(0, 2), Math.log(1.1))!;
    const many = sequentialDifference(canary, control, Math.log(1.1))!;
    expect(many.high - many.low).toBeLessThan(few.high - few.low);
    expect(many.low).toBeLessThan(Math.log(1.3));
    expect(many.high).toBeGreaterThan(Math.log(1.3));
    expect(sequentialDifference([], control, 0.1)).toBeNull();
  });

  it('builds the rate difference interval from both Wilson intervals (Newcombe)', () => {
    const difference = rateDifference(wilson(24, 60), wilson(0, 120));
    expect(difference.estimate).toBeCloseTo(0.4, 6);
    expect(difference.low).toBeGreaterThan(0.25);
    expect(difference.high).toBeLessThan(0.55);
  });

  it('never calls a guardrail without canary or control data a pass', () => {
    const guardrails = evaluateGuardrails([], [run(1, {})], 0.1);
    expect(guardrails.filter((g) => g.name !== 'data-loss').map((g) => g.status)).toEqual(['no data', 'no data', 'no data', 'no data']);
    expect(guardrails.find((g) => g.name === 'data-loss')!.status).toBe('no data');
  });

  it('breaches data loss on one record not accounted for, or one quarantined record without its row', () => {
    const control = [run(1, {}), run(2, {})];
    expect(evaluateGuardrails([run(3, { added: 99 })], control, 0.1).find((g) => g.name === 'data-loss')!.summary).toContain('fetched 100 ≠ added+updated+unchanged+quarantined 99');
    const missingRow = evaluateGuardrails([run(3, { added: 90, quarantined: 10 }, {}, 9)], control, 0.1).find((g) => g.name === 'data-loss')!;
    expect(missingRow.status).toBe('breach');
    expect(missingRow.summary).toContain('10 quarantined but 9 quarantine rows');
  });

  it('breaches on a canary run with a failed batch when the control has none', () => {
    const control = [run(1, {}), run(2, {}), run(3, {})];
    const failedBatch = run(4, {}, { batches: { total: 2, succeeded: 1, failed: 1, isolated: 0 } });
    expect(evaluateGuardrails([failedBatch], control, 0.1).find((g) => g.name === 'failures')!.status).toBe('breach');
  });

  it('flags an alert rate well above the control, and not one equal to it', () => {
    const anomalous = { validation: { verdict: 'anomalous' as const, method: 'test', historySize: 10, anomalies: [] } };
    const control = [run(1, {}), run(2, {}), run(3, {}), run(4, {})];
    const alerting = [run(5, {}, anomalous), run(6, {}, anomalous), run(7, {}, anomalous)];
    expect(evaluateGuardrails(alerting, control, 0.1).find((g) => g.name === 'alert-rate')!.status).toBe('breach');
    expect(evaluateGuardrails([run(5, {})], control, 0.1).find((g) => g.name === 'alert-rate')!.status).toBe('pass');
  });
});

describe('per-record time as a percentage', () => {
  it('reads a log-time difference as a change, and an interval past ×10 only as "more than"', () => {
    expect(logRatioPercent(Math.log(1.1))).toBe('10.0 %');
    expect(logRatioPercent(Math.log(0.5))).toBe('-50.0 %');
    expect(logRatioPercent(20)).toBe('> +900 %');
  });
});
