import { describe, expect, it } from 'vitest';
import { flagStore, setFlag } from '../../main/flags/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, nameSessionUnlessNamed } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * Two support staff on one server: the flag editor is open in this browser when someone else
 * changes the same flag. Saving must show who changed it, and leave their value in place.
 */
describe.skipIf(executablePath === null)('a flag change from a stale editor (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({ executablePath: executablePath!, seed: async () => undefined }));

  it('refuses the save with the value now stored and who set it, and changes nothing', async () => {
    const app = opened();
    const { page, store } = app;
    await nameSessionUnlessNamed(page, 'Grace');
    await page.getByRole('link', { name: 'Flags' }).click();
    await page.locator('[data-flag=BLOCK_ON_ANOMALY]').getByRole('button', { name: 'Change…' }).click();
    const editor = page.getByRole('form', { name: 'Change BLOCK_ON_ANOMALY' });
    await editor.locator('select[name=value]').selectOption('true');
    await editor.locator('textarea[name=reason]').fill('hold anomalous runs');
    // Meanwhile, from another terminal or browser:
    await setFlag(store, { flag: 'BLOCK_ON_ANOMALY', value: false, reason: 'audit over', operator: 'Ada' });
    await editor.getByRole('button', { name: 'Save for global' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor();
    await expect.poll(() => alert.textContent()).toContain('is now false (set by Ada');
    expect((await flagStore(store).history({ flag: 'BLOCK_ON_ANOMALY' })).map((event) => [event.actor, event.newJson])).toEqual([['Ada', 'false']]);
    // The keyboard is where it was (Save, disabled while the server answered), not dropped to the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Save for global');
    expect(await editor.locator('textarea[name=reason]').inputValue()).toBe('hold anomalous runs');
    // The editor is a modal dialog: the page behind is back once it is closed.
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
  });

  it('refuses a revert chosen from a trail someone has since added to, naming them, and changes nothing', async () => {
    const app = opened();
    const { page, store } = app;
    await nameSessionUnlessNamed(page, 'Grace');
    await setFlag(store, { flag: 'BATCH_SIZE', value: 20, reason: 'smaller batches for the audit', operator: 'Ada' });
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'Flags' }).click();
    const entry = page.getByTestId('flag-history').locator('tr', { hasText: 'smaller batches for the audit' });
    await entry.getByRole('button', { name: 'Revert…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('textarea[name=revert-reason]').fill('back to the default');
    // Meanwhile, from another terminal or browser:
    await setFlag(store, { flag: 'BATCH_SIZE', value: 80, reason: 'a bit larger', operator: 'Ada' });
    await dialog.getByRole('button', { name: 'Revert' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    await expect.poll(() => alert.textContent()).toContain('BATCH_SIZE [global] is now 80 (set by Ada');
    expect((await flagStore(store).history({ flag: 'BATCH_SIZE' })).map((event) => [event.actor, event.newJson])).toEqual([['Ada', '80'], ['Ada', '20']]);
  });
});
