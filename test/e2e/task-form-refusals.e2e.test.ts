import { describe, expect, it } from 'vitest';
import { addTask } from '../../main/scheduler/index.js';
import { findChromium } from './chromium.js';
import { consoleBackends, consoleForTheseTests, nameSessionUnlessNamed, seedStore } from './console-in-browser.js';

const executablePath = findChromium();
const backends = executablePath === null ? [] : await consoleBackends();

/**
 * An operator editing a task from the keyboard: Edit takes them to the form, and a schedule the
 * server refuses leaves them on the field it refused, told what to do in this console (the
 * checkbox), not which command-line switch to pass.
 */
describe.skipIf(executablePath === null).each(backends)('a refused task edit, from the keyboard (browser mode, $name)', ({ backend }) => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    ...(backend ? { backend } : {}),
    seed: seedStore(async (store) => {
      await addTask(store, { name: 'feed', cron: '0 6 * * *', source: 'synthetic:seed=1,count=20' }, new Date(), 'Ann');
    }),
  }));

  const focused = () => opened().page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name ?? document.activeElement?.tagName);

  it('takes Edit to the first field the operator can change', async () => {
    const app = opened();
    const { page } = app;
    await nameSessionUnlessNamed(page, 'Dee');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: 'Edit task feed' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('form', { name: 'Edit task feed' }).waitFor();
    await expect.poll(focused).toBe('task-cron');
  });

  it('keeps the operator on the refused cron, marked and described by the refusal, which names the checkbox', async () => {
    const app = opened();
    const { page } = app;
    const form = page.getByRole('form', { name: 'Edit task feed' });
    const cron = form.locator('input[name=task-cron]');
    await cron.fill('*/2 * * * *');
    await form.locator('input[name=task-source]').fill('synthetic:seed=2,count=20');
    await form.getByRole('button', { name: 'Save feed' }).focus();
    await page.keyboard.press('Enter');
    const refusal = page.locator('section[aria-labelledby=tasks-title] .form-error');
    await expect.poll(() => refusal.count()).toBe(1);
    const text = await refusal.innerText();
    expect(text).toContain('has runs 2 minutes apart');
    expect(text).toContain('tick “Runs under 5 minutes apart are meant”');
    expect(text).not.toContain('--allow-frequent');
    await expect.poll(focused).toBe('task-cron');
    expect(await cron.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await cron.getAttribute('aria-describedby');
    expect(describedBy).not.toBeNull();
    expect(await page.locator(`[id="${describedBy}"]`).innerText()).toBe(text);
    // What was typed is still there to correct.
    expect(await cron.inputValue()).toBe('*/2 * * * *');
    expect(await form.locator('input[name=task-source]').inputValue()).toBe('synthetic:seed=2,count=20');
    expect(await page.locator('[data-task=feed] td.value').first().innerText()).toBe('0 6 * * *');
  });

  it('saves once the operator ticks that the schedule is meant, and clears the mark', async () => {
    const app = opened();
    const { page } = app;
    const form = page.getByRole('form', { name: 'Edit task feed' });
    await form.locator('input[name=task-allow-frequent]').focus();
    await page.keyboard.press('Space');
    await form.getByRole('button', { name: 'Save feed' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-task=feed] td.value').first().innerText()).toBe('*/2 * * * *');
    expect(await page.locator('section[aria-labelledby=tasks-title] .form-error').count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Add a task' }).locator('input[name=task-cron]').getAttribute('aria-invalid')).toBeNull();
  });
});
