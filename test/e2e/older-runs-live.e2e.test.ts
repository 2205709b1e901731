import { describe, expect, it } from 'vitest';
import { openStore } from '../../main/store/index.js';
import { dailyRuns, insertRuns } from '../../bench/long-history.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * An operator reading old runs on a database that runs every day: the older pages they opened
 * stay open when a run finishes and the list re-reads itself (it used to fold back to the newest
 * 100, the page they were reading gone), and the History page reaches anomalies past its first page.
 */
describe.skipIf(executablePath === null)('older runs stay open through a live update (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: async (location) => {
      const store = await openStore(location);
      await insertRuns(store, dailyRuns(150, { end: '2026-11-30T06:00:00.000Z', anomalousEvery: 1 }));
      await store.close();
    },
  }));

  const rows = () => opened().page.locator('[data-testid="runs-table"] tr[data-run-id]');
  const rowOf = (runId: number) => opened().page.locator(`[data-testid="runs-table"] tr[data-run-id="${runId}"]`);

  it('keeps the older page open, with the new run on top, when a run finishes', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await rowOf(150).waitFor();
    await expect.poll(() => rows().count()).toBe(100);
    await page.getByRole('button', { name: 'Older runs…' }).click();
    await rowOf(1).waitFor();
    expect(await rows().count()).toBe(150);

    const { runId } = await app.engine.start({ source: 'synthetic:seed=3,count=5', batchSize: 50, task: null });
    await rowOf(runId).locator('.badge', { hasText: 'success' }).waitFor();
    // The list was read again as deep as it was open: two pages, the new run and all 150 before it.
    await expect.poll(() => rows().count()).toBe(151);
    await rowOf(1).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Older runs…' }).count()).toBe(0);
  });

  it('reaches every one of 150 and more open anomalies on the History page, older ones on demand', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'History', exact: true }).click();
    const selectable = page.getByTestId('anomalies-panel').locator('input[name="select-run"]');
    await expect.poll(() => selectable.count()).toBe(100);
    await page.getByRole('button', { name: 'Older anomalies…' }).click();
    // The 150 seeded, and the run the test before started if the validator flagged it.
    const open = (await app.store.reports.anomalous({ open: true })).length;
    expect(open).toBeGreaterThanOrEqual(150);
    await expect.poll(() => selectable.count()).toBe(open);
    await expect.poll(() => page.getByRole('button', { name: 'Older anomalies…' }).count()).toBe(0);
  });
});
