import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * Flags are set from a terminal too (`gatehouse flags set`), and no event tells the console: the Flags
 * page left its audit trail and its values in force as they were when it was opened.
 */
describe.skipIf(executablePath === null)('the Flags page while a flag is set from the CLI (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({ executablePath: executablePath!, seed: async () => undefined }));

  it('shows the change in its audit trail and the value in force, without a reload', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'Flags' }).click();
    const trail = page.getByTestId('flag-history');
    await page.getByText('No flag has been changed yet.').waitFor();
    const inForce = page.locator('[data-flag=BATCH_SIZE] [data-testid=in-force]');
    await expect.poll(() => inForce.textContent()).toMatch(/^50 \(default\)/);

    const set = runCli(['flags', 'set', 'BATCH_SIZE', '25', '--reason', 'smaller batches overnight', '--operator', 'Ada', '--db', app.location]);
    expect(set.code, set.stderr).toBe(0);
    // Before: the trail stayed "No flag has been changed yet." and 50 stayed in force until the page was left and opened again.
    const row = trail.locator('tbody tr', { hasText: 'smaller batches overnight' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/BATCH_SIZE\s+global\s+unset → 25\s+Ada\s+smaller batches overnight/);
    await expect.poll(() => inForce.textContent()).toMatch(/^25 \(global\)/);
  });
});
