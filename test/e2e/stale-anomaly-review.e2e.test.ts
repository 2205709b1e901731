import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { markAnomaly, runReviews } from '../../main/validation/index.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * Ada has "Mark run N expected" open in the console when Bo marks the same run confirmed from the
 * CLI. Her save must be refused with Bo's review named, leave his mark in place and keep her note.
 */
describe.skipIf(executablePath === null)('an anomaly mark from a stale dialog (browser mode)', () => {
  let app: ConsoleInBrowser;

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: (location) => seedDemoDatabase(location, { days: 30 }) });
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('refuses the mark naming who reviewed the run, how and when, and writes nothing', async () => {
    const { page, store } = app;
    await nameSessionUnlessNamed(page, 'Ada');
    await page.getByRole('link', { name: 'History' }).click();
    const item = page.locator('[data-anomalous-run]').first();
    await item.waitFor();
    const runId = Number(await item.getAttribute('data-anomalous-run'));
    await item.getByRole('button', { name: 'Expected…' }).click();
    const form = item.getByRole('form', { name: `Mark run ${runId} expected` });
    await form.locator('textarea[name=review-reason]').fill('Monday catch-up');
    // Meanwhile, from a terminal: `gatehouse anomalies mark --run N --as confirmed`.
    const bo = await markAnomaly(store, { runId, as: 'confirmed', reason: 'the feed doubled rows', operator: 'Bo' });
    await form.getByRole('button', { name: 'Mark expected' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    await expect.poll(() => alert.textContent()).toContain(`run ${runId} was marked confirmed by Bo at ${bo.at}`);
    expect(await form.locator('textarea[name=review-reason]').inputValue()).toBe('Monday catch-up');
    expect((await runReviews(store).list()).filter((review) => review.operator === 'Ada' || review.runId === runId).map((review) => [review.runId, review.action, review.operator])).toEqual([[runId, 'confirmed', 'Bo']]);
  });
});
