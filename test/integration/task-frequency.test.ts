import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { requireTask } from '../../main/scheduler/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

const SOURCE = 'synthetic:seed=1,count=5';

describe.each(testBackends())('a task whose runs come less than 5 minutes apart ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('gatehouse tasks add and edit refuse it with the reason (exit 2) unless --allow-frequent says it is meant', async () => {
    const db = await backend.freshLocation();
    const refused = runCli(['tasks', 'add', 'minutely', '--cron', '* * * * *', '--source', SOURCE, '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cron expression "* * * * *" has runs 1 minute apart');
    expect(refused.stderr).toContain('--allow-frequent');
    expect(runCli(['tasks', 'list', '--json', '--db', db]).stdout.trim()).toBe('[]');

    const added = runCli(['tasks', 'add', 'minutely', '--cron', '* * * * *', '--source', SOURCE, '--allow-frequent', '--json', '--db', db]);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'minutely', cron: '* * * * *' });

    expect(runCli(['tasks', 'add', 'nightly', '--cron', '0 6 * * *', '--source', SOURCE, '--db', db]).code).toBe(0);
    const edited = runCli(['tasks', 'edit', 'nightly', '--cron', '*/2 * * * *', '--db', db]);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain('has runs 2 minutes apart');
    expect(runCli(['tasks', 'edit', 'nightly', '--cron', '*/2 * * * *', '--allow-frequent', '--db', db]).code).toBe(0);
    // Bad text is a clear error, not croner's "five, six, or seven parts".
    const sixFields = runCli(['tasks', 'add', 'x', '--cron', '0 6 * * * *', '--source', SOURCE, '--db', db]);
    expect(sixFields.code).toBe(2);
    expect(sixFields.stderr).toContain('it has 6 fields, not five');
  }, 60_000);

  it('the API (the console\'s form) refuses it the same way, takes allowFrequent, and keeps a task\'s own schedule on an edit of something else', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const api = createApi({ store, engine, transport: 'http' });
      const refused = await dispatch(api, 'tasks.add', { name: 'minutely', cron: '* * * * *', source: SOURCE }, tester);
      expect(refused).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('has runs 1 minute apart') } });
      expect(await dispatch(api, 'tasks.add', { name: 'minutely', cron: '* * * * *', source: SOURCE, allowFrequent: true }, tester)).toMatchObject({ ok: true });
      // The console's form sends the cron with every edit: the schedule the task has stands.
      const edited = await dispatch(api, 'tasks.edit', { name: 'minutely', cron: '* * * * *', source: 'synthetic:seed=2,count=5', expected: { cron: '* * * * *', source: SOURCE } }, tester);
      expect(edited).toMatchObject({ ok: true, data: { cron: '* * * * *', source: 'synthetic:seed=2,count=5' } });
      const faster = await dispatch(api, 'tasks.edit', { name: 'minutely', cron: '*/1 * * * *' }, tester);
      expect(faster).toMatchObject({ ok: false, error: { code: 'USAGE' } });
      expect((await requireTask(store, 'minutely')).cron).toBe('* * * * *');
      expect(await dispatch(api, 'tasks.add', { name: 'bad', cron: '* * *', source: SOURCE }, tester)).toMatchObject({ ok: false, error: { code: 'USAGE', message: 'bad cron expression "* * *": it has 3 fields, not five' } });
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
