import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/** The API's own wording of a refused input: a method name, zod's cross and its "→ at path". */
const API_WORDS = /bad input for|✖|→ at/;

/**
 * Bad input in any form is refused in the form's words: the field as the form labels it and what
 * it takes, never the API's method name and input path. Nothing is sent, so nothing is recorded.
 */
describe.skipIf(executablePath === null)('a form given bad input names the field in its own words (browser mode)', () => {
  let app: ConsoleInBrowser;

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: (location) => seedDemoDatabase(location, { days: 3 }) });
    await nameSessionUnlessNamed(app.page, 'Dee');
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  const open = async (hash: string) => {
    await app.page.goto(`${new URL(app.page.url()).origin}/#/${hash}`);
    await app.page.reload();
  };

  it('a rollout of a whole-number flag given text: the value is named with what it takes', async () => {
    const { page } = app;
    await open('rollouts');
    const form = page.getByRole('form', { name: 'Start a rollout' });
    await form.locator('select[name=flag]').selectOption('BATCH_SIZE');
    await form.locator('input[name=value]').fill('abc');
    await form.locator('textarea[name=reason]').fill('smaller batches first on one task');
    await form.getByRole('button', { name: 'Start rollout' }).click();
    const refusal = form.locator('.form-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).not.toMatch(API_WORDS);
    expect(await refusal.innerText()).toBe('Value: must be a whole number from 1 to 10000.');
  });

  it('a rollout stage with its minimum runs left empty: that stage\'s field is named', async () => {
    const { page } = app;
    await open('rollouts');
    const form = page.getByRole('form', { name: 'Start a rollout' });
    await form.locator('select[name=flag]').selectOption('ENABLE_BATCH_PROCESSING');
    await form.locator('input[name=min-runs-all]').fill('');
    await form.locator('textarea[name=reason]').fill('batch processing on');
    await form.getByRole('button', { name: 'Start rollout' }).click();
    const refusal = form.locator('.form-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).not.toMatch(API_WORDS);
    expect(await refusal.innerText()).toBe('All tasks min runs: a stage needs at least one run before any verdict.');
  });
});
