import os from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undoJournal } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, seedStore, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/** The focused element as a keyboard user meets it: its field name, else its text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const at = document.activeElement as HTMLElement | null;
    if (!at || at === document.body) return 'body';
    const name = at.getAttribute('name');
    return name ? `field ${name}` : `${at.tagName.toLowerCase()} ${at.textContent?.trim()}`;
  });
}

/**
 * Support staff rolling back a run when the server will not do it now: another writer holds the
 * database (409), or the answer never comes back (the server went mid-request). The dialog keeps
 * what they typed, says what happened and what to do, and a keyboard user is left on the button
 * to press again — not on the page behind a modal dialog.
 */
describe.skipIf(executablePath === null)('a rollback the server refuses or never answers (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let otherWriter: Store;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: seedStore(async (store) => {
        await runUpdate({ store, source: arraySource(hearingRecords(6, 610000)) });
        await runUpdate({ store, source: arraySource(hearingRecords(6, 610100)) });
        await runUpdate({ store, source: arraySource(hearingRecords(6, 610200)) });
      }),
    });
    page = app.page;
    otherWriter = await openStore(app.location);
    await nameSessionUnlessNamed(page, 'e2e-support');
  });

  afterAll(async () => {
    await otherWriter?.close();
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  async function fillRollbackOf(runId: number): Promise<void> {
    await page.goto(`${new URL(page.url()).origin}/#/runs/${runId}`);
    const open = page.getByRole('button', { name: `Roll back run ${runId}…` });
    await open.focus();
    await open.press('Enter');
    await page.getByTestId('rollback-dialog').getByTestId('rollback-preview').waitFor();
    await expect.poll(() => focused(page)).toBe('field confirm-run-id');
    await page.keyboard.type(String(runId));
    await page.keyboard.press('Tab');
    await page.keyboard.type('duplicate hearings from the feed');
  }

  const dialog = () => page.getByTestId('rollback-dialog');
  const rollbackEvents = async (runId: number) => (await undoJournal(app.store).listEvents({ runId, limit: 10 })).length;

  it('a 5xx that is not the API\'s answer (a proxy\'s error page): says the rollback may have been made and where to look, keeps the reason and the focus', async () => {
    await fillRollbackOf(3);
    // The real server does the rollback; what reaches the page is a gateway's error page instead of its answer.
    await page.route('**/api/rollback.apply', async (route) => {
      await route.fetch();
      await route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' });
    });
    const submit = dialog().getByRole('button', { name: 'Roll back run 3' });
    await submit.focus();
    await submit.press('Enter');
    const refusal = dialog().getByTestId('rollback-apply-error');
    await refusal.waitFor();
    await page.unroute('**/api/rollback.apply');
    // Before: 'unexpected answer from the server (HTTP 502)', and nothing on what to do.
    expect(await refusal.textContent()).toBe('unexpected answer from the server (HTTP 502) — the terminal running `gatehouse serve` says what went wrong; a change sent just then may have been made: look at what it changes before sending it again');
    expect(await dialog().locator('textarea[name=rollback-reason]').inputValue()).toBe('duplicate hearings from the feed');
    await expect.poll(() => focused(page)).toBe('button Roll back run 3');
    expect(await rollbackEvents(3)).toBe(1);
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
  });

  it('refused while another writer holds the database: says so and what to do, keeps the reason, and focus stays on the button to press again', async () => {
    await fillRollbackOf(2);
    const held = await otherWriter.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
    expect(held.acquired).toBe(true);
    const submit = dialog().getByRole('button', { name: 'Roll back run 2' });
    await submit.focus();
    await submit.press('Enter');
    const refusal = dialog().getByTestId('rollback-apply-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^cannot roll back run 2: another writer .* holds .*; nothing was changed — wait for it to finish, then try again$/);
    expect(await dialog().locator('textarea[name=rollback-reason]').inputValue()).toBe('duplicate hearings from the feed');
    // Before: 'body' — the button was disabled while busy and focus fell out of the modal dialog.
    await expect.poll(() => focused(page)).toBe('button Roll back run 2');
    expect(await rollbackEvents(2)).toBe(0);

    await otherWriter.releaseWriterLock();
    await page.keyboard.press('Enter');
    await page.getByTestId('rollback-result').waitFor();
    expect(await rollbackEvents(2)).toBe(1);
  });

  it('the answer lost as the server went: says the rollback may have been made and to look before trying again; trying again does not roll back twice', async () => {
    await fillRollbackOf(1);
    // The real server does the rollback; its answer never reaches the page, as when the server dies mid-request.
    await page.route('**/api/rollback.apply', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    const submit = dialog().getByRole('button', { name: 'Roll back run 1' });
    await submit.focus();
    await submit.press('Enter');
    const refusal = dialog().getByTestId('rollback-apply-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^the Gatehouse server cannot be reached \(.*\) — is `gatehouse serve` still running\? A change sent just then may have been made before its answer was lost: look at what it changes before sending it again$/);
    expect(await dialog().locator('textarea[name=rollback-reason]').inputValue()).toBe('duplicate hearings from the feed');
    await expect.poll(() => focused(page)).toBe('button Roll back run 1');
    expect(await rollbackEvents(1)).toBe(1);

    await page.unroute('**/api/rollback.apply');
    await page.keyboard.press('Enter');
    // The server refuses a second one (the run changed since the preview), and the dialog re-reads what is left.
    await expect.poll(async () => (await refusal.textContent()) ?? '').not.toMatch(/cannot be reached/);
    await dialog().getByTestId('rollback-preview').waitFor();
    expect(await rollbackEvents(1)).toBe(1);
    // The form the Enter was pressed in was replaced by the new preview: focus is on why, inside the dialog.
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('dialog[open]') != null)).toBe(true);
  });
});
