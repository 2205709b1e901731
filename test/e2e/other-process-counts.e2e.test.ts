import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printed, startCli } from '../helpers/cli.js';
import { hearingRecords } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * A CLI update is not on the server's event stream: the console read its stored row, which kept the
 * zeros it started with until the run ended, so its committed batches sat beside "Fetched 0".
 */
describe.skipIf(executablePath === null)('the counts of a run the CLI is writing, in the console (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({ executablePath: executablePath!, seed: async () => undefined }));

  it('shows what its committed batches counted on its page while it is held after its second batch', async () => {
    const app = opened();
    const { page } = app;
    // On the list before the run starts: once the console counts it, the link reads "Runs 1 running".
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('runs-empty').waitFor();
    const source = path.join(app.folder, 'hearings.ndjson');
    fs.writeFileSync(source, `${hearingRecords(100, 702000).map((record) => JSON.stringify(record)).join('\n')}\n`);
    const fifo = path.join(app.folder, 'go-on');
    execFileSync('mkfifo', [fifo]);
    const update = startCli(['update', '--db', app.location, '--source', `file:${source}`, '--batch-size', '20', '--no-snapshot', '--json'], {
      GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_AFTER_BATCH: '2',
    });
    try {
      await printed(update, /test seam: paused at batch 2 committed/);
      const row = page.locator('[data-testid="runs-table"] tr[data-run-id="1"]');
      await row.locator('.badge', { hasText: 'running' }).waitFor();
      await row.getByRole('link', { name: 'Run 1' }).click();
      await page.getByRole('heading', { name: /^Batches \(2\)$/ }).waitFor();
      // Before: Fetched 0 and Added 0 beside the two committed batches (20 and, grown, 40 records).
      const fetched = page.locator('dl.metrics div', { hasText: 'Fetched' }).locator('dd');
      const added = page.locator('dl.metrics div', { hasText: 'Added' }).locator('dd');
      expect(Number(await added.textContent())).toBeGreaterThanOrEqual(40);
      expect(Number(await fetched.textContent())).toBeGreaterThanOrEqual(Number(await added.textContent()));
    } finally {
      fs.writeFileSync(fifo, 'go on\n');
    }
    expect((await update.done).code).toBe(0);
  });
});
