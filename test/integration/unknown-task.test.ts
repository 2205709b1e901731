import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { addTask } from '../../main/scheduler/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

const UNKNOWN = 'unknown task "nosuch": no scheduled task or stored run has that name (known tasks: daily)';

/**
 * `gatehouse update --task nosuch` ran and recorded a run of a task nobody scheduled (its flags the
 * global ones, and from then on a "known" task every filter offered), and `runs list --task nosuch`
 * answered "no runs". Every command and API method that takes a task now refuses a name the database
 * does not know, as the reports already did: NOT_FOUND, exit 2, nothing written.
 */
describe.each(testBackends())('a task name the database does not know, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('is refused by update, runs list and the API\'s runs.start, runs.list and history.metrics, and no run is recorded', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const api = createApi({ store, engine: createInProcessEngineHost({ location }), transport: 'http', databaseLocation: location });
    try {
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date());

      const update = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5', '--task', 'nosuch', '--no-snapshot', '--json']);
      expect(update.code, update.stderr).toBe(2);
      expect(JSON.parse(update.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', message: UNKNOWN, hint: 'see `gatehouse tasks list`' } });
      const list = runCli(['runs', 'list', '--db', location, '--task', 'nosuch']);
      expect(list.code).toBe(2);
      expect(list.stderr).toContain(UNKNOWN);

      for (const [method, input] of [
        ['runs.start', { source: 'synthetic:seed=1,count=5', task: 'nosuch' }],
        ['runs.list', { task: 'nosuch' }],
        ['history.metrics', { task: 'nosuch' }],
      ] as const) {
        expect(await dispatch(api, method, input, tester), method).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: UNKNOWN } });
      }
      expect(await store.listRuns()).toEqual([]);

      // A scheduled task is run as and filtered by, as before.
      const daily = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5', '--task', 'daily', '--no-snapshot', '--json']);
      expect(daily.code, daily.stderr).toBe(0);
      expect(JSON.parse(runCli(['runs', 'list', '--db', location, '--task', 'daily', '--json']).stdout)).toEqual([expect.objectContaining({ task: 'daily' })]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
