import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFlag } from '../../main/flags/index.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, startRunFromConsole, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * Support kills ADAPTIVE_BATCHES while a long run started from the console is writing: the run's
 * detail says, in a line of its own, who killed it and from which batch the run took it.
 */
describe.skipIf(executablePath === null)('a kill that reached a run under way, in its detail (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, worker: true, seed: async () => {} });
    ({ page } = app);
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  const total = async () => Number(await page.locator('.batch-timeline').getAttribute('data-total'));

  it('lists the kill with the batch it took effect from', async () => {
    await startRunFromConsole(page, { source: 'synthetic:seed=78,count=200000', batchSize: 50, operator: 'e2e-operator' });
    await expect.poll(total).toBeGreaterThanOrEqual(3);
    // From the server's own connection, as `gatehouse flags set --scope kill` would from another process.
    await setFlag(app.store, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'kill', operator: 'e2e-support', reason: 'batches ballooning' });
    const killedAt = await total();
    await expect.poll(total).toBeGreaterThan(killedAt + 2);

    await page.getByRole('button', { name: 'Stop after this batch' }).click();
    await page.locator('.run-header .badge', { hasText: 'interrupted' }).waitFor({ timeout: 60_000 });
    const changes = page.getByTestId('run-flag-changes');
    await expect.poll(() => changes.textContent()).toMatch(/ADAPTIVE_BATCHES killed by e2e-support \(.+\), reached the run before batch (\d+): batches from \1 on stay at the run's batch size/);
    await app.shot('run-kill-reached');
  });
});
