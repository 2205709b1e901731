import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTask, requireTask, runTask, Scheduler } from '../../main/scheduler/index.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();
const FIVE_MINUTES = 5 * 60_000;

/** The console's task list says when a task that keeps failing tries next, and its form asks before it takes an every-minute schedule. */
describe.skipIf(executablePath === null)('a failing task and a frequent schedule in the console (browser mode)', () => {
  let app: ConsoleInBrowser;
  let retryAt = '';
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-backoff-e2e-'));

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: async () => undefined,
      prepare: async ({ store }) => {
        // Two failures in a row, at the last two five-minute times before now: the next try, one time later, is still ahead.
        const last = Math.floor(Date.now() / FIVE_MINUTES) * FIVE_MINUTES;
        let now = new Date(last - FIVE_MINUTES + 1_000);
        await addTask(store, { name: 'feed', cron: '*/5 * * * *', source: `file:${path.join(folder, 'missing.json')}` }, new Date(last - 2 * FIVE_MINUTES), 'Ann');
        const scheduler = new Scheduler({ store, clock: () => now, log: () => {}, runTask: (task, request) => runTask(store, task, {}, request) });
        expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'failed' }]);
        now = new Date(last + 1_000);
        expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'failed' }]);
        retryAt = (await requireTask(store, 'feed')).retryAt!;
        await addTask(store, { name: 'hand-edited', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date(last), 'Ann');
        // As a hand edit, or a Gatehouse with other rules, left it: the scheduler passes it over.
        await store.queries.db.updateTable('scheduledTasks').set({ cron: '61 * * * *' }).where('name', '=', 'hand-edited').execute();
      },
    });
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('shows the task backing off, with the try it waits for as its next run', async () => {
    const { page } = app;
    await page.getByRole('link', { name: 'Settings' }).click();
    const row = page.locator('[data-task=feed]');
    const shown = retryAt.slice(0, 16).replace('T', ' ');
    await expect.poll(() => row.getByTestId('task-backoff').innerText()).toBe(`backing off after 2 failures in a row; next try ${shown}`);
    expect(await row.innerText()).toContain(shown);
    await app.shot('task-backoff');
  });

  it('says why a task whose stored schedule cannot be read has no next run, and where to give it one, until it is given one', async () => {
    const { page } = app;
    await page.getByRole('link', { name: 'Settings' }).click();
    const row = page.locator('[data-task=hand-edited]');
    await expect.poll(() => row.getByTestId('task-schedule-problem').innerText()).toBe(
      'its schedule "61 * * * *" cannot be read (Invalid value for minute: 61); give it one: press Edit on task hand-edited\'s row in Settings → Scheduled tasks and enter a new Cron (UTC)',
    );
    await app.shot('task-unreadable-schedule');
    await nameSessionUnlessNamed(page, 'Dee');
    await row.getByRole('button', { name: 'Edit task hand-edited' }).click();
    const form = page.getByRole('form', { name: 'Edit task hand-edited' });
    await form.locator('input[name=task-cron]').fill('0 7 * * *');
    await form.getByRole('button', { name: 'Save hand-edited' }).click();
    await expect.poll(() => row.innerText()).toMatch(/\d{4}-\d\d-\d\d 07:00/);
    expect(await row.getByTestId('task-schedule-problem').count()).toBe(0);
  });

  it('refuses an every-minute schedule with the reason until the operator ticks that it is meant', async () => {
    const { page } = app;
    await nameSessionUnlessNamed(page, 'Dee');
    const form = page.getByRole('form', { name: 'Add a task' });
    await form.locator('input[name=task-name]').fill('minutely');
    await form.locator('input[name=task-cron]').fill('* * * * *');
    await form.getByRole('button', { name: 'Add task' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby=tasks-title] .form-error').innerText()).toContain('has runs 1 minute apart');
    expect(await page.locator('[data-task=minutely]').count()).toBe(0);
    await form.locator('input[name=task-allow-frequent]').check();
    await form.getByRole('button', { name: 'Add task' }).click();
    await page.locator('[data-task=minutely]').waitFor();
  });
});
