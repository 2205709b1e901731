import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { addTask, editTask, Notifier, runTask, Scheduler } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests } from './console-in-browser.js';

const executablePath = findChromium();

/** What an operator does from the sqlite3 shell, beside the console's connection. */
async function outsideGatehouse(store: Store, statement: string): Promise<void> {
  await sql.raw(statement).execute(store.queries.db);
}

/**
 * The test's own connection to the database stands for the CLI (`gatehouse tasks add`, `tasks
 * disable`) and for a scheduler in another process: nothing it does reaches the console's server,
 * whose event stream says nothing of tasks.
 */
describe.skipIf(executablePath === null)('the tasks panel, left open while tasks change elsewhere (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({ executablePath: executablePath!, seed: async () => undefined }));

  it('shows a task added and then disabled from the CLI, without a reload, and keeps what was typed in its form', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByText('No scheduled tasks yet').waitFor();
    await page.locator('input[name=task-name]').fill('half-typed');

    await addTask(app.store, { name: 'from-the-cli', cron: '0 7 * * *', source: 'synthetic:seed=2,count=10' }, new Date(), 'Ann');
    const row = page.locator('[data-task="from-the-cli"]');
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('enabled');

    await editTask(app.store, 'from-the-cli', { enabled: false, reason: 'switched off from a terminal' }, new Date(), 'Ann');
    await row.locator('.badge', { hasText: 'disabled' }).waitFor();
    expect(await page.locator('input[name=task-name]').inputValue()).toBe('half-typed');
  });

  it('says the scheduler paused when one elsewhere pauses, and no longer once the database is whole, without a reload', async () => {
    const app = opened();
    const { page } = app;
    const paused = page.getByTestId('scheduler-paused');
    expect(await paused.count()).toBe(0);

    await addTask(app.store, { name: 'feed', cron: '* * * * *', source: 'synthetic:seed=7,count=5', allowFrequent: true }, new Date(Date.now() - 120_000), 'Ann');
    await outsideGatehouse(app.store, 'ALTER TABLE checkpoints RENAME TO checkpoints_set_aside');
    const notifier = new Notifier({ store: app.store, channels: [{ name: 'memory', send: async () => undefined }] });
    const scheduler = new Scheduler({ store: app.store, clock: () => new Date(), notifier, log: () => {}, runTask: (task, request) => runTask(app.store, task, {}, request) });
    expect((await scheduler.tick()).paused?.message).toContain('no table checkpoints');
    await paused.waitFor();
    expect(await paused.innerText()).toContain('No scheduled task starts until the database is whole again');

    await outsideGatehouse(app.store, 'ALTER TABLE checkpoints_set_aside RENAME TO checkpoints');
    await paused.waitFor({ state: 'detached' });
    await page.locator('[data-task="feed"]').waitFor();
  });
});
