import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import type { ApiResult } from '../../shared/api.js';
import { operatorCaller, tester } from '../helpers/callers.js';
import { backtest, historicalJudge, saveSensitivity, sensitivityHistory, sensitivityInForce, sensitivityTasks, whatIfForTask } from '../../main/validation/index.js';
import { insertRuns } from '../../bench/long-history.js';
import { countedQueries } from '../helpers/counted-queries.js';
import { taskStore } from '../../main/scheduler/index.js';
import type { SensitivitySettings } from '../../shared/validation.js';
import { testBackends } from '../helpers/backends.js';
import { seedTunableTask, spiked } from '../helpers/sensitivity-fixtures.js';
import { dropSchemas } from '../helpers/postgres.js';
import { openStore, stagingExists } from '../../main/store/index.js';
import { stagingTargetFor } from '../../main/trials/index.js';

const ALL_OFF: SensitivitySettings = { metrics: { fetched: 'off', added: 'off', updated: 'off', mix: 'off', quarantine: 'off', duration: 'off' }, minSignals: 1 };

describe.each(testBackends())('sensitivity settings per task ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('saves numbered versions with who and why, and the judge reads the version in force for the task', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const { days } = await seedTunableTask(store);
      expect(await sensitivityInForce(store, 'daily')).toMatchObject({ version: null, settings: { metrics: {}, minSignals: 1 } });
      const next = { store, startedAt: days[91]!.startedAt, task: 'daily', metrics: spiked(days[91]!).metrics as never };
      expect((await historicalJudge(next)).verdict).toBe('anomalous');

      const first = await saveSensitivity(store, { task: 'daily', settings: { metrics: { fetched: 'high' }, minSignals: 2 }, reason: 'catch smaller drops, but only with a second signal', operator: 'ada' });
      const second = await saveSensitivity(store, { task: 'daily', settings: ALL_OFF, reason: 'silence the validator during the migration', operator: 'bob' });
      expect(first).toMatchObject({ task: 'daily', version: 1, operator: 'ada', settings: { metrics: { fetched: 'high' }, minSignals: 2 } });
      expect(second).toMatchObject({ version: 2, operator: 'bob', reason: 'silence the validator during the migration' });
      expect((await sensitivityInForce(store, 'daily')).version?.version).toBe(2);
      expect((await sensitivityHistory(store, { task: 'daily', limit: 10 })).map((v) => [v.version, v.operator])).toEqual([[2, 'bob'], [1, 'ada']]);

      // Version 2 turns every metric off: the same spike is no longer an anomaly for this task.
      expect((await historicalJudge(next)).verdict).not.toBe('anomalous');
      // A run of another task (or none) keeps the defaults.
      expect((await historicalJudge({ ...next, task: null })).verdict).toBe('anomalous');
      // The backtest judges the task's stored runs as the live judge would today: with version 2.
      expect((await backtest(store)).alerted).toBe(0);
      expect((await backtest(store, { sensitivity: { metrics: {}, minSignals: 1 } })).alerted).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('shows the what-if of new settings over the stored runs and trial cases, old beside new, per kind', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await seedTunableTask(store);
      const whatIf = await whatIfForTask(store, 'daily', ALL_OFF);
      expect(whatIf.before).toEqual({ metrics: {}, minSignals: 1 });
      expect(whatIf.report.runsJudged).toBe(91);
      expect(whatIf.report.before.alertedRuns).toBeGreaterThanOrEqual(1);
      expect(whatIf.report.after.alertedRuns).toBe(0);
      expect(whatIf.report.noLongerAlerted.length).toBe(whatIf.report.before.alertedRuns);
      const spike = whatIf.report.trials.find((t) => t.kind === 'spike');
      expect(spike).toEqual({ kind: 'spike', cases: 1, caughtBefore: 1, caughtAfter: 0, notJudged: 0 });
      expect(whatIf.report.trials.find((t) => t.kind === 'control')).toEqual({ kind: 'control', cases: 1, caughtBefore: 0, caughtAfter: 0, notJudged: 0 });
      // The what-if saves nothing.
      expect(await sensitivityHistory(store, { limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('adds the trial cases of a staging copy, each judged against the staging runs before it', async () => {
    const store = await backend.open(await backend.freshLocation());
    const staging = await backend.open(await backend.freshLocation());
    try {
      await seedTunableTask(store);
      await seedTunableTask(staging);
      const whatIf = await whatIfForTask(store, 'daily', ALL_OFF, {}, staging);
      expect(whatIf.report.trials.find((t) => t.kind === 'spike')).toEqual({ kind: 'spike', cases: 2, caughtBefore: 2, caughtAfter: 0, notJudged: 0 });
      expect(whatIf.report.runsJudged).toBe(91);
    } finally {
      await staging.close();
      await store.close();
    }
  }, 120_000);

  it('adds the default staging copy\'s trial cases to the console\'s what-if on either backend (a PostgreSQL one is a schema beside it)', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const stagingLocation = stagingTargetFor(location);
    try {
      await seedTunableTask(store);
      const api = createApi({ store, engine, transport: 'http' });
      const whatIf = async () => {
        const result = await dispatch(api, 'sensitivity.whatIf', { task: 'daily', settings: ALL_OFF }, tester);
        if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
        return (result.data as { report: { trials: Array<{ kind: string; cases: number }> } }).report.trials.find((t) => t.kind === 'spike')!.cases;
      };
      // No staging copy yet: the database's own trial case only, and looking made no staging copy.
      expect(await whatIf()).toBe(1);
      expect(await stagingExists(stagingLocation)).toBe(false);
      const staging = await openStore(stagingLocation);
      await seedTunableTask(staging).finally(() => staging.close());
      expect(await whatIf()).toBe(2);
    } finally {
      await engine.close();
      await store.close();
      if (backend.name === 'postgres') await dropSchemas([new URL(stagingLocation).searchParams.get('schema')!]);
    }
  }, 120_000);

  it('lists every task with its settings in force in a constant number of reads, however many tasks have versions', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await insertRuns(store, Array.from({ length: 12 }, (_, i) => ({ startedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), task: `task-${String(i).padStart(2, '0')}` })));
      await taskStore(store).insert({ name: 'only-scheduled', cron: '0 6 * * *', source: 'synthetic:seed=1,count=40', lookbackDays: 7, enabled: true, at: '2026-01-01T00:00:00.000Z' }, 'ada');
      for (const [i, task] of ['task-03', 'task-07', 'task-07', 'task-11', 'only-scheduled'].entries()) {
        await saveSensitivity(store, { task, settings: { metrics: { fetched: i % 2 === 0 ? 'high' : 'low' }, minSignals: 1 + (i % 2) }, reason: `save ${i}`, operator: 'ada' });
      }
      const { result: listed, statements } = await countedQueries(store, () => sensitivityTasks(store));
      // One at a time, as each task's panel entry reads it.
      const oneByOne = await Promise.all(listed.map((state) => sensitivityInForce(store, state.task)));
      expect(listed).toEqual(oneByOne);
      expect(listed.map((state) => state.task)).toEqual(['only-scheduled', ...Array.from({ length: 12 }, (_, i) => `task-${String(i).padStart(2, '0')}`)]);
      expect(listed.filter((state) => state.version !== null).map((state) => [state.task, state.version!.version])).toEqual([['only-scheduled', 1], ['task-03', 1], ['task-07', 2], ['task-11', 1]]);
      // The task names (scheduled and run, one UNION) and every version in force: two reads, not one more per task.
      expect(statements).toHaveLength(2);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('refuses an unknown task and a blank reason', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await seedTunableTask(store);
      await expect(whatIfForTask(store, 'weekly', ALL_OFF)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(saveSensitivity(store, { task: 'weekly', settings: ALL_OFF, reason: 'x', operator: 'ada' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(saveSensitivity(store, { task: 'daily', settings: ALL_OFF, reason: '  ', operator: 'ada' })).rejects.toMatchObject({ code: 'USAGE' });
      expect(await sensitivityHistory(store, { limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('serves the panel through the one API: tasks, what-if, save with the caller as operator, history; bad input is refused', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      await seedTunableTask(store);
      const api = createApi({ store, engine, transport: 'http' });
      const call = async (method: string, payload: unknown, caller = tester) => dispatch(api, method, payload, caller);
      const data = <T>(result: ApiResult<unknown>) => {
        if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
        return result.data as T;
      };
      expect(data(await call('sensitivity.tasks', {}))).toEqual([{ task: 'daily', settings: { metrics: {}, minSignals: 1 }, version: null }]);
      const settings = { metrics: { fetched: 'off', mix: 2.5 }, minSignals: 2 };
      const whatIf = data<{ after: unknown; report: { runsJudged: number } }>(await call('sensitivity.whatIf', { task: 'daily', settings }));
      expect(whatIf).toMatchObject({ after: settings, report: { runsJudged: 91 } });
      const saved = data(await call('sensitivity.save', { task: 'daily', settings, reason: 'quieter mix alarms' }, operatorCaller('dana')));
      expect(saved).toMatchObject({ version: 1, operator: 'dana', reason: 'quieter mix alarms', settings });
      expect(data(await call('sensitivity.get', { task: 'daily' }))).toMatchObject({ task: 'daily', settings, version: { version: 1 } });
      expect(data(await call('sensitivity.history', { task: 'daily' }))).toEqual([saved]);

      const refused = async (method: string, payload: unknown) => {
        const result = await call(method, payload);
        expect(result.ok).toBe(false);
        return (result as { ok: false; error: { code: string } }).error.code;
      };
      expect(await refused('sensitivity.get', { task: 'weekly' })).toBe('NOT_FOUND');
      expect(await refused('sensitivity.whatIf', { task: 'daily', settings: { metrics: { fetched: 11 } } })).toBe('INPUT_INVALID');
      expect(await refused('sensitivity.whatIf', { task: 'daily', settings: { metrics: { witnesses: 'high' } } })).toBe('INPUT_INVALID');
      expect(await refused('sensitivity.save', { task: 'daily', settings, reason: ' ' })).toBe('INPUT_INVALID');
      expect(await refused('sensitivity.save', { task: 'daily', settings: { metrics: {}, minSignals: 5 }, reason: 'x' })).toBe('INPUT_INVALID');
      expect(data<unknown[]>(await call('sensitivity.history', {}))).toHaveLength(1);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 120_000);
});
