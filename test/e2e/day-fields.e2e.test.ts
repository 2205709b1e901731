import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * The Runs filters and the History range take a day as the console writes every date, YYYY-MM-DD,
 * in Chromium under en-US (where a date field would show 03/04/2026): a US-style or impossible
 * day is said beside the field in the API's words, and never reaches the API or the URL.
 */
describe.skipIf(executablePath === null)('the console\'s date fields (browser mode)', () => {
  let app: ConsoleInBrowser;
  /** Every runs.list body the page sent, to show a refused day never left it. */
  const listed: string[] = [];

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: (location) => seedDemoDatabase(location, { days: 28 }) });
    app.page.on('request', (request) => {
      if (request.url().endsWith('/api/runs.list')) listed.push(request.postData() ?? '');
    });
  }, 300_000);

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('filters runs from a typed YYYY-MM-DD and refuses 03/04/2026 and February 30th beside the field, sending neither', async () => {
    const { page } = app;
    expect(await page.evaluate(() => navigator.language)).toBe('en-US');
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const rows = page.getByTestId('runs-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(20);
    const all = await rows.count();
    const since = page.locator('input[name=filter-since]');
    expect(await since.getAttribute('type')).toBe('text');
    const sent = listed.length;

    await since.fill('03/04/2026');
    await since.press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: '03/04/2026' });
    await expect.poll(() => alert.innerText()).toBe('"03/04/2026" is not an ISO 8601 date or date and time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][zone])');
    expect(await since.getAttribute('aria-invalid')).toBe('true');
    await since.fill('2026-02-30');
    await since.press('Tab');
    await expect.poll(() => page.getByRole('alert').filter({ hasText: '2026-02-30' }).innerText()).toBe('"2026-02-30" names day 30 of February 2026, which has 28 days');
    expect(listed.slice(sent).join('\n')).not.toMatch(/since/);
    expect(page.url()).not.toContain('since');
    expect(await rows.count()).toBe(all);

    const day = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    await since.fill(day);
    await since.press('Enter');
    await expect.poll(() => page.url()).toContain(`since=${day}`);
    await expect.poll(() => rows.count()).toBeLessThan(all);
    // The last list the filter sent: the console's look for other writers lists the newest runs meanwhile, unfiltered.
    expect(listed.filter((body) => body.includes('"since"')).at(-1)).toContain(`"since":"${day}T00:00:00.000Z"`);
    expect(await page.getByRole('alert').filter({ hasText: 'ISO 8601' }).count()).toBe(0);
    expect(await since.getAttribute('aria-invalid')).toBe('false');
    expect(await since.inputValue()).toBe(day);
    await app.shot('runs-day-filter');
  });

  it('keeps the History range as it was when a typed day is refused, and says why beside the field', async () => {
    const { page } = app;
    await page.getByRole('link', { name: 'History' }).click();
    const chart = page.locator('figure.history-chart').first();
    await chart.locator('canvas').waitFor();
    const xMin = await chart.getAttribute('data-x-min');
    const from = page.locator('input[name=range-from]');
    expect(await from.getAttribute('type')).toBe('text');
    expect(await from.inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    await from.fill('03/04/2026');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: '03/04/2026' }).innerText()).toContain('is not an ISO 8601 date');
    expect(await chart.getAttribute('data-x-min')).toBe(xMin);
    await app.shot('history-day-refused');
  });
});
