import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { percent } from '../../renderer/src/format.js';
import { copiedRunningText, type LedgerSummaryView } from '../../shared/api-validation.js';
import { data } from '../helpers/console-http.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, nameSessionUnlessNamed, openConsoleInBrowser, seedByCliUpdate, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * An analyst, by keyboard: injects a spike into a trial on a staging copy with a long name and no
 * control run, and reads the rates. The page's numbers are the API's; the false-positive rate says
 * n = 0 rather than a number; the page names the staging it ran on and stays within the window;
 * and coming back to the page later shows the same ledger, not the default staging's.
 */
describe.skipIf(executablePath === null)('an analyst\'s trial from the Trials page (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let staging: string;

  beforeAll(async () => {
    // Four weeks of history: the seasonal validator has a band to judge the spike against.
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: (location) => seedDemoDatabase(location, { days: 28 }) });
    page = app.page;
    staging = path.join(app.folder, 'quarterly-detection-review-for-the-house-and-senate-committee-feeds-staging-copy.db');
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  const summaryFromApi = () => data<LedgerSummaryView & { staging: string }>(app.server, 'trials.summary', { staging }, { Authorization: `Bearer ${app.server.apiToken}` });

  it('starts the trial by keyboard and shows the API\'s rates, n = 0 for false positives, and the staging it ran on', async () => {
    await page.getByRole('link', { name: 'Trials' }).click();
    const form = page.getByRole('form', { name: 'New trial' });
    await form.locator('input[name=kind-spike]').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await form.locator('input[name=controls]').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0');
    await form.locator('input[name=staging]').focus();
    await page.keyboard.type(staging);
    await page.keyboard.press('Enter');
    // The session's first change asks who is at the console, on its name field.
    const prompt = page.getByTestId('operator-prompt');
    await prompt.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('session-operator');
    await page.keyboard.type('e2e-analyst');
    await page.keyboard.press('Enter');

    const job = page.getByTestId('trial-job');
    await page.getByTestId('job-summary').waitFor({ timeout: 120_000 });
    await expect.poll(() => job.textContent()).toContain(`staging ${staging}`);
    await expect.poll(() => page.getByTestId('job-summary').textContent()).toContain('no control run (no false-positive rate)');

    const api = await summaryFromApi();
    expect(api.staging).toBe(staging);
    expect(api).toMatchObject({ injected: 1, controls: 0, falsePositiveRate: null });
    await expect.poll(() => page.getByTestId('ledger-detection').textContent()).toBe(percent(api.detectionRate));
    await expect.poll(() => page.getByTestId('ledger-false-positives').textContent()).toBe('—');
    await expect.poll(() => page.locator('.card-label').nth(1).textContent()).toMatch(/no control run yet \(n = 0\)/);
    const spike = api.byKind.find((k) => k.kind === 'spike')!;
    const row = page.getByTestId('ledger-by-kind').locator('tbody tr', { hasText: 'spike' });
    await expect.poll(async () => (await row.locator('td').allTextContents()).slice(0, 4)).toEqual(['spike', 'run', String(spike.trials), String(spike.caught)]);
    await page.getByRole('heading', { name: `Ledger so far (${staging})` }).waitFor();
    // A long staging path wraps: the page does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    await app.shot('trials-analyst');
  });

  it('shows the same staging ledger when the analyst comes back to the page', async () => {
    const api = await summaryFromApi();
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'Trials' }).click();
    await page.getByRole('heading', { name: `Ledger so far (${staging})` }).waitFor();
    await expect.poll(() => page.getByTestId('ledger-detection').textContent()).toBe(percent(api.detectionRate));
    await expect.poll(() => page.locator('.card-label').nth(1).textContent()).toMatch(/no control run yet \(n = 0\)/);
  });

  it('moves focus to the trial\'s panel when "Run trials" pressed by keyboard is disabled for the run, not to the top of the page', async () => {
    const run = page.getByRole('form', { name: 'New trial' }).getByRole('button', { name: 'Run trials' });
    await run.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('trial-job');
    await page.getByTestId('job-summary').waitFor({ timeout: 120_000 });
  });

  it('runs a trial as a task chosen in the form, and the job panel and the per-kind table say which settings judged it', async () => {
    const form = page.getByRole('form', { name: 'New trial' });
    await form.locator('select[name=task]').selectOption({ label: 'daily — default sensitivity (no version saved)' });
    await form.locator('input[name=kind-spike]').setChecked(true);
    await form.locator('input[name=controls]').fill('1');
    await form.getByRole('button', { name: 'Run trials' }).click();
    const job = page.getByTestId('trial-job');
    await expect.poll(() => page.getByTestId('job-summary').textContent(), { timeout: 120_000 }).toMatch(/judged with task daily, the default sensitivity, no version saved\.$/);
    expect(await job.textContent()).toContain('judged with task daily, the default sensitivity, no version saved');
    const asDaily = page.getByTestId('ledger-by-kind').locator('tbody tr', { hasText: 'task daily' });
    await expect.poll(() => asDaily.count()).toBeGreaterThan(0);
    // The form came back empty when the page was opened again: this trial went to the default staging.
    const api = await data<LedgerSummaryView>(app.server, 'trials.summary', {}, { Authorization: `Bearer ${app.server.apiToken}` });
    expect(api.byKind.filter((k) => k.task === 'daily').map((k) => k.kind).sort()).toEqual(['control', 'spike']);
  });
});

/**
 * A trial copies the console's database while an update writes to it: the copy ends that run
 * interrupted in staging, and `gatehouse trial` notes it. The Trials page said so only once the
 * whole session had ended; now as soon as the copy is taken, while the trials still run.
 */
describe.skipIf(executablePath === null)('a trial that copied a run under way (browser mode)', () => {
  // The job stays `running` until the test lets it end: what the page shows by then came with its progress.
  let endTrial: () => void = () => {};
  const trialHeld = new Promise<void>((resolve) => (endTrial = resolve));
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: seedByCliUpdate('synthetic:seed=3,count=60'),
    prepare: async ({ engine }) => {
      const perform = engine.perform.bind(engine);
      engine.perform = (async (request, onProgress) => {
        const outcome = await perform(request, onProgress);
        if (request.kind === 'trials') await trialHeld;
        return outcome;
      }) as typeof engine.perform;
    },
  }));

  it('names the run it ended as soon as the copy is taken, in the words of `gatehouse trial`, and tells a screen reader once', async () => {
    const { page, store } = opened();
    // An update held after its first batch on the console's database while the trial copies it.
    let reached: (id: number) => void = () => {};
    let release: () => void = () => {};
    const atSecondBatch = new Promise<number>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    let note = '';
    const update = runUpdate({ store, source: await openSource('synthetic:seed=4,count=120'), batchSize: 50, betweenBatches: async (id, next) => {
      if (next === 2) {
        reached(id);
        await gate;
      }
      return null;
    } });
    try {
      const runId = await atSecondBatch;
      await nameSessionUnlessNamed(page, 'Ada');
      await page.getByRole('link', { name: 'Trials' }).click();
      const form = page.getByRole('form', { name: 'New trial' });
      await form.locator('input[name=controls]').fill('1');
      await form.getByRole('button', { name: 'Run trials' }).click();
      note = `Note: ${copiedRunningText(runId)}.`;
      await expect.poll(() => page.getByTestId('trial-copied-running').textContent()).toBe(note);
      expect(await page.locator('#trial-job-title').textContent()).toBe('Trial running');
      expect(await page.getByTestId('trial-news').textContent()).toContain(note);
    } finally {
      endTrial();
      release();
      await update;
    }
    await expect.poll(() => page.locator('#trial-job-title').textContent()).toBe('Latest trial');
    // Told once: the end brings the result (and the history note, known only then), not the copy's note again.
    expect(await page.getByTestId('trial-news').textContent()).not.toContain(note);
  });
});
