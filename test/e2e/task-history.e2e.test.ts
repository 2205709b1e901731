import { describe, expect, it } from 'vitest';
import { addTask, editTask } from '../../main/scheduler/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, nameSessionUnlessNamed, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/** A task's history in the console (tasks.history), reached from the task list in Settings: who changed what, and when. */
describe.skipIf(executablePath === null)('a scheduled task\'s history (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: async () => undefined,
    prepare: async ({ store }) => {
      await addTask(store, { name: 'nightly', cron: '0 2 * * *', source: 'synthetic:seed=1,count=5' }, new Date('2026-11-01T09:00:00Z'), 'Ann');
      await editTask(store, 'nightly', { cron: '30 2 * * *', lookbackDays: 3 }, new Date('2026-11-02T09:00:00Z'), 'Bo');
      await addTask(store, { name: 'weekly', cron: '0 4 * * 1', source: 'synthetic:seed=2,count=5' }, new Date('2026-11-03T09:00:00Z'), 'Cy');
    },
  }));

  const rowsOf = (history: ReturnType<ConsoleInBrowser['page']['getByTestId']>) => history.locator('tbody tr');

  it('opens from the task list and shows who changed the task, what changed and when, newest first', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('[data-task=nightly]').getByRole('button', { name: 'History' }).click();
    const history = page.getByTestId('task-history');
    await history.getByRole('heading', { name: 'History of nightly' }).waitFor();
    await expect.poll(() => rowsOf(history).allInnerTexts()).toHaveLength(2);
    const [edited, added] = await rowsOf(history).allInnerTexts();
    expect(edited).toMatch(/Bo\s+edited\s+cron 0 2 \* \* \* → 30 2 \* \* \*\s+lookback 7 d → 3 d/);
    expect(edited).not.toMatch(/source|enabled/);
    expect(added).toMatch(/Ann\s+added\s+cron 0 2 \* \* \*\s+source synthetic:seed=1,count=5\s+lookback 7 d\s+enabled yes/);
    // When: the dates of the changes, not of the page load.
    expect(edited).toMatch(/2026/);
    await app.shot('task-history');
  });

  it('shows a change made in the console at once, under the name of the session that made it, and switches to another task', async () => {
    const app = opened();
    const { page } = app;
    await nameSessionUnlessNamed(page, 'Dee');
    await page.locator('[data-task=nightly]').getByRole('button', { name: 'Disable' }).click();
    // A kill switch, as a flag is: the switch asks why before it is made.
    const switchForm = page.getByTestId('task-switch');
    await expect.poll(() => switchForm.getByRole('button', { name: 'Disable nightly' }).isDisabled()).toBe(true);
    await switchForm.getByLabel(/Reason/).fill('feed broken since 02:00');
    await switchForm.getByRole('button', { name: 'Disable nightly' }).click();
    const history = page.getByTestId('task-history');
    await expect.poll(() => rowsOf(history).allInnerTexts()).toHaveLength(3);
    expect((await rowsOf(history).allInnerTexts())[0]).toMatch(/Dee\s+edited\s+enabled yes → no\s+feed broken since 02:00/);

    await page.locator('[data-task=weekly]').getByRole('button', { name: 'History' }).click();
    await history.getByRole('heading', { name: 'History of weekly' }).waitFor();
    await expect.poll(() => rowsOf(history).allInnerTexts()).toEqual([expect.stringMatching(/Cy\s+added\s+cron 0 4 \* \* 1/)]);
    await history.getByRole('button', { name: 'Close' }).click();
    await history.waitFor({ state: 'detached' });
  });

  it('shows a change made from the CLI while it is open, without a reload', async () => {
    const app = opened();
    const { page } = app;
    await page.locator('[data-task=nightly]').getByRole('button', { name: 'History' }).click();
    const history = page.getByTestId('task-history');
    await expect.poll(() => rowsOf(history).count()).toBe(3);

    // The test's own connection stands for `gatehouse tasks edit` in a terminal: nothing it does reaches the console's server.
    await editTask(app.store, 'nightly', { source: 'synthetic:seed=9,count=5' }, new Date(), 'Eve');
    await history.locator('tbody tr', { hasText: 'Eve' }).waitFor();
    expect((await rowsOf(history).allInnerTexts())[0]).toMatch(/Eve\s+edited\s+source synthetic:seed=1,count=5 → synthetic:seed=9,count=5/);
    expect(await rowsOf(history).count()).toBe(4);
  });
});
