import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, seedByCliUpdate, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * `gatehouse runs show` prints when a run finished, the flags it started with and the window a
 * Congress.gov source listed; the run's page in the console showed none of them.
 */
describe.skipIf(executablePath === null)('a run page says what runs show says (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let fake: FakeCongress;

  beforeAll(async () => {
    // The CLI reads the real clock: the feed is dated from it.
    const updated = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    fake = await startFakeCongress({ house: [1, 2, 3].map((i) => hearingRecord(249000 + i, { updateDate: updated })) });
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: seedByCliUpdate(`congress:${fake.baseUrl}`, { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }),
    });
    ({ page } = app);
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
    await fake?.close();
  });

  it('shows finishedAt, the flags and the source window under the names runs show gives them', async () => {
    const shown = runCli(['runs', 'show', '1', '--db', app.location, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const run = JSON.parse(shown.stdout) as { finishedAt: string; resumedFrom: number | null; flags: Record<string, unknown>; sourceWindow: { from: string; to: string; congress: number } };
    expect(run.sourceWindow).not.toBeNull();

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const row = page.locator('tr[data-run-id="1"]');
    await row.waitFor();
    await row.locator('a.run-link').click();
    const facts = page.getByTestId('run-facts');
    // Before: no such section; the page said none of these.
    await facts.waitFor();
    expect(await facts.locator('dt').allTextContents()).toEqual(['finishedAt', 'sourceWindow', 'flags']);
    expect(await page.getByTestId('run-finished-at').textContent()).toBe(run.finishedAt);
    expect(await page.getByTestId('run-source-window').textContent()).toBe(`${run.sourceWindow.from} to ${run.sourceWindow.to} · Congress ${run.sourceWindow.congress}`);
    expect(await page.getByTestId('run-flags').getByRole('listitem').allTextContents()).toEqual(Object.entries(run.flags).map(([name, value]) => `${name} = ${JSON.stringify(value)}`));
    // A run never resumed from another says nothing of it, as runs show prints null.
    expect(run.resumedFrom).toBeNull();
    expect(await page.getByTestId('run-resumed-from').count()).toBe(0);
    await app.shot('run-facts');
  });
});
