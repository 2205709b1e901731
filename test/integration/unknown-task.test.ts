import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { addTask } from '../../main/scheduler/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

const unknown = (known: string): string => `unknown task "nosuch": no scheduled task or stored run has that name (known tasks: ${known})`;

/**
 * `runs list --task nosuch` answered "no runs" for a mistyped name, as if the task had never run. A
 * filter by task now refuses a name the database does not know, as the reports already did:
 * NOT_FOUND, exit 2. A run, though, may start a task's history under a name no run has carried yet
 * (a canary task run by hand before it is scheduled): update and runs.start take any name, and from
 * then on the filters know it.
 */
describe.each(testBackends())('a task name the database does not know, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('is refused by runs list and the API\'s runs.list and history.metrics, and known once a run has carried it', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const api = createApi({ store, engine: createInProcessEngineHost({ location }), transport: 'http', databaseLocation: location });
    try {
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date());

      const list = runCli(['runs', 'list', '--db', location, '--task', 'nosuch', '--json']);
      expect(list.code).toBe(2);
      expect(JSON.parse(list.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', message: unknown('daily'), hint: 'see `gatehouse tasks list`' } });
      for (const [method, input] of [['runs.list', { task: 'nosuch' }], ['history.metrics', { task: 'nosuch' }]] as const) {
        expect(await dispatch(api, method, input, tester), method).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: unknown('daily') } });
      }

      const first = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5', '--task', 'nosuch', '--no-snapshot', '--json']);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(runCli(['runs', 'list', '--db', location, '--task', 'nosuch', '--json']).stdout)).toEqual([expect.objectContaining({ task: 'nosuch' })]);
      expect(await dispatch(api, 'history.metrics', { task: 'nosuch' }, tester)).toMatchObject({ ok: true, data: [expect.objectContaining({ runId: 1 })] });
    } finally {
      await store.close();
    }
  }, 120_000);
});
