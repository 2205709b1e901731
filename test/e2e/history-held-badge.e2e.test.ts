import { describe, expect, it } from 'vitest';
import { dailyRuns, insertRuns } from '../../bench/long-history.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, seedStore } from './console-in-browser.js';

const executablePath = findChromium();

/** The History page's "held for review" badge counts as the badges beside it do: digits grouped. */
describe.skipIf(executablePath === null)('the held-for-review badge (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: seedStore(async (store) => {
      await insertRuns(store, dailyRuns(1_200).map((run) => ({ ...run, status: 'held' })));
    }),
  }));

  it('says 1,200 held for review, not 1200', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'History', exact: true }).click();
    const badge = page.locator('.badge.status-held', { hasText: 'held for review' });
    await badge.waitFor();
    expect(await badge.textContent()).toBe('1,200 held for review');
  });
});
