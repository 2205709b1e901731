import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { unknownFlag } from '../../main/flags/index.js';
import { addTask, noSuchTask } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { ApiHandlers, ApiResult } from '../../shared/api.js';
import { anomalyOf, insertRuns } from '../../bench/long-history.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';

const DAY_MS = 86_400_000;
const NEWEST = Date.parse('2026-11-30T06:00:00.000Z');
const daysBefore = (days: number) => new Date(NEWEST - days * DAY_MS).toISOString();

async function withConsole(backend: TestBackend, work: (store: Store, api: ApiHandlers) => Promise<void>): Promise<void> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  const engine = createInProcessEngineHost({ location });
  try {
    await work(store, createApi({ store, engine, transport: 'http' }));
  } finally {
    await engine.close();
    await store.close();
  }
}

function data<T>(result: ApiResult<unknown>): T {
  if (!result.ok) throw new Error(`refused: ${result.error.code} ${result.error.message}`);
  return result.data as T;
}

describe.each(testBackends())('the console reads the same database the same way everywhere ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('offers every task that has runs to the Runs filter, a task no longer scheduled included, beside the scheduled ones', async () => {
    await withConsole(backend, async (store, api) => {
      // "nightly-old" was renamed away from (or only ever given with --task): no scheduled task has that name.
      await insertRuns(store, [
        { startedAt: daysBefore(3), task: 'nightly-old' },
        { startedAt: daysBefore(2), task: 'daily' },
        { startedAt: daysBefore(1), task: null },
      ]);
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=10' });
      await addTask(store, { name: 'weekly', cron: '0 6 * * 1', source: 'synthetic:seed=1,count=10' });
      expect(data(await dispatch(api, 'runs.tasks', {}, tester))).toEqual(['daily', 'nightly-old', 'weekly']);
      const filtered = data<{ task: string | null }[]>(await dispatch(api, 'runs.list', { task: 'nightly-old', limit: 50 }, tester));
      expect(filtered.map((run) => run.task)).toEqual(['nightly-old']);
    });
  });

  it('counts on the Overview every open anomaly the History list shows, an old change outside the 30-day window included', async () => {
    await withConsole(backend, async (store, api) => {
      await insertRuns(store, [
        // Open for two months: outside the Overview's window, still on the History list.
        { startedAt: daysBefore(60), anomalies: [anomalyOf('fetched:down:old')] },
        { startedAt: daysBefore(45), anomalies: [anomalyOf('one-off-reviewed')], review: 'expected' },
        { startedAt: daysBefore(10), anomalies: [anomalyOf('one-off-recent')] },
        { startedAt: daysBefore(0) },
      ]);
      const listed = data<unknown[]>(await dispatch(api, 'anomalies.list', { open: true, limit: 100 }, tester));
      const overview = data<{ openAnomalies: number; runsInWindow: number }>(await dispatch(api, 'overview.get', { windowDays: 30 }, tester));
      expect(listed).toHaveLength(2);
      expect(overview.runsInWindow).toBe(2);
      expect(overview.openAnomalies).toBe(2);
      expect(data(await dispatch(api, 'anomalies.openCount', {}, tester))).toBe(2);
    });
  });

  it('answers a refusal with the console\'s own next step, not a gatehouse command, where the console has one', async () => {
    await withConsole(backend, async (store, api) => {
      const [runId] = await insertRuns(store, [{ startedAt: daysBefore(1) }]);
      const refusals: Record<string, ApiResult<unknown>> = {
        'an unknown flag': await dispatch(api, 'flags.set', { flag: 'NO_SUCH_FLAG', scope: 'global', value: true, reason: 'kill it' }, tester),
        'a flag event that is not there': await dispatch(api, 'flags.revert', { eventId: 9_999, reason: 'undo' }, tester),
        'a task that is not there': await dispatch(api, 'tasks.get', { name: 'ghost' }, tester),
        'a task the sensitivity panel does not know': await dispatch(api, 'sensitivity.get', { task: 'ghost' }, tester),
        'a rollout that is not there': await dispatch(api, 'rollouts.abort', { rolloutId: 9_999, reason: 'stop' }, tester),
        'accepting a run that is not held': await dispatch(api, 'runs.accept', { runId, reason: 'fine' }, tester),
      };
      // A PostgreSQL database has no folder beside it to keep an upload in (gatehouse serve gives it its data folder).
      if (backend.name === 'postgres') refusals['an upload with no folder to keep it'] = await dispatch(api, 'sources.upload', { name: 'week.ndjson', content: '{"eventId":"1"}\n' }, tester);
      for (const [what, result] of Object.entries(refusals)) {
        expect(result.ok, what).toBe(false);
        const { hint } = (result as { ok: false; error: { hint?: string } }).error;
        expect(hint, what).toBeTruthy();
        expect(hint, what).not.toMatch(/gatehouse |--[a-z]/);
      }
      expect((refusals['an unknown flag'] as { error: { hint: string } }).error.hint).toBe('the Flags page lists every flag');
      expect((refusals['a task that is not there'] as { error: { hint: string } }).error.hint).toBe('the Settings page lists the scheduled tasks');
      // The command line keeps its commands.
      expect(unknownFlag('NO_SUCH_FLAG').hint).toBe('see `gatehouse flags list`');
      expect(noSuchTask('ghost').hint).toBe('see `gatehouse tasks list`');
    });
  });
});
