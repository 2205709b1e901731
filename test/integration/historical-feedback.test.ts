import { afterAll, describe, expect, it } from 'vitest';
import type { RunMetrics, RunStatus } from '../../shared/run.js';
import type { Store } from '../../main/store/index.js';
import { asRan } from '../../main/backup/index.js';
import { setFlag } from '../../main/flags/index.js';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';
import { openSource } from '../../main/sources/index.js';
import { buildReport } from '../../main/reports/index.js';
import { acceptHeldRun, backtest, historicalJudge, markAnomaly, runReviews, validationHistory } from '../../main/validation/index.js';
import { seedSyntheticHistory } from '../../main/trials/index.js';
import { testBackends } from '../helpers/backends.js';

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2025-02-24T14:00:00Z');

/** A crafted history: weekdays ~50 records, weekends ~5, one spike, one rolled-back run. */
function craftedMetrics(index: number): RunMetrics {
  const weekday = new Date(FIRST_DAY + index * DAY_MS).getUTCDay();
  const fetched = index === 30 ? 400 : weekday === 0 || weekday === 6 ? 5 + (index % 2) : 50 + (index % 5);
  const added = Math.round(fetched * 0.4);
  const updated = Math.round(fetched * 0.1);
  return { fetched, added, updated, unchanged: fetched - added - updated, quarantined: 0, durationMs: fetched * 20 + 300 };
}

async function storeRun(store: Store, index: number, status: RunStatus, metrics: RunMetrics): Promise<number> {
  const startedAt = new Date(FIRST_DAY + index * DAY_MS).toISOString();
  const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'daily', source: 'crafted', startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
  await store.finishRun(runId, { status, finishedAt: startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation: null, error: null });
  return runId;
}

describe.each(testBackends())('historical validation in use ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  async function seeded(): Promise<Store> {
    const store = await backend.open(await backend.freshLocation());
    await seedSyntheticHistory(store, { days: 30, firstDay: new Date('2025-02-24T00:00:00Z') });
    return store;
  }

  it('stores the verdict with each scheduled run, and holds an anomalous one under BLOCK_ON_ANOMALY until accepted', async () => {
    const store = await seeded();
    try {
      const history = await validationHistory(store);
      expect(history).toHaveLength(30);
      const stored = await store.listRuns({ limit: 100 });
      expect(stored.filter((r) => r.validation !== null)).toHaveLength(30);
      await setFlag(store, { flag: 'BLOCK_ON_ANOMALY', value: true, scope: 'global', reason: 'test the hold', operator: 'tester' });
      const clock = () => new Date('2025-03-26T14:00:00Z');
      const { summary } = await runFlaggedUpdate({ store, source: await openSource('synthetic:seed=77,count=900'), task: null, clock });
      expect(summary.validation).toMatchObject({ verdict: 'anomalous', historySize: 30 });
      expect(summary.status).toBe('held');
      expect((await store.getRun(summary.runId))?.validation?.verdict).toBe('anomalous');
      // Held runs stay out of the training history until someone accepts them.
      expect(await validationHistory(store)).toHaveLength(30);
      const accepted = await acceptHeldRun(store, { runId: summary.runId, reason: 'the committee published a backlog', operator: 'tester' });
      expect(accepted.status).toBe('success');
      expect((await store.getRun(summary.runId))?.status).toBe('success');
      expect(await validationHistory(store)).toHaveLength(31);
      await expect(acceptHeldRun(store, { runId: summary.runId, reason: 'again', operator: 'tester' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(acceptHeldRun(store, { runId: 9999, reason: 'x', operator: 'tester' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('accepts a held run whose counts were clean but whose reconciliation failed as partial, and sees it so when rolled back later', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const runId = await storeRun(store, 0, 'success', craftedMetrics(0));
      const run = (await store.getRun(runId))!;
      const anomalous = { verdict: 'anomalous' as const, method: 'test', historySize: 30, anomalies: [] };
      await store.finishRun(runId, { status: 'held', finishedAt: run.startedAt, metrics: run.metrics, batchCounts: run.batches, validation: anomalous, error: 'reconciliation after the last batch failed: hearings stored: 1 of 50 hearings the run wrote are no longer stored' });
      await store.annotateRun(runId, { reconciliation: { ok: false, checks: [{ name: 'hearings stored', ok: false, detail: '1 of 50 hearings the run wrote are no longer stored' }], problems: ['hearings stored: 1 of 50 hearings the run wrote are no longer stored'] } });

      const accepted = await acceptHeldRun(store, { runId, reason: 'the missing hearing is reloaded by hand', operator: 'tester' });
      expect(accepted.status).toBe('partial');
      const stored = (await store.getRun(runId))!;
      expect(stored.status).toBe('partial');
      const rolledBackLater = new Map([[runId, { runId, operator: 'support', at: run.startedAt, reason: null }]]);
      expect(asRan({ ...stored, status: 'rolled_back' }, rolledBackLater).status).toBe('partial');
    } finally {
      await store.close();
    }
  });

  it('calls a first load a baseline and never holds it, even under BLOCK_ON_ANOMALY; the runs after it learn from it', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await setFlag(store, { flag: 'BLOCK_ON_ANOMALY', value: true, scope: 'global', reason: 'hold anomalies for review', operator: 'tester' });
      const first = await runFlaggedUpdate({ store, source: await openSource('synthetic:seed=5,count=1500'), task: null, clock: () => new Date('2025-03-03T14:00:00Z') });
      expect(first.summary.validation).toMatchObject({ verdict: 'baseline', historySize: 0, anomalies: [] });
      expect(first.summary.status).toBe('success');
      expect(await validationHistory(store)).toHaveLength(1);
      const second = await runFlaggedUpdate({ store, source: await openSource('synthetic:seed=5,count=1500'), task: null, clock: () => new Date('2025-03-04T14:00:00Z') });
      expect(second.summary.validation).toMatchObject({ historySize: 1 });
      expect(second.summary.validation?.verdict).not.toBe('baseline');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('re-baselines on a run marked expected: a lasting halving alerts once, and after the mark the next runs are judged ok', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      // 50 runs judged live as they are stored, the last 6 at half the volume.
      const ids: number[] = [];
      for (let i = 0; i < 50; i++) {
        const base = craftedMetrics(i === 30 ? 29 : i);
        const factor = i >= 44 ? 0.5 : 1;
        const fetched = Math.round(base.fetched * factor);
        const metrics = { ...base, fetched, added: Math.round(fetched * 0.4), updated: Math.round(fetched * 0.1), unchanged: fetched - Math.round(fetched * 0.4) - Math.round(fetched * 0.1) };
        const startedAt = new Date(FIRST_DAY + i * DAY_MS).toISOString();
        const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'daily', source: 'crafted', startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
        const validation = await historicalJudge({ store, runId, startedAt, task: 'daily', metrics });
        await store.finishRun(runId, { status: 'success', finishedAt: startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation, error: null });
        ids.push(runId);
        if (i === 45) {
          const first = (await store.listRuns({ limit: 100 })).filter((r) => r.validation?.verdict === 'anomalous').map((r) => r.runId).sort((a, b) => a - b)[0]!;
          expect(first).toBeGreaterThanOrEqual(ids[44]!);
          await markAnomaly(store, { runId: first, as: 'expected', reasonKind: 'known-event', reason: 'the committee halved its schedule', operator: 'tester' });
        }
      }
      const history = await validationHistory(store);
      expect(history.find((h) => h.review === 'expected')).toMatchObject({ verdict: 'anomalous', origin: 'production' });
      const verdicts = await Promise.all(ids.slice(46).map(async (id) => (await store.getRun(id))?.validation?.verdict));
      expect(verdicts).toEqual(['ok', 'ok', 'ok', 'ok']);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('takes a confirmed anomaly out of the training history, keeps an expected one, and reports expected ones as false positives', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const anomalous = { verdict: 'anomalous' as const, method: 'test', historySize: 30, anomalies: [] };
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push(await storeRun(store, i, 'success', craftedMetrics(i)));
      for (const id of ids.slice(0, 2)) {
        const run = (await store.getRun(id))!;
        await store.finishRun(id, { status: 'success', finishedAt: run.startedAt, metrics: run.metrics, batchCounts: run.batches, validation: anomalous, error: null });
      }
      await markAnomaly(store, { runId: ids[0]!, as: 'confirmed', reason: 'the source resent a backlog', operator: 'tester' });
      await markAnomaly(store, { runId: ids[1]!, as: 'expected', reasonKind: 'known-event', reason: 'markup week', operator: 'tester' });
      const history = await validationHistory(store);
      expect(history).toHaveLength(2);
      expect(history.map((h) => h.startedAt)).not.toContain((await store.getRun(ids[0]!))!.startedAt);
      expect((await store.reports.anomalous({ open: true }))).toHaveLength(0);
      expect((await runReviews(store).list({ runId: ids[1]! }))[0]).toMatchObject({ action: 'expected', reasonKind: 'known-event', operator: 'tester' });
      const report = await buildReport(store, { kind: 'monitoring', now: new Date('2026-01-01T00:00:00Z') });
      expect(JSON.stringify(report.document)).toContain('expected');

      await expect(markAnomaly(store, { runId: ids[2]!, as: 'confirmed', reason: 'x', operator: 't' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(markAnomaly(store, { runId: 999, as: 'confirmed', reason: 'x', operator: 't' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(markAnomaly(store, { runId: ids[0]!, as: 'wrong', reason: 'x', operator: 't' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(markAnomaly(store, { runId: ids[0]!, as: 'expected', reason: 'x', operator: 't' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(markAnomaly(store, { runId: ids[0]!, as: 'expected', reasonKind: 'lunar', reason: 'x', operator: 't' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(markAnomaly(store, { runId: ids[0]!, as: 'confirmed', reason: '  ', operator: 't' })).rejects.toMatchObject({ code: 'USAGE' });
    } finally {
      await store.close();
    }
  });

  it('backtests a crafted history: the first run is a baseline, the spike alerts, the rolled-back run is neither judged nor learnt from', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const ids: number[] = [];
      for (let i = 0; i < 35; i++) ids.push(await storeRun(store, i, i === 10 ? 'rolled_back' : 'success', i === 10 ? { ...craftedMetrics(i), fetched: 5000, unchanged: 5000 - craftedMetrics(i).added - craftedMetrics(i).updated } : craftedMetrics(i)));
      const report = await backtest(store);
      expect(report.runsJudged).toBe(34);
      // The first run is a baseline, the next two have one and two runs before them; from three on
      // there is always an answer (issue 10): the young-history fallback, then the walk.
      expect(report).toMatchObject({ baseline: 1, insufficientHistory: 2, ok: 30, alerted: 1, alerts: 1, byRule: { 'above-seasonal-range': 1 } });
      expect(report.runs).toEqual([expect.objectContaining({ runId: ids[30], verdict: 'anomalous', rules: ['fetched:above-seasonal-range'], storedVerdict: null })]);
    } finally {
      await store.close();
    }
  });
});
