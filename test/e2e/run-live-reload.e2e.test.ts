import { describe, expect, it } from 'vitest';
import { setFlag } from '../../main/flags/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, seedStore, startRunFromConsole } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * An operator watching a long run (batches of 50, far more than a page could list) reloads its
 * page halfway: the batches committed before the reload stay on the timeline and the later ones
 * join them live; then they stop the run from the console and read what it kept.
 */
describe.skipIf(executablePath === null)('a long run watched live across a reload, then stopped (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    worker: true,
    seed: seedStore(async (store) => {
      // Fixed batches of 50: a 200,000-record run would write 4,000 of them.
      await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, operator: 'e2e-setup', reason: 'one batch size for the whole run' });
    }),
  }));

  const timeline = () => opened().page.locator('.batch-timeline');
  const total = async () => Number(await timeline().getAttribute('data-total'));

  it('keeps the batches from before a reload and adds the later ones, then says what a stopped run kept', async () => {
    const app = opened();
    const { page } = app;
    await startRunFromConsole(page, { source: 'synthetic:seed=77,count=200000', batchSize: 50, operator: 'e2e-operator' });
    await expect.poll(total).toBeGreaterThanOrEqual(10);

    await page.reload();
    await page.getByTestId('live-progress').waitFor();
    const readAtLoad = await total();
    // Later batches join the ones read at load: more than either list alone, starting at batch 1.
    await expect.poll(total).toBeGreaterThan(2 * readAtLoad + 1);
    await page.locator('.timeline-frame').press('Home');
    await expect.poll(() => timeline().getAttribute('data-selected')).toBe('1');

    await page.getByRole('button', { name: 'Stop after this batch' }).click();
    await page.locator('.run-header .badge', { hasText: 'interrupted' }).waitFor({ timeout: 60_000 });
    const note = page.getByTestId('stop-note');
    const stopped = /^Stopped as asked after batch (\d+): the ([\d,]+) committed batches stay \(([\d,]+) added, ([\d,]+) updated, [\d,]+ quarantined\); nothing after them was written, and the run can be resumed\.$/;
    await expect.poll(() => note.textContent()).toMatch(stopped);
    const [, lastBatch, batches, added, updated] = stopped.exec((await note.textContent())!)!;
    // Every batch committed, numbered from 1: the last one kept is the count kept, as the timeline shows.
    expect(batches).toBe(lastBatch);
    await expect.poll(total).toBe(Number(lastBatch));
    await expect.poll(() => page.locator('dl.metrics').textContent()).toContain(`Added${added}Updated${updated}`);
    await app.shot('run-stopped-after-reload');
  });
});
