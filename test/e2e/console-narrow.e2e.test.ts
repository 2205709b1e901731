import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, nameSessionUnlessNamed } from './console-in-browser.js';

const executablePath = findChromium();
const DAY_MS = 86_400_000;

/** The page's width against the window's: wider means the whole console scrolls sideways. */
function pageWidth(page: Page): Promise<{ scroll: number; window: number }> {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: document.documentElement.clientWidth }));
}

/** Edges seen driving the console in a small laptop window (1024 × 700), by keyboard where a support engineer would; the tests go on from each other's state. */
describe.skipIf(executablePath === null)('the console in a 1024 × 700 window (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    viewport: { width: 1024, height: 700 },
    seed: (location) => seedDemoDatabase(location, { days: 5, now: new Date(Date.now() - DAY_MS) }),
  }));

  it('keeps a rolled-back run\'s rollback events inside its page: the table scrolls, the page does not', async () => {
    const app = opened();
    const { page } = app;
    const newest = (await app.store.listRuns({ limit: 1 }))[0]!;
    await page.goto(`${app.server.url.split('?')[0]}#/runs/${newest.runId}`);
    await page.getByRole('button', { name: `Roll back run ${newest.runId}…` }).click();
    const dialog = page.getByTestId('rollback-dialog');
    // The dialog focuses the run id to type; the rest is Tab and Enter.
    await dialog.locator('input[name=confirm-run-id]').and(page.locator(':focus')).waitFor();
    await page.keyboard.type(String(newest.runId));
    await page.keyboard.press('Tab');
    await page.keyboard.type('e2e: the feed re-sent a day');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const prompt = page.getByTestId('operator-prompt');
    await prompt.locator('input[name=session-operator]').and(page.locator(':focus')).waitFor();
    await page.keyboard.type('e2e-support');
    await page.keyboard.press('Enter');

    const events = page.getByTestId('rollback-events');
    await events.locator('tbody tr', { hasText: 'e2e: the feed re-sent a day' }).waitFor();
    const width = await pageWidth(page);
    expect(width.scroll).toBeLessThanOrEqual(width.window);
    // What does not fit scrolls inside its own region, which a keyboard can reach to scroll it.
    const region = page.getByRole('region', { name: 'Rollback events of this run' });
    expect(await region.evaluate((box) => box.scrollWidth > box.clientWidth)).toBe(true);
    expect(await region.getAttribute('tabindex')).toBe('0');
    await app.shot('narrow-rollback-events');
  });

  it('writes when a kill was set as the audit beside it does, not as the ISO time the CLI prints', async () => {
    const { page } = opened();
    await nameSessionUnlessNamed(page, 'e2e-support');
    await page.getByRole('link', { name: 'Flags', exact: true }).click();
    const row = page.locator('tr[data-flag="PAUSE_SCHEDULED_RUNS"]');
    await row.getByRole('button', { name: /^Change/ }).click();
    // Scope is focused: down to "kill", then Tab to the reason (a kill's value is fixed) and Tab to save.
    await page.locator('select[name=scope]').and(page.locator(':focus')).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.type('e2e: the scheduler hammers the source');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    const audited = page.locator('tr', { hasText: 'e2e: the scheduler hammers the source' });
    await audited.waitFor();
    const at = (await audited.locator('td').first().textContent())!.trim();
    expect(at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    await expect.poll(() => row.textContent()).toContain(`on (killed by e2e-support at ${at})`);
  });
});
