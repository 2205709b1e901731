import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { flagStore } from '../../main/flags/index.js';
import { runReviews } from '../../main/validation/index.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/** The focused element as a keyboard user meets it: its field name, else its accessible text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const at = document.activeElement as HTMLElement | null;
    if (!at || at === document.body) return 'body';
    const name = at.getAttribute('name');
    return name ? `field ${name}` : `${at.tagName.toLowerCase()} ${at.getAttribute('aria-label') ?? at.textContent?.trim()}`;
  });
}

/** Whether focus is inside the open dialog. */
function focusInDialog(page: Page): Promise<boolean> {
  return page.evaluate(() => document.activeElement?.closest('dialog[open]') != null);
}

/** Opens with the keyboard (focus, Enter), as a keyboard user does. */
async function pressOpen(button: Locator): Promise<void> {
  await button.focus();
  await button.press('Enter');
}

/**
 * Support staff who use only the keyboard: each dialog opens on the field to fill in (not on the
 * ✕ before a long preview), keeps Tab inside, and hands focus back to what opened it on Escape,
 * on Cancel and when its work is done.
 */
describe.skipIf(executablePath === null)('dialogs by keyboard (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let runId: number;

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: (location) => seedDemoDatabase(location, { days: 28 }) });
    page = app.page;
    runId = (await app.store.listRuns({ limit: 1 }))[0]!.runId;
    await nameSessionUnlessNamed(page, 'e2e-keyboard');
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('reaches the open run\'s page with one Tab from the run list, however long the list', async () => {
    await page.goto(`${new URL(page.url()).origin}/#/runs/${runId}`);
    await page.getByRole('button', { name: `Roll back run ${runId}…` }).waitFor();
    await page.keyboard.press('g');
    await expect.poll(() => focused(page)).toBe(`a Run ${runId}`);
    await page.keyboard.press('j');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('.run-detail-pane') !== null)).toBe(true);
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe(`a Run ${runId - 1}`);
  });

  it('opens the rollback dialog on its confirm field once the preview is in, keeps Tab inside, and Escape and Cancel return to the button', async () => {
    await page.goto(`${new URL(page.url()).origin}/#/runs/${runId}`);
    const open = page.getByRole('button', { name: `Roll back run ${runId}…` });
    await pressOpen(open);
    const dialog = page.getByTestId('rollback-dialog');
    await dialog.getByTestId('rollback-preview').waitFor();
    await expect.poll(() => focused(page)).toBe('field confirm-run-id');

    // Round the dialog twice forwards and once backwards: focus never leaves it.
    const stops: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(await focusInDialog(page)).toBe(true);
      stops.push(await focused(page));
    }
    expect(stops).toContain('button Close');
    expect(stops).toContain('field rollback-reason');
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await focusInDialog(page)).toBe(true);
    }

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe(`button Roll back run ${runId}…`);

    await pressOpen(open);
    await dialog.getByTestId('rollback-preview').waitFor();
    await pressOpen(dialog.getByRole('button', { name: 'Cancel' }));
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe(`button Roll back run ${runId}…`);
  });

  it('after the rollback, focus lands on what it did (the button that opened it is disabled now)', async () => {
    const open = page.getByRole('button', { name: `Roll back run ${runId}…` });
    await pressOpen(open);
    const dialog = page.getByTestId('rollback-dialog');
    await dialog.getByTestId('rollback-preview').waitFor();
    await expect.poll(() => focused(page)).toBe('field confirm-run-id');
    await page.keyboard.type(String(runId));
    await page.keyboard.press('Tab');
    await page.keyboard.type('e2e: keyboard only');
    await dialog.getByRole('button', { name: `Roll back run ${runId}` }).press('Enter');
    await page.getByTestId('rollback-result').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('status');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toMatch(/rolled back|restored|deleted/i);
    await expect.poll(() => open.isDisabled()).toBe(true);
    // The sidebar's live region says it ended, for whoever is on another page by now.
    await expect.poll(() => page.getByTestId('operation-news').textContent()).toBe(`Rollback of run ${runId} finished.`);
  });

  it('opens the restore dialog on the snapshot id to type, and Escape returns to that row\'s Restore button', async () => {
    await page.getByRole('link', { name: 'Backups' }).click();
    await pressOpen(page.getByRole('button', { name: 'Take a snapshot now' }));
    await page.getByTestId('backups-message').waitFor();
    const restore = page.getByTestId('backups-table').locator('tbody tr').first().getByRole('button', { name: /^Restore/ });
    await pressOpen(restore);
    const dialog = page.getByTestId('restore-dialog');
    await dialog.waitFor();
    await expect.poll(() => focused(page)).toBe('field confirm-snapshot-id');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('tr') !== null && /^Restore/.test(document.activeElement?.textContent ?? ''))).toBe(true);
  });

  it('changes a flag in a dialog that opens on its first field, returns to the row\'s button on Escape, and saves by keyboard alone', async () => {
    await page.getByRole('link', { name: 'Flags' }).click();
    const change = page.locator('[data-flag=BATCH_SIZE]').getByRole('button', { name: 'Change… BATCH_SIZE' });
    await pressOpen(change);
    const editor = page.getByRole('dialog', { name: 'Change BATCH_SIZE' });
    await editor.waitFor();
    await expect.poll(() => focused(page)).toBe('field scope');
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('button Change… BATCH_SIZE');

    await pressOpen(change);
    await expect.poll(() => focused(page)).toBe('field scope');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('field value');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('40');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('field reason');
    await page.keyboard.type('smaller batches while the feed is slow');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('button Change… BATCH_SIZE');
    const stored = await flagStore(app.store).history({ flag: 'BATCH_SIZE' });
    expect(stored.map((event) => [event.actor, event.newJson])).toEqual([['e2e-keyboard', '40']]);
  });

  it('reviews an anomaly in a dialog that opens on its first field, returns to the item\'s button on Escape, and carries on at the next open anomaly once saved', async () => {
    await page.getByRole('link', { name: 'History' }).click();
    const item = page.locator('[data-anomalous-run]').first();
    await item.waitFor();
    const runId = Number(await item.getAttribute('data-anomalous-run'));
    const nextRunId = await page.locator('[data-anomalous-run]').nth(1).getAttribute('data-anomalous-run');
    expect(nextRunId).not.toBeNull();
    const open = item.getByRole('button', { name: `Confirmed… run ${runId}` });
    await pressOpen(open);
    const dialog = page.getByRole('dialog', { name: `Mark run ${runId} confirmed` });
    await dialog.waitFor();
    await expect.poll(() => focused(page)).toBe('field review-reason');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe(`button Confirmed… run ${runId}`);

    await pressOpen(open);
    await expect.poll(() => focused(page)).toBe('field review-reason');
    await page.keyboard.type('a real outage upstream');
    await dialog.getByRole('button', { name: 'Mark confirmed' }).press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await runReviews(app.store).list({ runId })).map((review) => [review.action, review.operator])).toEqual([['confirmed', 'e2e-keyboard']]);
    // The run reviewed leaves the open list: focus goes on to the next one, not back to the top of the page.
    await page.locator(`[data-anomalous-run="${runId}"]`).waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[data-anomalous-run]')?.getAttribute('data-anomalous-run') ?? document.activeElement?.tagName)).toBe(nextRunId);
  });

  it('names every action button on the support and analyst pages by what it acts on: no two read the same to a screen reader', async () => {
    for (const section of ['Flags', 'Backups', 'History', 'Settings', 'Runs']) {
      await page.getByRole('link', { name: section, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: section }).waitFor();
      // A page may load more than one part (Backups: snapshots and attempts); wait for every one.
      await expect.poll(() => page.locator('main .state[role=status]').count()).toBe(0);
      const names = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLButtonElement>('main button')).filter((b) => b.getClientRects().length > 0).map((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim()),
      );
      expect(names.filter((name) => name === ''), section).toEqual([]);
      expect(names.filter((name, i) => names.indexOf(name) !== i), `${section}: ${names.join(' | ')}`).toEqual([]);
    }
  });
});
