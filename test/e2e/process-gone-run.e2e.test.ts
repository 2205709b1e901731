import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount } from '../../shared/plural.js';
import { runCli, startCli } from '../helpers/cli.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();
const SOURCE = 'synthetic:seed=166,count=1000';

/** The first run of the file at `location` to commit a batch, once one has (the file may not exist yet). */
function runWithACheckpoint(location: string): number | undefined {
  try {
    const shell = new Database(location, { readonly: true, fileMustExist: true, timeout: 30_000 });
    try {
      return (shell.prepare("SELECT run_id FROM batches WHERE status = 'committed' LIMIT 1").get() as { run_id: number } | undefined)?.run_id;
    } finally {
      shell.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * `gatehouse update` killed (SIGKILL) mid-run leaves its run stored `running`, nothing to mark it
 * interrupted: the console shows it as the interrupted run it is, in the list and on its page, with
 * what the operator can do next — resume it there, or roll it back — instead of running forever.
 */
describe.skipIf(executablePath === null)('a run whose process was killed, in the console (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let runId: number;
  let pid: number;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      worker: true,
      seed: async (location) => {
        const update = startCli(['update', '--db', location, '--source', SOURCE, '--batch-size', '20', '--no-snapshot']);
        let found: number | undefined;
        try {
          while ((found = runWithACheckpoint(location)) === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
        } finally {
          update.child.kill('SIGKILL');
        }
        await update.done;
        runId = found;
        pid = update.child.pid!;
      },
    });
    ({ page } = app);
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('shows it on the Overview as runs show says it: interrupted with its process gone, and the batches it committed', async () => {
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('interrupted');
    // Before: a bare "interrupted", where the Runs page and `runs list` say its process is gone and nothing marked it yet.
    expect(await row.getByTestId('run-process-gone').getAttribute('title')).toBe(`interrupted (not yet marked: its process ${pid} is gone)`);
    const shown = runCli(['runs', 'show', String(runId), '--db', app.location, '--json']);
    const { metrics, batches } = JSON.parse(shown.stdout) as { metrics: { fetched: number }; batches: { succeeded: number; total: number } };
    expect(batches.total).toBeGreaterThan(0);
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[3]).toBe(formatCount(metrics.fetched));
    expect(cells[7]).toBe(`${batches.succeeded}/${batches.total}`);
  });

  it('lists it and shows it as interrupted with its gone process, offers Resume and Roll back, and resumes it to success', async () => {
    // Before: the sidebar counted it as a run in progress ("Runs 1"), and the Overview showed it running.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor();
    // Before: a running badge for as long as nothing else wrote to the database.
    expect(await row.locator('.badge').textContent()).toBe('interrupted');
    expect(await row.getByTestId('run-process-gone').getAttribute('title')).toBe(`interrupted (not yet marked: its process ${pid} is gone)`);

    await row.locator('a.run-link').click();
    const note = page.getByTestId('run-process-gone-note');
    await note.waitFor();
    expect(await page.locator('.run-header .badge').textContent()).toBe('interrupted');
    expect(await note.textContent()).toContain(`its process (${pid} on`);
    const rollback = page.getByRole('button', { name: `Roll back run ${runId}…` });
    expect(await rollback.isDisabled()).toBe(false);
    const resumeSection = page.getByTestId('run-resume');
    expect(await resumeSection.locator('code').textContent()).toBe(`gatehouse update --resume ${runId} --source '${SOURCE}'`);
    await app.shot('process-gone-run');

    await nameSessionUnlessNamed(page, 'Ada');
    await resumeSection.getByRole('button', { name: 'Resume run' }).click();
    await page.locator('.run-header .badge', { hasText: 'success' }).waitFor({ timeout: 120_000 });
    await row.locator('.badge', { hasText: 'success' }).waitFor();
    expect(await note.count()).toBe(0);
    expect(await row.getByTestId('run-process-gone').count()).toBe(0);
  }, 180_000);
});
