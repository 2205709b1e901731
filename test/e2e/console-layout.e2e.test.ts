import { describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests } from './console-in-browser.js';

const executablePath = findChromium();
const DAY_MS = 86_400_000;

/** Edges seen walking the console at a common laptop width (1400 px): what is on screen must be readable whole. */
describe.skipIf(executablePath === null)('the console laid out at 1400 px (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    judge: true,
    viewport: { width: 1400, height: 900 },
    seed: (location) => seedDemoDatabase(location, { days: 28, now: new Date(Date.now() - DAY_MS) }),
  }));

  it('shows the runs list\'s last column header whole, not clipped by the list\'s edge', async () => {
    const { page } = opened();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const header = page.getByTestId('runs-table').locator('thead th').last();
    await header.waitFor();
    const box = await page.evaluate(() => {
      const list = document.querySelector('.run-list')!.getBoundingClientRect();
      const th = Array.from(document.querySelectorAll('[data-testid="runs-table"] thead th')).at(-1)!.getBoundingClientRect();
      return { listRight: list.right, headerRight: th.right };
    });
    expect(await header.textContent()).toBe('Records');
    expect(box.headerRight).toBeLessThanOrEqual(box.listRight);
  });

  it('puts the Sweep checkbox beside its label and shows the whole default staging path', async () => {
    const { page } = opened();
    await page.getByRole('link', { name: 'Trials', exact: true }).click();
    const sweep = page.locator('input[name="sweep"]');
    await sweep.waitFor();
    // The label's words, not the label box (which holds the checkbox too): the checkbox's middle must lie on their first line.
    const { box, words } = await sweep.evaluate((input: HTMLInputElement) => {
      const range = document.createRange();
      range.selectNodeContents(input.parentElement!);
      range.setStartAfter(input);
      const first = range.getClientRects()[0]!;
      const own = input.getBoundingClientRect();
      return { box: { middle: own.top + own.height / 2, right: own.right }, words: { top: first.top, bottom: first.bottom, left: first.left } };
    });
    expect(box.middle).toBeGreaterThanOrEqual(words.top);
    expect(box.middle).toBeLessThanOrEqual(words.bottom);
    expect(box.right).toBeLessThanOrEqual(words.left);

    const staging = page.locator('input[name="staging"]');
    const placeholder = (await staging.getAttribute('placeholder'))!;
    await staging.fill(placeholder);
    const fits = await staging.evaluate((input: HTMLInputElement) => ({ scroll: input.scrollWidth, client: input.clientWidth }));
    expect(fits.scroll).toBeLessThanOrEqual(fits.client);
    await staging.fill('');
  });

  it('says once, on every page, that its times are UTC, and names UTC where a run\'s start is given', async () => {
    const app = opened();
    const { page } = app;
    const convention = page.getByTestId('time-convention');
    await expect.poll(() => convention.textContent()).toMatch(/^All times are UTC · now \d\d:\d\d UTC$/);
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('runs-table').locator('thead th', { hasText: 'Started (UTC)' }).waitFor();
    const newest = (await app.store.listRuns({ limit: 1 }))[0]!;
    await page.getByTestId('runs-table').locator(`tr[data-run-id="${newest.runId}"] a`).first().click();
    const started = `started ${newest.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
    await expect.poll(() => page.locator('.run-header').textContent()).toContain(started);
    await page.getByRole('link', { name: 'Rollouts', exact: true }).click();
    await expect.poll(() => convention.isVisible()).toBe(true);
  });
});
