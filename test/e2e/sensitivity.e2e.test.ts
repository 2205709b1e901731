import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../main/store/index.js';
import { seedTunableTask } from '../helpers/sensitivity-fixtures.js';
import { findChromium } from './chromium.js';
import { consoleBackends, openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';
import { sensitivityVersions } from '../../main/validation/index.js';

const executablePath = findChromium();
const backends = executablePath === null ? [] : await consoleBackends();

/** Issue 10 item 7 in the console, on both backends: change a sensitivity, see the what-if, save, see the audit row. */
describe.skipIf(executablePath === null).each(backends)('the Sensitivity panel in Chromium ($name)', ({ backend }) => {
  let app: ConsoleInBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      backend,
      seed: async (location) => {
        const store = await openStore(location);
        try {
          await seedTunableTask(store);
        } finally {
          await store.close();
        }
      },
    });
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows the what-if of a change before Save enables, saves a version under the session operator, and lists it', async () => {
    await page.getByRole('link', { name: 'Sensitivity' }).click();
    const form = page.getByTestId('sensitivity-form');
    await form.getByTestId('sensitivity-table').waitFor();
    await expect.poll(() => form.getByTestId('in-force-version').textContent()).toMatch(/defaults in force/);
    const save = form.getByRole('button', { name: 'Save as a new version' });

    await form.locator('select[name=sensitivity-fetched]').selectOption('off');
    await form.locator('input[name=min-signals]').fill('2');
    await form.locator('textarea[name=sensitivity-reason]').fill('a noisy feed week: alert only on two signals');
    // A reason alone is not enough: the what-if of these settings must be on screen first.
    await expect.poll(() => save.isDisabled()).toBe(true);
    await form.getByTestId('what-if-needed').waitFor();

    await form.getByRole('button', { name: 'Show what-if' }).click();
    const whatIf = form.getByTestId('what-if');
    await whatIf.waitFor();
    await expect.poll(() => whatIf.locator('caption').first().textContent()).toMatch(/^91 stored runs replayed/);
    const before = Number(await whatIf.locator('[data-row=before] td').first().textContent());
    const after = Number(await whatIf.locator('[data-row=after] td').first().textContent());
    expect(before).toBeGreaterThan(after);
    await expect.poll(() => whatIf.locator('tr[data-kind=spike] td').allTextContents()).toEqual(['1', '1', '0', '0']);
    await expect.poll(() => save.isEnabled()).toBe(true);
    await app.shot('sensitivity-what-if');

    // Changing a setting after the what-if asks for a new one.
    await form.locator('select[name=sensitivity-mix]').selectOption('high');
    await expect.poll(() => save.isDisabled()).toBe(true);
    await form.locator('select[name=sensitivity-mix]').selectOption('normal');
    await expect.poll(() => save.isEnabled()).toBe(true);

    await save.click();
    const prompt = page.getByTestId('operator-prompt');
    await prompt.locator('input[name=session-operator]').fill('e2e-analyst');
    await prompt.getByRole('button', { name: 'Save name' }).click();

    const row = page.getByTestId('sensitivity-history').locator('tr[data-version="1"]');
    await row.waitFor();
    await expect.poll(async () => (await row.locator('td').allTextContents()).slice(2, 5)).toEqual(['e2e-analyst', 'fetched off; 2+ signals to alert', 'a noisy feed week: alert only on two signals']);
    await expect.poll(() => form.getByTestId('in-force-version').textContent()).toMatch(/version 1 in force, saved by e2e-analyst/);
    await expect.poll(() => form.locator('[data-metric=fetched] td').first().textContent()).toBe('off');
    await app.shot('sensitivity-saved');

    const stored = await sensitivityVersions(app.store).history({ task: 'daily' });
    expect(stored.map((v) => [v.version, v.operator])).toEqual([[1, 'e2e-analyst']]);
    expect(app.pageErrors).toEqual([]);
  }, 120_000);
});
