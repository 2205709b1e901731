import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { parseTrialSpec, runTrials, stagingTargetFor } from '../../main/trials/index.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * A staging ledger longer than a page (three sessions of 20 control runs and a spike: 63 trials):
 * the Trials page's Recent trials lists every one of them, older ones a page at a time, as many as
 * the ledger's rates count — not the first 50 with nothing to say there are more.
 */
describe.skipIf(executablePath === null)('a staging ledger longer than a page on the Trials page (browser mode)', () => {
  let app: ConsoleInBrowser;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: async (location) => {
        await seedDemoDatabase(location, { days: 28 });
        // The console's default staging, so the page reads this ledger without a trial of its own.
        const staging = stagingTargetFor(location);
        for (let session = 0; session < 3; session++) {
          await runTrials({ source: location, staging, injections: [parseTrialSpec('spike')], controls: 20, operator: 'Ana' });
        }
        expect(path.dirname(staging)).toBe(path.dirname(location));
      },
    });
  }, 300_000);

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('lists every trial the rates count, the older ones behind "Older trials…"', async () => {
    const { page } = app;
    await page.getByRole('link', { name: 'Trials' }).click();
    const rows = page.getByTestId('ledger-trials').locator('tbody tr');
    const older = page.getByRole('button', { name: 'Older trials…' });
    await expect.poll(() => rows.count()).toBe(50);
    await older.click();
    await expect.poll(() => rows.count()).toBe(63);
    expect(await older.count()).toBe(0);
    // The rates below count the same 63: 60 controls and 3 spikes.
    await expect.poll(() => page.locator('.card-label').nth(1).innerText()).toContain('of 60 clean runs flagged;');
    await expect.poll(() => page.locator('.card-label').nth(0).innerText()).toContain('of 3 injected anomalies caught');
    await app.shot('trials-ledger-paging');
  });
});
