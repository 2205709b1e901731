import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, fakeCongressForTheseTests, seedFromFakeCongress } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * `gatehouse runs show` prints when a run finished, the flags it started with and the window a
 * Congress.gov source listed; the run's page in the console showed none of them.
 */
describe.skipIf(executablePath === null)('a run page says what runs show says (browser mode)', () => {
  const fake = fakeCongressForTheseTests([249001, 249002, 249003]);
  const opened = consoleForTheseTests(() => ({ executablePath: executablePath!, seed: seedFromFakeCongress(fake) }));

  it('shows finishedAt, the flags and the source window under the names runs show gives them', async () => {
    const app = opened();
    const { page } = app;
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
