import { describe, expect, it } from 'vitest';
import { statusEarned, statusReasons, type RunSummary } from '../../shared/run.js';

const STILL_MOVING = { code: 'LISTING_MOVED' as const, count: 2, message: 'still moving', windowCovered: false as const };
const RECONCILIATION_FAILED = { ok: false, checks: [{ name: 'hearings stored', ok: false, detail: '1 missing' }, { name: 'no hearing lost a related row', ok: true, detail: '' }], problems: ['1 missing'] };

function run(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 1,
    status: 'success',
    mode: 'batch',
    batchSize: 50,
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T00:00:01.000Z',
    metrics: { fetched: 120, added: 120, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1_000 },
    batches: { total: 3, succeeded: 3, failed: 0, isolated: 0 },
    validation: null,
    ...overrides,
  };
}

describe('why a run has its status, from the judgement that set it', () => {
  it('gives every reason a partial run earned, in the words the runs list shows', () => {
    const partial = run({
      status: 'partial',
      metrics: { fetched: 1_200, added: 1_148, updated: 0, unchanged: 0, quarantined: 52, durationMs: 1_000, fetchErrors: 1, duplicates: 1 },
      batches: { total: 24, succeeded: 22, failed: 1, isolated: 1 },
      sourceWarnings: [STILL_MOVING],
      reconciliation: RECONCILIATION_FAILED,
    });
    expect(statusReasons(partial)).toEqual([
      { code: 'QUARANTINED', message: '52 of 1,200 records quarantined (1 duplicate, 1 not fetched), 1 of 24 batches failed' },
      { code: 'LISTING_INCOMPLETE', message: 'listing incomplete, meetings may be missing' },
      { code: 'RECONCILIATION_FAILED', message: 'reconciliation after the last batch failed (hearings stored)' },
    ]);
    expect(statusEarned(partial)).toBe('partial');
  });

  it('says a run failed for quarantining every record it read, and why a held run is partial underneath', () => {
    const all = { fetched: 2, added: 0, updated: 0, unchanged: 0, quarantined: 2, durationMs: 5 };
    expect(statusReasons(run({ status: 'failed', metrics: all }))).toEqual([{ code: 'ALL_QUARANTINED', message: 'all 2 records read were quarantined' }]);
    expect(statusReasons(run({ status: 'held', sourceWarnings: [STILL_MOVING] }))).toEqual([{ code: 'LISTING_INCOMPLETE', message: 'listing incomplete, meetings may be missing' }]);
  });

  it('gives no reason where the judgement did not set the status: a success, a run interrupted (a halt), rolled back or failed for an error', () => {
    const someQuarantined = { fetched: 10, added: 9, updated: 0, unchanged: 0, quarantined: 1, durationMs: 5 };
    for (const status of ['success', 'interrupted', 'rolled_back', 'failed', 'running'] as const) {
      expect(statusReasons(run({ status, metrics: status === 'success' ? run().metrics : someQuarantined }))).toEqual([]);
    }
  });
});
