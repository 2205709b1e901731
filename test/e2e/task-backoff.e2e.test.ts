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
