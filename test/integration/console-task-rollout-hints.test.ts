import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';

/**
 * Two refusals a console operator meets from a form (adding a task under a name in use; starting a
 * rollout while another is open, say one started from a terminal since the page loaded) told them
 * to run `gatehouse …` commands. The API words their hints for the console, naming its pages; the
 * command line keeps its own.
 */
describe.each(testBackends())('refusals from the task and rollout forms, as the console reads them ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('names the console page to go to, not a command', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const api = createApi({ store, engine, transport: 'http' });
      const task = { name: 'feed', cron: '0 6 * * *', source: 'synthetic:seed=1,count=20' };
      expect(await dispatch(api, 'tasks.add', task, tester)).toMatchObject({ ok: true });
      const again = await dispatch(api, 'tasks.add', task, tester);
      expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: 'task "feed" already exists', hint: 'edit it from its row in the Scheduled tasks table, or choose another name' } });

      const rollout = { name: 'smaller batches', flagChanges: [{ flag: 'ADAPTIVE_BATCHES', value: false }], canaryTask: 'feed', reason: 'try it' };
      const first = await dispatch(api, 'rollouts.start', rollout, tester);
      expect(first).toMatchObject({ ok: true });
      const id = (first as { data: { id: number } }).data.id;
      const second = await dispatch(api, 'rollouts.start', { ...rollout, name: 'another' }, tester);
      expect(second).toMatchObject({ ok: false, error: { code: 'CONFLICT', hint: `finish it first: decide on rollout ${id} (proceed, roll back) or abort it on the Rollouts page` } });
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
