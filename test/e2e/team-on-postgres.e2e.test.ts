import type { ChildProcess } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagStore, setFlag } from '../../main/flags/index.js';
import { startCli } from '../helpers/cli.js';
import { availablePostgresBackend } from '../helpers/postgres.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, SCREENSHOTS, seedStore, startRunFromConsole, type ConsoleInBrowser } from './console-in-browser.js';
import { ensureRendererBuilt } from './renderer-build.js';

const executablePath = findChromium();
const postgres = executablePath === null ? null : await availablePostgresBackend();

/**
 * A team on one PostgreSQL database: console A (this process's server) and console B (a real
 * `gatehouse serve` process), each in its own browser context. What one does, the other sees — a
 * run, its batches, its end — and a change made from a view the other's action made stale is
 * refused, saying why, and changes nothing.
 */
describe.skipIf(postgres === null)('two consoles of a team on one PostgreSQL database (browser mode)', () => {
  let app: ConsoleInBrowser;
  let a: Page;
  let b: Page;
  let contextB: BrowserContext;
  let serveB: ChildProcess;
  let runId: number;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      backend: postgres!,
      worker: true,
      seed: seedStore(async (store) => {
        await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, operator: 'e2e-setup', reason: 'one batch size for the whole run' });
      }),
    });
    a = app.page;
    const started = startCli(['serve', '--db', app.location, '--static', await ensureRendererBuilt()]);
    serveB = started.child;
    const signIn = await new Promise<string>((resolve, reject) => {
      let seen = '';
      serveB.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const url = /^(http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(seen);
        if (url) resolve(url[1]!);
      });
      serveB.once('exit', (code) => reject(new Error(`gatehouse serve exited with ${code} before printing its URL`)));
    });
    contextB = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    b = await contextB.newPage();
    b.on('pageerror', (error) => app.pageErrors.push(`B: ${error.message}`));
    await b.goto(signIn);
    await nameSessionUnlessNamed(a, 'ada');
    await nameSessionUnlessNamed(b, 'bob');
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await contextB?.close();
    if (serveB && serveB.exitCode === null) {
      const exited = new Promise((resolve) => serveB.once('exit', resolve));
      serveB.kill('SIGTERM');
      await exited;
    }
    await app?.close();
  });

  const rowIn = (page: Page, id: number) => page.locator(`[data-testid="runs-table"] tr[data-run-id="${id}"]`);
  const total = (page: Page) => page.locator('.batch-timeline').getAttribute('data-total').then(Number);

  it('shows a run started in A in B\'s list, sidebar and run page while it writes, and its end when A stops it', async () => {
    await b.getByRole('link', { name: 'Runs', exact: true }).click();
    await b.getByTestId('runs-empty').waitFor();

    runId = await startRunFromConsole(a, { source: 'synthetic:seed=31,count=200000', batchSize: 50 });

    await rowIn(b, runId).locator('.badge', { hasText: 'running' }).waitFor();
    await b.getByRole('navigation', { name: 'Sections' }).getByLabel('1 running').waitFor();
    await rowIn(b, runId).getByRole('link', { name: `Run ${runId}` }).click();
    // Its batches join B's timeline while A's server writes them.
    await expect.poll(() => total(b)).toBeGreaterThan(0);
    const seen = await total(b);
    await expect.poll(() => total(b)).toBeGreaterThan(seen);
    await b.getByRole('button', { name: `Roll back run ${runId}…` }).and(b.locator(':disabled')).waitFor();

    await a.getByRole('button', { name: 'Stop after this batch' }).click();
    await a.locator('.run-header .badge', { hasText: 'interrupted' }).waitFor({ timeout: 60_000 });
    const stored = (await app.store.getRun(runId))!;
    await b.locator('.run-header .badge', { hasText: 'interrupted' }).waitFor();
    await expect.poll(() => total(b)).toBe(stored.batches.total);
    await rowIn(b, runId).locator('.badge', { hasText: 'interrupted' }).waitFor();
    await expect.poll(() => b.getByRole('navigation', { name: 'Sections' }).getByLabel(/running$/).count()).toBe(0);
  });

  it('shows on B\'s flags page a kill A made, on reload, and refuses B\'s save from the editor opened before it', async () => {
    await b.getByRole('link', { name: 'Flags', exact: true }).click();
    await b.locator('[data-flag=ENABLE_SNAPSHOTS]').getByRole('button', { name: 'Change…' }).click();
    const editorB = b.getByRole('form', { name: 'Change ENABLE_SNAPSHOTS' });
    await editorB.locator('select[name=scope]').selectOption('kill');

    await a.getByRole('link', { name: 'Flags', exact: true }).click();
    await a.locator('[data-flag=ENABLE_SNAPSHOTS]').getByRole('button', { name: 'Change…' }).click();
    const editorA = a.getByRole('form', { name: 'Change ENABLE_SNAPSHOTS' });
    await editorA.locator('select[name=scope]').selectOption('kill');
    await editorA.locator('textarea[name=reason]').fill('snapshot disk full');
    await editorA.getByRole('button', { name: 'Save for kill' }).click();
    await editorA.waitFor({ state: 'detached' });

    // B still shows the editor as it read it, with no kill stored: its save would replace A's kill as its own.
    await editorB.locator('textarea[name=reason]').fill('bob: the snapshot disk is full too');
    await editorB.getByRole('button', { name: 'Save for kill' }).click();
    await expect.poll(() => editorB.getByRole('alert').textContent()).toContain('is now false (set by ada');
    expect((await flagStore(app.store).history({ flag: 'ENABLE_SNAPSHOTS' })).map((event) => [event.actor, event.newJson])).toEqual([['ada', 'false']]);
    await b.keyboard.press('Escape');
    await b.reload();
    await expect.poll(() => b.locator('[data-flag=ENABLE_SNAPSHOTS]').textContent()).toContain('kill = off by ada');
  });

  it('refuses, saying why, B\'s rollback of a run A rolled back while B was reading its preview', async () => {
    await b.goto(`${new URL(b.url()).origin}/#/runs/${runId}`);
    await b.getByRole('button', { name: `Roll back run ${runId}…` }).click();
    const dialogB = b.getByTestId('rollback-dialog');
    await dialogB.getByTestId('rollback-preview').waitFor();

    await a.goto(`${new URL(a.url()).origin}/#/runs/${runId}`);
    await a.getByRole('button', { name: `Roll back run ${runId}…` }).click();
    const dialogA = a.getByTestId('rollback-dialog');
    await dialogA.getByTestId('rollback-preview').waitFor();
    await dialogA.locator('input[name=confirm-run-id]').fill(String(runId));
    await dialogA.locator('textarea[name=rollback-reason]').fill('ada: the feed was wrong');
    await dialogA.getByRole('button', { name: `Roll back run ${runId}` }).click();
    await a.locator('.run-header .badge', { hasText: 'rolled back' }).waitFor();
    const hearingsAfterA = await app.store.countHearings();

    await dialogB.locator('input[name=confirm-run-id]').fill(String(runId));
    await dialogB.locator('textarea[name=rollback-reason]').fill('bob: the feed was wrong');
    await dialogB.getByRole('button', { name: `Roll back run ${runId}` }).click();
    const refusal = dialogB.getByTestId('rollback-apply-error');
    await expect.poll(() => refusal.textContent()).toMatch(new RegExp(`^run ${runId} changed since this preview: ada rolled back the whole run at \\S+ \\(ada: the feed was wrong\\); nothing was rolled back now`));
    // B's dialog reads the preview again: nothing is left to roll back, and nothing to confirm.
    await expect.poll(() => dialogB.getByTestId('rollback-preview').textContent()).toBe(`run ${runId} was already rolled back; nothing to do`);
    expect(await dialogB.locator('input[name=confirm-run-id]').count()).toBe(0);
    await b.getByTestId('rollback-events').locator('tbody tr', { hasText: 'ada: the feed was wrong' }).waitFor();
    await b.screenshot({ path: `${SCREENSHOTS}/team-rollback-refused.png`, fullPage: true });
    expect((await app.store.getRun(runId))!.status).toBe('rolled_back');
    // Behind the dialog, B's run page and list catch up with A's rollback without a reload.
    await b.keyboard.press('Escape');
    await b.locator('.run-header .badge', { hasText: 'rolled back' }).waitFor();
    await rowIn(b, runId).locator('.badge', { hasText: 'rolled back' }).waitFor();
    expect(await app.store.countHearings()).toBe(hearingsAfterA);
  });
});
