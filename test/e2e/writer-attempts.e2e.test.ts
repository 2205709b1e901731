import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, startHttpServer } from '../../main/api/index.js';
import { rollback } from '../../main/backup/index.js';
import { beginAttempt, rollbackOperation } from '../../main/backup/attempts.js';
import { runUpdate } from '../../main/engine/index.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, seedStore, type ConsoleInBrowser } from './console-in-browser.js';
import { ensureRendererBuilt } from './renderer-build.js';

const executablePath = findChromium();

/**
 * Support staff on the Backups page: every rollback and restore tried, who tried it and how it
 * ended — above all one whose process was killed part-way — and from there to the run it worked on.
 */
describe.skipIf(executablePath === null)('rollback and restore attempts (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: seedStore(async (store) => {
        await runUpdate({ store, source: arraySource(hearingRecords(6, 520000)) });
        await runUpdate({ store, source: arraySource(hearingRecords(6, 520100)) });
        // A rollback of run 1 whose process was killed: its attempt was begun and never closed…
        await beginAttempt(store, { operation: rollbackOperation({ runId: 1, batchSeq: null }), operator: 'kim', at: new Date() });
        // …until the next writer, this rollback of run 2, settles it: failed, no rollback event of it stored.
        await rollback(store, { runId: 2, reason: 'a bad feed', operator: 'sam' });
      }),
    });
    page = app.page;
    await nameSessionUnlessNamed(page, 'e2e-support');
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  const table = () => page.getByTestId('attempts-table');
  const row = (id: number) => table().locator(`tr[data-attempt="${id}"]`);

  it('lists each attempt with who, what, when and its outcome, the killed one with what its audit shows', async () => {
    await page.getByRole('link', { name: 'Backups', exact: true }).click();
    await row(2).waitFor();
    expect(await row(2).locator('.badge').textContent()).toBe('succeeded');
    expect(await row(2).textContent()).toContain('a rollback of run 2');
    expect(await row(2).textContent()).toContain('sam');
    expect(await row(1).locator('.badge').textContent()).toBe('failed');
    expect(await row(1).textContent()).toContain('kim');
    expect(await row(1).textContent()).toContain('the process running it stopped before it reported an outcome (killed or crashed); it was not committed: nothing was changed');
    expect(await page.getByTestId('attempts-summary').textContent()).toBe('1 failed or unfinished among the 2 listed.');
    await app.shot('writer-attempts');
  });

  it('narrows the list to failed and unfinished attempts from the keyboard, and goes to the run a rollback worked on', async () => {
    const onlyTrouble = page.locator('input[name="only-trouble"]');
    await onlyTrouble.focus();
    await page.keyboard.press('Space');
    await row(2).waitFor({ state: 'detached' });
    expect(await table().locator('tbody tr').count()).toBe(1);
    // Tab from the filter reaches the link of the failed rollback before anything else in the table.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Run 1: its page and rollbacks');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/runs\/1$/);
    await page.getByRole('button', { name: 'Roll back run 1…' }).waitFor();
  });

  it('lists a rollback made from the console beside the others', async () => {
    await page.getByRole('button', { name: 'Roll back run 1…' }).click();
    const dialog = page.getByTestId('rollback-dialog');
    await dialog.getByTestId('rollback-preview').waitFor();
    await dialog.locator('input[name="confirm-run-id"]').fill('1');
    await dialog.locator('textarea[name="rollback-reason"]').fill('e2e: kim\'s rollback again');
    await dialog.getByRole('button', { name: 'Roll back run 1' }).click();
    await page.getByTestId('rollback-result').waitFor();
    await page.getByRole('link', { name: 'Backups', exact: true }).click();
    await row(3).waitFor();
    expect(await row(3).textContent()).toContain('a rollback of run 1');
    expect(await row(3).textContent()).toContain('e2e-support');
    expect(await row(3).locator('.badge').textContent()).toBe('succeeded');
  });

  it('says the server cannot be reached, with a way to try again, and that live updates stopped, when it is down', async () => {
    await page.getByRole('link', { name: 'Flags', exact: true }).click();
    expect(await page.getByTestId('stream-lost').textContent()).toBe('');
    await app.server.close();
    // The sidebar, on every page: a run shown as running may have ended meanwhile.
    await page.getByTestId('stream-lost').getByText('Live updates stopped: the Gatehouse server is not answering').waitFor();
    await page.getByRole('link', { name: 'Backups', exact: true }).click();
    const refusal = page.getByTestId('writer-attempts').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('the Gatehouse server cannot be reached');
    await page.getByTestId('writer-attempts').getByRole('button', { name: 'Try again' }).waitFor();
  });

  it('says the page must sign in again, not that the server is not answering, once a restarted server answers and refuses this page', async () => {
    // `gatehouse serve` started again on the same port: its sessions are new, this page's is not one of them.
    const restarted = await startHttpServer({ handlers: createApi({ store: app.store, engine: app.engine, transport: 'http' }), engine: app.engine, staticRoot: await ensureRendererBuilt(), port: app.server.port });
    try {
      const banner = page.getByTestId('stream-lost');
      await expect.poll(() => banner.textContent(), { timeout: 30_000 }).toContain('Live updates stopped: this page is not signed in to the Gatehouse server');
      const said = (await banner.textContent())!;
      expect(said).toContain('`gatehouse serve` restarted since, which signs every page out');
      // One way back in, said once: the server's sentence carries it, the page adds none of its own.
      expect(said.match(/sign-in link|sign in again/g)).toEqual(['sign in again']);
      expect(said).not.toContain('not answering');
      await page.getByRole('link', { name: 'Flags', exact: true }).click();
      const refusal = page.getByRole('main').getByRole('alert').first();
      await refusal.waitFor();
      expect((await refusal.textContent())!.match(/sign-in link|sign in again/g)).toEqual(['sign in again']);
    } finally {
      await restarted.close();
    }
  });
});
