import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { setFlag, unsetFlag } from '../../main/flags/index.js';
import { buildReport, canaryWindowRuns, compareCanary, perRecordTimeRatio, renderHtml, renderMarkdown, validationGateCriteria } from '../../main/reports/index.js';
import { monitoringDocument } from '../../main/reports/monitoring.js';
import { addTask, runFlaggedUpdate } from '../../main/scheduler/index.js';
import type { ReportedRun, Store, StoreOptions } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';
import { storeRun } from '../helpers/sensitivity-fixtures.js';

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
const canaryBegan = '2026-02-28T00:00:00.000Z';
const period = { since: canaryBegan, until: '2026-03-02T00:00:00.000Z', canaryStartedAt: canaryBegan };
/** Three runs a task, a little spread in pace as real runs have. */
const three = (task: string, ms: number, overrides: Partial<ReportedRun> = {}) => [0.99, 1, 1.01].map((f) => run(task, { ms: Math.round(ms * f), ...overrides }));

describe('canary comparison', () => {
  it('recommends full rollout when the canary is clean, within 10 % per record and an analyst confirmed a real anomaly it saw', () => {
    const result = compareCanary([...three('daily', 1050), run('daily', { ms: 1050, validation: anomalous, review: 'confirmed' }), ...three('hourly', 1000)], 'daily', period);
    expect(result.timeRatio!.ratio).toBeCloseTo(1.05, 2);
    expect(result.timeRatio!.high).toBeLessThan(1.1);
    expect(result.criteria.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(result.recommendation).toBe('Full rollout');
  });

  it('recommends rollback when the canary lost records, even with one run', () => {
    const lossy = run('daily', { metrics: { fetched: 100, added: 98, updated: 0, unchanged: 0, quarantined: 0, durationMs: 500 } });
    const result = compareCanary([lossy, run('hourly')], 'daily', period);
    expect(result.canary.recordsLost).toBe(2);
    expect(result.recommendation).toBe('Rollback');
    expect(result.reasons.join()).toContain('zero data loss: 2');
  });

  it('recommends rollback when a canary run or batch failed', () => {
    expect(compareCanary([run('daily', { status: 'failed' }), run('hourly')], 'daily', period).recommendation).toBe('Rollback');
    expect(compareCanary([run('daily', { batches: { total: 2, succeeded: 1, failed: 1, isolated: 0 } }), run('hourly')], 'daily', period).recommendation).toBe('Rollback');
  });

  it('never blames the canary for a run an environment fault interrupted: it is not a failure, and it does not count towards the minimum', () => {
    const lostConnection = run('daily', { status: 'interrupted', batches: { total: 2, succeeded: 1, failed: 0, isolated: 0 } });
    const result = compareCanary([lostConnection, ...three('daily', 1000), ...three('hourly', 1000)], 'daily', period);
    expect(result.window.canary).toMatchObject({ runs: 4, finished: 3, failedRuns: 0 });
    // The report's table counts as its criteria do: not "4 (4) finished, 75 % success" beside "0 failed runs".
    expect(result.canary).toMatchObject({ runs: 4, finished: 3, errors: 0, successRate: 100, batches: 6 });
    expect(result.criteria[0]).toMatchObject({ name: 'No errors', status: 'pass' });
    expect(result.recommendation).toBe('Full rollout');
    const few = compareCanary([lostConnection, run('daily'), run('daily'), ...three('hourly', 1000)], 'daily', period);
    expect(few.recommendation).toBe('Not enough data');
  });

  it('recommends iterating when the canary is more than 10 % slower per record, with the interval to show it', () => {
    const result = compareCanary([...three('daily', 1200), ...three('hourly', 1000)], 'daily', period);
    expect(result.durationOverheadPercent).toBeCloseTo(20, 0);
    expect(result.timeRatio!.low).toBeGreaterThan(1.1);
    expect(result.criteria[1]).toMatchObject({ status: 'fail' });
    expect(result.criteria[1]!.actual).toMatch(/×1\.20 \(95 % interval ×1\.\d\d–×1\.\d\d\)/);
    expect(result.recommendation).toBe('Iterate');
  });

  it('says an Iterate whose per-record time failed only by a wide interval (3 runs a side, ×1.0 measured) is thin evidence, and about how many more runs would settle it', () => {
    const paces = (task: string, ms: number[]) => ms.map((m) => run(task, { ms: m }));
    const result = compareCanary([...paces('daily', [800, 1000, 1250]), ...paces('hourly', [850, 1000, 1200])], 'daily', period);
    expect(result.recommendation).toBe('Iterate');
    expect(result.timeRatio!.ratio).toBeLessThan(1.1);
    expect(result.reasons.join()).toMatch(/thin evidence, not a measured slowdown: 3 canary and 3 control runs leave the interval this wide; about \d+ more canary and \d+ more control runs would bring its top under ×1\.10/);
    // Measured slower than the limit, more runs would not clear it: no such note.
    expect(compareCanary([...three('daily', 1200), ...three('hourly', 1000)], 'daily', period).reasons.join()).not.toContain('thin evidence');
  });

  it('says "not enough data", never a pass, below the minimum runs on either side', () => {
    const few = compareCanary([run('daily'), run('daily'), ...three('hourly', 1000)], 'daily', period);
    expect(few.recommendation).toBe('Not enough data');
    expect(few.criteria.filter((c) => c.status === 'pass')).toEqual([]);
    expect(few.reasons.join()).toContain('canary has 2, control 3');
    expect(compareCanary(three('daily', 1000), 'daily', period)).toMatchObject({ recommendation: 'Not enough data', controlTasks: [] });
    expect(compareCanary(three('daily', 1000), 'daily', { ...period, canaryStartedAt: null }).reasons.join()).toContain('no flag was ever set');
  });

  it('counts only anomalies an analyst confirmed as real ones', () => {
    const unreviewed = compareCanary([...three('daily', 1000), run('daily', { validation: anomalous }), ...three('hourly', 1000)], 'daily', period);
    expect(unreviewed.criteria[4]).toMatchObject({ name: 'Real anomaly seen', actual: '0', status: 'no data' });
    expect(unreviewed.criteria[4]!.note).toContain("1 canary anomaly awaits an analyst's review");
    const falsePositive = compareCanary([...three('daily', 1000), run('daily', { validation: anomalous, review: 'expected' }), ...three('hourly', 1000), run('hourly', { validation: anomalous, review: 'confirmed' })], 'daily', period);
    expect(falsePositive.criteria[4]).toMatchObject({ status: 'fail' });
    expect(falsePositive.recommendation).toBe('Iterate');
  });

  it('holds, never recommending a full rollout, while a canary anomaly awaits review or a kill overrode the canary\'s values, saying what blocks it', () => {
    const clean = [...three('daily', 1000), ...three('hourly', 1000)];
    expect(compareCanary(clean, 'daily', period).recommendation).toBe('Full rollout');
    const unreviewed = compareCanary([...clean, run('daily', { validation: anomalous }), run('daily', { validation: anomalous })], 'daily', period);
    expect(unreviewed.criteria.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'no data']);
    expect(unreviewed).toMatchObject({ recommendation: 'Hold', reasons: [expect.stringMatching(/^2 canary anomalies await an analyst's review/)] });
    // Once an analyst marked them expected, nothing blocks it.
    const reviewed = compareCanary([...clean, run('daily', { validation: anomalous, review: 'expected' })], 'daily', period);
    expect(reviewed.recommendation).toBe('Full rollout');
    const killed = compareCanary(clean, 'daily', { ...period, killedFlags: ["ENABLE_BATCH_PROCESSING is killed by ops-bob at 2026-03-01T09:00:00.000Z, over task:daily's true"] });
    expect(killed).toMatchObject({ recommendation: 'Hold', reasons: [expect.stringContaining("over task:daily's true: the canary's runs did not run its value")] });
    // A broken canary is still a rollback, blockers or not.
    expect(compareCanary([run('daily', { status: 'failed', validation: anomalous }), ...clean], 'daily', period).recommendation).toBe('Rollback');
  });

  it('leaves seeded (no task), trial and pre-canary runs out of both sides', () => {
    const slowOld = three('hourly', 5000, { startedAt: '2026-02-01T00:00:00.000Z' });
    const seeded = three('', 5000).map((r) => ({ ...r, task: null }));
    const trials = three('hourly', 5000, { flags: { trial: 'spike:4' } });
    const result = compareCanary([...slowOld, ...seeded, ...trials, ...three('daily', 1000), ...three('weekly', 1000)], 'daily', period);
    expect(result.controlTasks).toEqual(['weekly']);
    expect(result.baseline.runs).toBe(3);
    expect(result.timeRatio!.ratio).toBeCloseTo(1, 5);
    expect(result.recommendation).toBe('Full rollout');
  });
});

describe('per-record time ratio (canary / control)', () => {
  it('is the ratio of geometric mean paces with a Welch interval that narrows as runs accumulate', () => {
    const paces = (task: string, ms: number[]) => ms.map((m) => run(task, { ms: m }));
    const few = perRecordTimeRatio(paces('daily', [1100, 1200, 1300]), paces('hourly', [990, 1000, 1010]))!;
    const geometric = Math.cbrt(1100 * 1200 * 1300) / Math.cbrt(990 * 1000 * 1010);
    expect(few.ratio).toBeCloseTo(geometric, 10);
    expect(few.low).toBeLessThan(few.ratio);
    expect(few.high).toBeGreaterThan(few.ratio);
    // Symmetric on the log scale, as Welch on log time is.
    expect(Math.log(few.high) - Math.log(few.ratio)).toBeCloseTo(Math.log(few.ratio) - Math.log(few.low), 10);
    const many = perRecordTimeRatio(paces('daily', Array(4).fill([1100, 1200, 1300]).flat()), paces('hourly', Array(4).fill([990, 1000, 1010]).flat()))!;
    expect(many.high - many.low).toBeLessThan(few.high - few.low);
    expect(perRecordTimeRatio(paces('daily', [1000]), paces('hourly', [1000, 1000]))).toBeNull();
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
    const trials = { trials: 2, anomaliesInjected: 20, anomaliesDetected: 19, cleanRuns: 40, falsePositives: 1, notJudged: 0, controlsNotJudged: 0, rows: [] };
    const [, detection, , falsePositives] = validationGateCriteria([], trials);
    expect(detection).toMatchObject({ actual: '95.0 %', status: 'pass' });
    expect(falsePositives).toMatchObject({ actual: '2.5 %', status: 'pass' });
  });
});

describe.each(testBackends())('reports from stored runs on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const withStore = <T>(work: (store: Store) => Promise<T>, options?: StoreOptions) => withFreshStore(backend, work, options);

  it('names the canary task\'s own flag values a kill overrides, and only those', async () => {
    await withStore(async (store) => {
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date('2026-03-01T00:00:00Z'));
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, reason: 'baseline everywhere' });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary' });
      const until = '2030-01-01T00:00:00.000Z';
      expect((await canaryWindowRuns(store, 'daily', { since: null, until })).period.killedFlags).toEqual([]);
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'kill', reason: 'corrupting hearings', operator: 'ops-bob', now: new Date('2026-03-01T09:00:00Z') });
      await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'kill', reason: 'not the canary\'s flag', operator: 'ops-bob' });
      expect((await canaryWindowRuns(store, 'daily', { since: null, until })).period.killedFlags).toEqual([
        "ENABLE_BATCH_PROCESSING is killed by ops-bob at 2026-03-01T09:00:00.000Z, over task:daily's true",
      ]);
    });
  });

  it('says why the control stays empty when every other task ran the canary\'s values: who set them globally, and that waiting brings no control run', async () => {
    await withStore(async (store) => {
      let clockMs = Date.parse('2026-03-01T00:00:00Z');
      const clock = () => new Date((clockMs += 10));
      for (const name of ['daily', 'hourly']) await addTask(store, { name, cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, clock());
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary', now: clock() });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, reason: 'try it everywhere', operator: 'ops-bob', now: clock() });
      for (let i = 0; i < 3; i += 1) {
        await runFlaggedUpdate({ store, source: arraySource(hearingRecords(10, 100 + i * 100)), task: 'daily', clock });
        await runFlaggedUpdate({ store, source: arraySource(hearingRecords(10, 600 + i * 100)), task: 'hourly', clock });
      }
      const { canary } = await buildReport(store, { kind: 'canary', task: 'daily', now: new Date('2026-03-01T12:00:00Z') });
      expect(canary).toMatchObject({ recommendation: 'Not enough data', controlOnCanaryValues: 3, baseline: { runs: 0 } });
      expect(canary!.reasons.join()).toContain("canary has 3, control 0 — not counted as control: 3 runs of other tasks ran the canary's own values (ENABLE_BATCH_PROCESSING [global] set to true by ops-bob at 2026-03-01T00:00:00.040Z (try it everywhere))");
      expect(canary!.reasons.join()).toContain('no control run comes while every other task runs them');
    });
  });

  it('reads every value the canary\'s change left on its task, however many changes of another flag came after the first', async () => {
    await withStore(async (store) => {
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date('2026-03-01T00:00:00Z'));
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary' });
      // A busy task scope: its batch size tuned again and again (more changes than a page of history holds).
      for (let i = 0; i < 201; i += 1) await setFlag(store, { flag: 'BATCH_SIZE', value: i % 2 === 0 ? 20 : 30, scope: 'task:daily', reason: 'tuning' });
      const { period } = await canaryWindowRuns(store, 'daily', { since: null, until: '2030-01-01T00:00:00.000Z' });
      expect(period.canaryValues).toEqual([
        { flag: 'BATCH_SIZE', value: 20 },
        { flag: 'ENABLE_BATCH_PROCESSING', value: true },
      ]);
    });
  });

  it('compares a batch-processing canary with control tasks from the moment its flag was set, never with seeded or earlier runs', async () => {
    await withStore(async (store) => {
      let clockMs = Date.parse('2026-02-20T00:00:00Z');
      let stepMs = 100;
      const clock = () => new Date((clockMs += stepMs));
      const update = (task: string | null, first: number, records = hearingRecords(30, first)) => runFlaggedUpdate({ store, source: arraySource(records), task: task as string, clock });
      // Demo-like history before the canary: ten times slower per record, on both tasks and on no task (seeded).
      for (let i = 0; i < 3; i += 1) {
        await update('daily', 100 + i * 100);
        await update('hourly', 500 + i * 100);
        await update(null, 900 + i * 100);
      }
      clockMs = Date.parse('2026-03-01T00:00:00Z');
      stepMs = 10;
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, reason: 'baseline everywhere', now: new Date(clockMs) });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary', now: new Date((clockMs += 1000)) });
      for (let i = 0; i < 3; i += 1) {
        await update('daily', 2000 + i * 100);
        await update('hourly', 5000 + i * 100);
        await update(null, 7000 + i * 100);
      }
      const built = await buildReport(store, { kind: 'canary', task: 'daily', now: new Date('2026-03-01T12:00:00Z') });
      const canary = built.canary!;
      expect(canary.canaryStartedAt).toBe('2026-03-01T00:00:01.000Z');
      expect(canary.since).toBe(canary.canaryStartedAt);
      expect(canary.controlTasks).toEqual(['hourly']);
      expect(canary.canary).toMatchObject({ runs: 3, recordsLost: 0, errors: 0 });
      expect(canary.baseline).toMatchObject({ runs: 3, recordsLost: 0 });
      // Against the slow pre-canary history the canary would look ten times faster; like for like it is close to ×1.
      expect(canary.timeRatio!.ratio).toBeGreaterThan(0.5);
      expect(canary.timeRatio!.ratio).toBeLessThan(2);
      expect(canary.window.enoughData).toBe(true);

      await update('daily', 9000, [hearingRecord(9000, { date: 'not a date' })]);
      const broken = await buildReport(store, { kind: 'canary', task: 'daily', since: '48h', now: new Date('2026-03-01T12:00:00Z') });
      expect(broken.canary!.canary.errors).toBe(1);
      expect(broken.canary!.recommendation).toBe('Rollback');
      const html = renderHtml(broken.document);
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/(src|href)=/);
      expect(renderMarkdown(broken.document)).toContain('Recommendation: Rollback');
      const later = await buildReport(store, { kind: 'canary', task: 'daily', since: '1h', now: new Date('2026-03-05T00:00:00Z') });
      expect(later.canary).toMatchObject({ canary: { runs: 0 }, recommendation: 'Not enough data' });
      // A revert (a guardrail unsetting the task's flag) ends the canary; it does not move its start.
      await unsetFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', scope: 'task:daily', reason: 'guardrail breached', now: new Date('2026-03-01T13:00:00Z') });
      // The task's runs after the revert ran on everyone's values: the canary's window ends at the revert.
      clockMs = Date.parse('2026-03-01T13:30:00Z');
      await update('daily', 9500, [hearingRecord(9500, { date: 'not a date' })]);
      await update('daily', 9600);
      const reverted = await buildReport(store, { kind: 'canary', task: 'daily', now: new Date('2026-03-01T14:00:00Z') });
      expect(reverted.canary).toMatchObject({ canaryStartedAt: '2026-03-01T00:00:01.000Z', until: '2026-03-01T13:00:00.000Z', canary: { runs: 4, errors: 1 } });
      // Set again, the canary begins anew and runs to now.
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary, again', now: new Date('2026-03-01T13:40:00Z') });
      const again = await buildReport(store, { kind: 'canary', task: 'daily', now: new Date('2026-03-01T14:00:00Z') });
      expect(again.canary).toMatchObject({ canaryStartedAt: '2026-03-01T13:40:00.000Z', until: '2026-03-01T14:00:00.000Z', canary: { runs: 0 } });

      await expect(buildReport(store, { kind: 'canary', task: 'ghost' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(buildReport(store, { kind: 'canary', task: 'daily', since: 'yesterday-ish' })).rejects.toThrow(/^since: /);
    });
  });

  it('judges a canary run an operator rolled back after it ran as it ran, not as a failure, and holds the rollout until someone says whether the change caused it', async () => {
    await withStore(async (store) => {
      let clockMs = Date.parse('2026-03-01T00:00:00Z');
      const clock = () => new Date((clockMs += 10));
      const update = (task: string, first: number) => runFlaggedUpdate({ store, source: arraySource(hearingRecords(30, first)), task, clock });
      for (const task of ['daily', 'hourly']) await addTask(store, { name: task, cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, clock());
      // The control runs the baseline (batch processing is on by default): a control on the canary's value would be no control.
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, reason: 'the baseline', now: clock() });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary', now: clock() });
      const daily: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        daily.push((await update('daily', 1000 + i * 100)).summary.runId);
        await update('hourly', 5000 + i * 100);
      }
      const rolledBack = daily[1]!;
      await rollback(store, { runId: rolledBack, onConflict: 'skip', reason: 'the source resent a bad day', operator: 'ops-sue', clock });
      const built = await buildReport(store, { kind: 'canary', task: 'daily', now: new Date(clockMs + 1000) });
      const canary = built.canary!;
      expect(canary.canary).toMatchObject({ runs: 3, finished: 3, errors: 0 });
      expect(canary.criteria[0]).toMatchObject({ name: 'No errors', status: 'pass', note: `not counted as failed: run ${rolledBack}, rolled back by ops-sue after it ran` });
      expect(canary.recommendation).not.toBe('Rollback');
      // Every measure passing, the rollback still holds the rollout, saying who rolled the run back and why.
      const laterRolledBack = run('daily', { ms: 1000, status: 'rolled_back' });
      const clean = compareCanary([...three('daily', 1000), laterRolledBack, ...three('hourly', 1000)], 'daily', { ...period, rolledBackLater: [{ runId: laterRolledBack.runId, operator: 'ops-sue', at: '2026-03-01T10:00:00.000Z', reason: 'the source resent a bad day' }] });
      expect(clean).toMatchObject({ recommendation: 'Hold', canary: { errors: 0 } });
      expect(clean.reasons).toEqual([`canary run ${laterRolledBack.runId} was rolled back by ops-sue at 2026-03-01T10:00:00.000Z (the source resent a bad day) after it ran: judged as it ran, not as a failed run — find out whether the change caused the rollback before rolling out`]);
      // An all-or-nothing run that rolled itself back has no rollback event: it failed as it ran.
      expect(compareCanary([...three('daily', 1000), run('daily', { status: 'rolled_back' }), ...three('hourly', 1000)], 'daily', period).recommendation).toBe('Rollback');
    });
  });

  it('compares the canary only with control runs on other flags: a control task\'s runs on the canary scope\'s values (tried there too) are left out of the control', async () => {
    await withStore(async (store) => {
      let clockMs = Date.parse('2026-03-01T00:00:00Z');
      const clock = () => new Date((clockMs += 10));
      const update = async (task: string, first: number) => (await runFlaggedUpdate({ store, source: arraySource(hearingRecords(30, first)), task, clock })).summary.runId;
      for (const task of ['daily', 'hourly', 'weekly']) await addTask(store, { name: task, cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, clock());
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, reason: 'the baseline', now: clock() });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason: 'canary', now: clock() });
      const control: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        await update('daily', 1000 + i * 100);
        control.push(await update('hourly', 5000 + i * 100));
      }
      // Someone tries the canary's value on weekly too: its runs ran what the canary runs, so they are no control.
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:weekly', reason: 'trying it on weekly', now: clock() });
      for (let i = 0; i < 3; i += 1) await update('weekly', 9000 + i * 100);
      const canary = (await buildReport(store, { kind: 'canary', task: 'daily', now: new Date(clockMs + 1000) })).canary!;
      expect(canary.controlTasks).toEqual(['hourly']);
      expect(canary.baseline).toMatchObject({ runs: control.length });
    });
  });

  it('reports on one task\'s monitoring: only its runs, and only the flag changes that reach them (global, kill and its own scope), saying so', async () => {
    await withStore(async (store) => {
      const day = (d: number) => `2026-03-0${d}T14:00:00.000Z`;
      const metrics = { fetched: 40, added: 10, updated: 2, unchanged: 28, quarantined: 0, durationMs: 900 };
      for (const [d, task] of [[1, 'alpha'], [2, 'beta'], [3, 'alpha'], [4, null]] as const) await storeRun(store, { startedAt: day(d), metrics }, task);
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, reason: 'baseline everywhere', now: new Date(day(1)) });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:alpha', reason: 'canary alpha', now: new Date(day(2)) });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:beta', reason: 'canary beta', now: new Date(day(3)) });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'kill', reason: 'corrupting hearings', now: new Date(day(4)) });
      const now = new Date('2026-03-10T00:00:00Z');
      const table = (document: { sections: { heading: string; table?: { rows: unknown[][] } }[] }, heading: string) => document.sections.find((s) => s.heading === heading)!.table!.rows;

      const alpha = (await buildReport(store, { kind: 'monitoring', task: 'alpha', now })).document;
      expect(alpha.title).toBe('Monitoring report: task alpha');
      expect(alpha.headline).toMatch(/^2 runs of task alpha: 2 success;/);
      expect(table(alpha, 'Runs').map((row) => row[1])).toEqual(['alpha', 'alpha']);
      expect(table(alpha, 'Flag changes').map((row) => [row[3], row[7]])).toEqual([['global', 'baseline everywhere'], ['task:alpha', 'canary alpha'], ['kill', 'corrupting hearings']]);
      expect(alpha.sections.find((s) => s.heading === 'Flag changes')!.paragraphs).toEqual(["The changes that reach task alpha's runs: the global and kill scopes' and task:alpha's; other tasks' scopes are left out."]);
      // A name given with blanks is the task, as everywhere else.
      expect((await buildReport(store, { kind: 'monitoring', task: ' alpha ', now })).document.headline).toBe(alpha.headline);

      const everyTask = (await buildReport(store, { kind: 'monitoring', now })).document;
      expect(everyTask.title).toBe('Monitoring report');
      expect(table(everyTask, 'Runs').map((row) => row[1])).toEqual(['alpha', 'beta', 'alpha', null]);
      expect(table(everyTask, 'Flag changes')).toHaveLength(4);
    });
  });

  it('refuses a task the database does not know on every report kind, naming the tasks it does know, instead of a report of no data', async () => {
    await withStore(async (store) => {
      for (const kind of ['validation', 'trial', 'monitoring', 'canary'] as const) {
        await expect(buildReport(store, { kind, task: 'alpha' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'unknown task "alpha": no scheduled task or stored run has that name (this database has no task yet)' });
      }
      await storeRun(store, { startedAt: '2026-03-01T14:00:00.000Z', metrics: { fetched: 1, added: 1, updated: 0, unchanged: 0, quarantined: 0, durationMs: 10 } }, 'beta');
      await addTask(store, { name: 'alpha', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date('2026-03-01T00:00:00Z'));
      for (const kind of ['validation', 'trial', 'monitoring', 'canary'] as const) {
        await expect(buildReport(store, { kind, task: 'alfa' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'unknown task "alfa": no scheduled task or stored run has that name (known tasks: alpha, beta)' });
      }
      // A known task with nothing to measure is a report of no data, not an error.
      expect((await buildReport(store, { kind: 'trial', task: 'alpha' })).document.headline).toMatch(/^No trial data: no staging trial judged as task alpha/);
    });
  });

  it('lists every flag change of the monitoring period, however many there are: the window is not applied after a LIMIT', async () => {
    await withStore(async (store) => {
      const first = Date.parse('2026-03-01T00:00:00Z');
      // 1,001 changes in the period: the oldest fell behind the newest thousand the report used to read.
      for (let i = 0; i <= 1000; i++) {
        await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: i % 2 === 0, reason: `change ${i}`, now: new Date(first + i * 60_000) });
      }
      const { document } = await buildReport(store, { kind: 'monitoring', since: '2026-02-28T00:00:00Z', now: new Date('2026-03-10T00:00:00Z') });
      const rows = document.sections.find((s) => s.heading === 'Flag changes')!.table!.rows;
      expect(rows).toHaveLength(1001);
      expect([rows[0]![7], rows.at(-1)![7]]).toEqual(['change 0', 'change 1000']);
    });
  }, 120_000);

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

describe('counts in the validation gate and the monitoring report', () => {
  const trials = { trials: 4_000, anomaliesInjected: 2_000, anomaliesDetected: 1_990, cleanRuns: 2_000, falsePositives: 1_000, notJudged: 0, controlsNotJudged: 0, rows: [] };

  it('groups thousands in the batches committed and the trial counts, as every other count reads', () => {
    const big = run('daily', { batches: { total: 12_000, succeeded: 12_000, failed: 0, isolated: 0 } });
    const notes = Object.fromEntries(validationGateCriteria([big], trials).map((c) => [c.name, c.note]));
    expect(notes['Batch success rate']).toBe('12,000 of 12,000 batches committed');
    expect(notes['Anomaly detection rate']).toBe('1,990 of 2,000 injected anomalies caught');
    expect(validationGateCriteria([run('daily', { batches: { total: 1, succeeded: 1, failed: 0, isolated: 0 } })], null).find((c) => c.name === 'Batch success rate')!.note).toBe('1 of 1 batch committed');
  });

  it('groups thousands in the monitoring headline\'s per-status and anomalous counts', () => {
    const runs = Array.from({ length: 1_200 }, () => run('daily', { validation: anomalous }));
    const document = monitoringDocument(runs, [], { since: null, until: '2026-03-02T00:00:00.000Z' }, '2026-03-02T00:00:00.000Z');
    expect(document.headline).toBe('1,200 runs: 1,200 success; 1,200 anomalous; 0 records lost');
  });
});
