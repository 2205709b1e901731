import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessEngineHost, runConsoleScheduler } from '../../main/api/index.js';
import { addTask, editTask, Notifier, runTask, Scheduler, taskStore, taskView } from '../../main/scheduler/index.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';

describe.each(testBackends())('a task whose stored schedule cannot be read ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('is passed over, said in the tick and the log, shown without a next run; the other tasks run, and an edit brings it back', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const start = new Date('2026-03-01T05:30:00Z');
      await addTask(store, { name: 'broken', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, start);
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=2,count=5' }, start);
      // As a hand edit, or a Gatehouse with other rules, left it.
      await store.queries.db.updateTable('scheduledTasks').set({ cron: '61 * * * *' }).where('name', '=', 'broken').execute();
      const log: string[] = [];
      let now = new Date('2026-03-01T06:00:30Z');
      const clock = () => now;
      const scheduler = new Scheduler({ store, clock, log: (line) => log.push(line), runTask: (task, request) => runTask(store, task, { clock }, request) });
      const report = await scheduler.tick();
      expect(report.entries).toEqual([
        { task: 'broken', outcome: 'failed', scheduledFor: '2026-03-01T06:00:30.000Z', error: 'its schedule "61 * * * *" cannot be read (Invalid value for minute: 61); give it one: gatehouse tasks edit broken --cron "..."' },
        expect.objectContaining({ task: 'daily', outcome: 'ran', status: 'success' }),
      ]);
      expect(log.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ event: 'task-failed', task: 'broken' }));
      expect((await scheduler.nextWake())!.toISOString()).toBe('2026-03-02T06:00:00.000Z');
      const [broken] = await taskStore(store).list();
      expect(taskView(broken!, now)).toMatchObject({ name: 'broken', nextRunAt: null, scheduleProblem: 'Invalid value for minute: 61' });
      const listed = runCli(['tasks', 'list', '--json', '--db', location]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'broken', nextRunAt: null, scheduleProblem: 'Invalid value for minute: 61' }, { name: 'daily', scheduleProblem: null }]);
      const table = runCli(['tasks', 'list', '--db', location]);
      expect(table.stdout.split('\n').find((line) => line.startsWith('broken'))).toContain('none: its schedule cannot be read (gatehouse tasks show broken)');
      expect(runCli(['tasks', 'show', 'broken', '--db', location]).stdout).toContain('Invalid value for minute: 61');

      await editTask(store, 'broken', { cron: '0 7 * * *' }, now, 'ops');
      now = new Date('2026-03-01T07:00:30Z');
      expect((await scheduler.tick()).entries).toMatchObject([{ task: 'broken', outcome: 'ran', status: 'success' }]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('tells the console where to give it a schedule, not which command to type', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const controller = new AbortController();
    try {
      await addTask(store, { name: 'broken', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date('2026-03-01T05:30:00Z'));
      await store.queries.db.updateTable('scheduledTasks').set({ cron: '61 * * * *' }).where('name', '=', 'broken').execute();
      const bodies: string[] = [];
      const notifier = new Notifier({ store: null, channels: [{ name: 'console', send: async (notification) => void bodies.push(notification.body) }] });
      const loop = runConsoleScheduler({ store, engine, notifier: () => notifier, log: () => {}, signal: controller.signal });
      try {
        await expect.poll(() => bodies.length, { timeout: 30_000 }).toBeGreaterThan(0);
      } finally {
        controller.abort();
        await loop;
      }
      expect(bodies[0]).toBe('its schedule "61 * * * *" cannot be read (Invalid value for minute: 61); give it one: press Edit on task broken\'s row in Settings → Scheduled tasks and enter a new Cron (UTC)');
      expect(bodies[0]).not.toContain('gatehouse');
    } finally {
      controller.abort();
      await engine.close();
      await store.close();
    }
  }, 60_000);
});
