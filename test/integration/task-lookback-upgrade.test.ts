import { afterAll, describe, expect, it } from 'vitest';
import { addTask } from '../../main/scheduler/index.js';
import { LOOKBACK_MIGRATION_OPERATOR } from '../../main/store/migrations/022-task-lookback-in-range.js';
import type { TaskEventView, TaskView } from '../../shared/api-operations.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * A database from before `tasks add|edit` checked the lookback: tasks stored with 0 and 120 days
 * (each of their runs failed as its source opened), and one with 7. Written at the schema before
 * version 22, which the next open then applies.
 */
async function databaseWithOutOfRangeLookbacks(backend: TestBackend): Promise<string> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  try {
    const at = new Date('2026-03-01T08:00:00.000Z');
    for (const name of ['none', 'wide', 'weekly']) await addTask(store, { name, cron: '0 6 * * *', source: 'congress:', lookbackDays: 7 }, at, 'Ada');
    const db = store.queries.db;
    await db.updateTable('scheduledTasks').set({ lookbackDays: 0 }).where('name', '=', 'none').execute();
    await db.updateTable('scheduledTasks').set({ lookbackDays: 120, enabled: 0 }).where('name', '=', 'wide').execute();
    await windSchemaBackTo(db, 22);
  } finally {
    await store.close();
  }
  return location;
}

function cliJson<T>(args: string[]): T {
  const result = runCli(args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe.each(backends)('tasks stored with a lookback outside 1–90, after the upgrade ($name)', (backend) => {
  it('are brought to the nearest valid lookback, each change in the task trail naming the upgrade, the rest untouched', async () => {
    const db = await databaseWithOutOfRangeLookbacks(backend);
    const tasks = cliJson<TaskView[]>(['tasks', 'list', '--db', db, '--json']);
    expect(tasks.map(({ name, lookbackDays, enabled }) => ({ name, lookbackDays, enabled }))).toEqual([
      { name: 'none', lookbackDays: 1, enabled: true },
      { name: 'weekly', lookbackDays: 7, enabled: true },
      { name: 'wide', lookbackDays: 90, enabled: false },
    ]);

    const trail = cliJson<TaskEventView[]>(['tasks', 'history', '--db', db, '--json']);
    const byUpgrade = trail.filter((event) => event.operator === LOOKBACK_MIGRATION_OPERATOR);
    expect(byUpgrade.map(({ task, action, before, after }) => ({ task, action, before: before?.lookbackDays, after: after.lookbackDays }))).toEqual([
      { task: 'wide', action: 'edited', before: 120, after: 90 },
      { task: 'none', action: 'edited', before: 0, after: 1 },
    ]);
    expect(byUpgrade.find((event) => event.task === 'wide')).toMatchObject({ before: { enabled: false, source: 'congress:' }, after: { enabled: false, source: 'congress:' } });

    // The upgrade happens once: opening the database again changes and records nothing more.
    expect(cliJson<TaskEventView[]>(['tasks', 'history', '--db', db, '--json'])).toHaveLength(trail.length);
  }, 60_000);
});
