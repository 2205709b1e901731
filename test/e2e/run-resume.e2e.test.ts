import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { setFlag } from '../../main/flags/index.js';
import { openSource } from '../../main/sources/index.js';
import { hearingRecords } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, seedStore, startRunFromConsole, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();
const COUNT = 10_000;

/**
 * An operator stops a long run from its page, then resumes it there: the run goes on live in the
 * console's engine (a worker thread, as in the app) and ends complete, nothing written twice. A run
 * whose file only the terminal that ran it could read is refused in the console's words, and its
 * page keeps the command that resumes it from a terminal.
 */
describe.skipIf(executablePath === null)('Resume run on an interrupted run\'s page (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let elsewhere: number;
  let missingFile: string;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      worker: true,
      seed: seedStore(async (store) => {
        // Fixed batches: the timeline counts what the run committed before and after the stop.
        await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, operator: 'e2e-setup', reason: 'one batch size for the whole run' });
      }),
      prepare: async ({ store }) => {
        // A run the CLI started over a file that is gone now (another computer's, or deleted since).
        missingFile = path.join(path.dirname(store.location), `elsewhere-${process.pid}.ndjson`);
        fs.writeFileSync(missingFile, hearingRecords(60, 800_000).map((record) => JSON.stringify(record)).join('\n') + '\n');
        const controller = new AbortController();
        const run = await runUpdate({ store, source: await openSource(`file:${missingFile}`), batchSize: 20, signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort() });
        expect(run.status).toBe('interrupted');
        elsewhere = run.runId;
        fs.rmSync(missingFile);
      },
    });
    ({ page } = app);
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  const total = async () => Number(await page.locator('.batch-timeline').getAttribute('data-total'));

  it('stops a run, resumes it from its page, watches its batches come live, and sees it complete', async () => {
    const before = await app.store.countHearings();
    const runId = await startRunFromConsole(page, { source: `synthetic:seed=41,count=${COUNT}`, batchSize: 20, operator: 'Ada' });
    await expect.poll(total).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Stop after this batch' }).click();
    await page.locator('.run-header .badge', { hasText: 'interrupted' }).waitFor({ timeout: 60_000 });
    const resumeSection = page.getByTestId('run-resume');
    await resumeSection.waitFor();
    const keptAtStop = await total();
    expect(keptAtStop).toBeLessThan(COUNT / 20);
    expect(await resumeSection.locator('code').textContent()).toBe(`gatehouse update --resume ${runId} --source 'synthetic:seed=41,count=${COUNT}'`);
    await app.shot('run-resume-offered');

    await resumeSection.getByRole('button', { name: 'Resume run' }).click();
    // Live again: the progress panel, the running badge, and batches after the ones it kept.
    await page.getByTestId('live-progress').waitFor();
    expect(await page.getByTestId('stop-note').count()).toBe(0);
    await expect.poll(total).toBeGreaterThan(keptAtStop);
    // The Runs list beside it says so too, not the status it was read with.
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.locator('.badge', { hasText: /running/i }).waitFor();
    await page.locator('.run-header .badge', { hasText: 'success' }).waitFor({ timeout: 120_000 });
    await row.locator('.badge', { hasText: /success/i }).waitFor();

    expect(await page.getByTestId('run-resume').count()).toBe(0);
    await expect.poll(total).toBe(COUNT / 20);
    const metrics = (await page.locator('dl.metrics').textContent())!;
    expect(metrics).toContain(`Fetched${COUNT.toLocaleString('en-US')}`);
    const stored = (await app.store.getRun(runId))!;
    expect(stored).toMatchObject({ status: 'success', metrics: { fetched: COUNT } });
    expect(stored.metrics.added + stored.metrics.quarantined).toBe(COUNT);
    expect(await app.store.countHearings()).toBe(before + stored.metrics.added);
    // A resume keeps the run's id, so the run it went on from is this one, said as such rather than "run N" of itself.
    expect(stored.resumedFrom).toBe(runId);
    expect(await page.getByTestId('run-resumed-from').textContent()).toBe('this run, carried on after an interruption');
    await app.shot('run-resumed-complete');
  }, 180_000);

  it('refuses a run whose file this console cannot read, saying so, and keeps the terminal command', async () => {
    await page.goto(`${new URL(page.url()).origin}/#/runs/${elsewhere}`);
    await page.reload();
    const resumeSection = page.getByTestId('run-resume');
    await resumeSection.getByRole('button', { name: 'Resume run' }).click();
    const error = page.getByTestId('resume-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(
      `The run was not resumed: run ${elsewhere} cannot be resumed from this console: it read file:${missingFile}, which this console cannot read (cannot read ${missingFile}: not found); nothing was changed — resume it from a terminal on the computer that has the file, with the command shown on the run's page`,
    );
    expect(await resumeSection.locator('code').textContent()).toBe(`gatehouse update --resume ${elsewhere} --source 'file:${missingFile}'`);
    await page.locator('.run-header .badge', { hasText: 'interrupted' }).waitFor();
    expect((await app.store.getRun(elsewhere))?.status).toBe('interrupted');
    await app.shot('run-resume-refused');
  }, 60_000);
});
