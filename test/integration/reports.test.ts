import { afterAll, describe, expect, it } from 'vitest';
import { setFlag } from '../../main/flags/index.js';
import { buildReport, compareCanary, renderHtml, renderMarkdown, validationGateCriteria } from '../../main/reports/index.js';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';
import type { ReportedRun, Store, StoreOptions } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

let nextId = 1;
function run(task: string | null, overrides: Partial<ReportedRun> & { ms?: number; fetched?: number } = {}): ReportedRun {
  const fetched = overrides.fetched ?? 100;
  const { ms, fetched: _f, ...rest } = overrides;
  return {
    runId: nextId++,
    status: 'success',
    mode: 'batch',
    batchSize: 50,
    task,
    startedAt: '2026-03-01T00:00:00.000Z',
    finishedAt: '2026-03-01T00:01:00.000Z',
    metrics: { fetched, added: fetched, updated: 0, unchanged: 0, quarantined: 0, durationMs: ms ?? 1000 },
    batches: { total: 2, succeeded: 2, failed: 0, isolated: 0 },
    validation: null,
    review: null,
    ...rest,
  };
}

const anomalous = { verdict: 'anomalous' as const, method: 'm', historySize: 30, anomalies: [] };
const period = { since: null, until: '2026-03-02T00:00:00.000Z' };

describe('canary comparison', () => {
  it('recommends full rollout when the canary is clean, fast enough and caught a real anomaly', () => {
    const result = compareCanary([run('daily', { ms: 1050 }), run('daily', { ms: 1050, validation: anomalous }), run('hourly'), run('hourly')], 'daily', period);
    expect(result.durationOverheadPercent).toBeCloseTo(5, 5);
    expect(result.criteria.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(result.recommendation).toBe('Full rollout');
  });

  it('recommends rollback when the canary lost records, even if it was fast', () => {
    const lossy = run('daily', { metrics: { fetched: 100, added: 98, updated: 0, unchanged: 0, quarantined: 0, durationMs: 500 } });
    const result = compareCanary([lossy, run('hourly')], 'daily', period);
    expect(result.canary.recordsLost).toBe(2);
    expect(result.recommendation).toBe('Rollback');
    expect(result.reasons.join()).toContain('2 records lost');
  });

  it('recommends rollback when a canary run or batch failed', () => {
    expect(compareCanary([run('daily', { status: 'failed' }), run('hourly')], 'daily', period).recommendation).toBe('Rollback');
    expect(compareCanary([run('daily', { batches: { total: 2, succeeded: 1, failed: 1, isolated: 0 } }), run('hourly')], 'daily', period).recommendation).toBe('Rollback');
  });

  it('recommends iterating when the canary is more than 10 % slower per record', () => {
    const result = compareCanary([run('daily', { ms: 1200 }), run('hourly', { ms: 1000 })], 'daily', period);
    expect(result.durationOverheadPercent).toBeCloseTo(20, 5);
    expect(result.recommendation).toBe('Iterate');
  });

  it('says there was no anomaly to see rather than passing or failing that criterion', () => {
    const result = compareCanary([run('daily'), run('hourly')], 'daily', period);
    expect(result.criteria[3]).toMatchObject({ status: 'no data', note: 'there was no anomaly to see in this period' });
    expect(result.recommendation).toBe('Full rollout');
    expect(result.reasons.join()).toContain('no anomaly to see');
  });

  it('does not count an anomaly an operator marked expected (a false positive) as a real one', () => {
    const result = compareCanary([run('daily', { validation: anomalous, review: 'expected' }), run('hourly', { validation: anomalous })], 'daily', period);
    expect(result.canary).toMatchObject({ anomalousRuns: 1, confirmedFalsePositives: 1, realAnomalies: 0 });
    expect(result.criteria[3]!.status).toBe('fail');
    expect(result.recommendation).toBe('Iterate');
  });

  it('asks to keep iterating when the canary has no runs or there is nothing to compare with', () => {
    expect(compareCanary([run('hourly')], 'daily', period)).toMatchObject({ recommendation: 'Iterate', criteria: [{ status: 'no data' }, { status: 'no data' }, { status: 'no data' }, { status: 'no data' }] });
    expect(compareCanary([run('daily')], 'daily', period).recommendation).toBe('Iterate');
  });
});

describe('validation gate', () => {
  it('says "no data" for every criterion it has nothing to measure with, never "pass"', () => {
    const criteria = validationGateCriteria([], null);
    expect(criteria.map((c) => c.status)).toEqual(['no data', 'no data', 'no data', 'no data', 'no data']);
  });

  it('computes batch success rate, overhead and data loss from runs, and fails what misses its target', () => {
    const runs = [
      run(null, { batches: { total: 10, succeeded: 9, failed: 1, isolated: 0 }, ms: 1100 }),
      run(null, { mode: 'all-or-nothing', ms: 1000, batches: { total: 1, succeeded: 1, failed: 0, isolated: 0 } }),
    ];
    const [batchRate, detection, overhead, falsePositives, loss] = validationGateCriteria(runs, null);
    expect(batchRate).toMatchObject({ actual: '90.0 %', status: 'fail' });
    expect(detection!.status).toBe('no data');
    expect(overhead).toMatchObject({ actual: '10.0 %', status: 'fail' });
    expect(falsePositives!.status).toBe('no data');
    expect(loss).toMatchObject({ actual: '0', status: 'pass' });
  });

  it('uses trial measurements for detection and false positives when there are some', () => {
    const trials = { trials: 2, anomaliesInjected: 20, anomaliesDetected: 19, cleanRuns: 40, falsePositives: 1, rows: [] };
    const [, detection, , falsePositives] = validationGateCriteria([], trials);
    expect(detection).toMatchObject({ actual: '95.0 %', status: 'pass' });
    expect(falsePositives).toMatchObject({ actual: '2.5 %', status: 'pass' });
  });
});

describe.each(testBackends())('reports from stored runs on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const withStore = <T>(work: (store: Store) => Promise<T>, options?: StoreOptions) => withFreshStore(backend, work, options);

  it('compares a batch-processing canary task with a baseline task from real runs', async () => {
    await withStore(async (store) => {
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, reason: 'baseline everywhere' });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary' });
      let clockMs = Date.parse('2026-03-01T00:00:00Z');
      const clock = () => new Date((clockMs += 10));
      for (let i = 0; i < 2; i += 1) {
        await runFlaggedUpdate({ store, source: arraySource(hearingRecords(30, 1000 + i * 100)), task: 'daily', clock });
        await runFlaggedUpdate({ store, source: arraySource(hearingRecords(30, 5000 + i * 100)), task: 'hourly', clock });
      }
      await runFlaggedUpdate({ store, source: arraySource([hearingRecord(9000, { date: 'not a date' })]), task: 'daily', clock });
      const built = await buildReport(store, { kind: 'canary', task: 'daily', since: '48h', now: new Date('2026-03-01T12:00:00Z') });
      expect(built.canary!.canary).toMatchObject({ runs: 3, recordsLost: 0 });
      expect(built.canary!.baseline).toMatchObject({ runs: 2, recordsLost: 0 });
      expect(built.canary!.canary.errors).toBe(1);
      expect(built.canary!.recommendation).toBe('Rollback');
      const html = renderHtml(built.document);
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/(src|href)=/);
      expect(renderMarkdown(built.document)).toContain('Recommendation: Rollback');
      const none = await buildReport(store, { kind: 'canary', task: 'daily', since: '1h', now: new Date('2026-03-05T00:00:00Z') });
      expect(none.canary!.canary.runs).toBe(0);
    });
  });

  it('renders every report on an empty database with "no data" and no pass', async () => {
    await withStore(async (store) => {
      for (const kind of ['validation', 'trial', 'monitoring'] as const) {
        const { document } = await buildReport(store, { kind, since: '7d' });
        const markdown = renderMarkdown(document);
        expect(markdown).not.toContain('PASS |');
        if (kind !== 'monitoring') expect(markdown.toLowerCase()).toContain('no data');
        expect(renderHtml(document)).toMatch(/^<!doctype html>/);
      }
      await expect(buildReport(store, { kind: 'canary' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(buildReport(store, { kind: 'validation', since: 'yesterday-ish' })).rejects.toMatchObject({ code: 'USAGE' });
    });
  });
});
