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
  it('a flag change whose reason holds ESC: the reason box is named, nothing is sent', async () => {
    const { page } = app;
    await open('flags');
    await page.locator('[data-flag=BLOCK_ON_ANOMALY]').getByRole('button', { name: 'Change…' }).click();
    const editor = page.getByRole('form', { name: 'Change BLOCK_ON_ANOMALY' });
    await editor.locator('select[name=value]').selectOption('true');
    await editor.locator('textarea[name=reason]').fill('held \u001b[31m red');
    await editor.getByRole('button', { name: 'Save for global' }).click();
    const refusal = editor.locator('.form-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).not.toMatch(API_WORDS);
    expect(await refusal.innerText()).toBe('Reason: contains the control character U+001B (ESC) at character 6.');
  });

  it('a trial with a chosen kind\'s magnitude left empty: that kind\'s magnitude is named as empty, not sent as 0', async () => {
    const { page } = app;
    await open('trials');
    const form = page.getByRole('form', { name: 'New trial' });
    await form.locator('input[name=kind-spike]').check();
    await form.locator('input[name=magnitude-spike]').fill('');
    await form.getByRole('button', { name: 'Run trials' }).click();
    const refusal = form.locator('.form-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).not.toMatch(/spike:0|injection/);
    expect(await refusal.innerText()).toBe('spike magnitude: empty; it must be a number.');
  });

  it('a sensitivity saved with a reason holding BEL: the reason box is named', async () => {
    const { page } = app;
    await open('sensitivity');
    const form = page.getByTestId('sensitivity-form');
    await form.getByTestId('sensitivity-table').waitFor();
    await form.locator('select[name=sensitivity-fetched]').selectOption('low');
    await form.getByRole('button', { name: 'Show what-if' }).click();
    await form.getByTestId('what-if').waitFor();
    await form.locator('textarea[name=sensitivity-reason]').fill('ring\u0007');
    await form.getByRole('button', { name: 'Save as a new version' }).click();
    const refusal = form.locator('.form-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).not.toMatch(API_WORDS);
    expect(await refusal.innerText()).toBe('Reason: contains the control character U+0007 (BEL) at character 5.');
  });

  it('a rollback whose reason holds ESC: the reason box is named', async () => {
    const { page, store } = app;
    const [newest] = await store.listRuns({ limit: 1 });
    await open(`runs/${newest!.runId}`);
    await page.getByRole('region', { name: 'Roll back' }).getByRole('button', { name: `Roll back run ${newest!.runId}…` }).click();
    const dialog = page.getByTestId('rollback-dialog');
    await dialog.getByTestId('rollback-preview').waitFor();
    await dialog.locator('input[name=confirm-run-id]').fill(String(newest!.runId));
    await dialog.locator('textarea[name=rollback-reason]').fill('\u001b]0;title');
    await dialog.getByRole('button', { name: `Roll back run ${newest!.runId}` }).click();
    const refusal = dialog.getByTestId('rollback-apply-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).not.toMatch(API_WORDS);
    expect(await refusal.innerText()).toBe('Reason: contains the control character U+001B (ESC) at character 1.');
  });
});
