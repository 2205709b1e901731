import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * An operator watching the Overview while a run starts: the run is among the recent runs from its
 * start, marked running (as the Running count already says), not only once it has ended.
 */
describe.skipIf(executablePath === null)('the Overview lists a run from its start (browser mode)', () => {
  let app: ConsoleInBrowser;

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: (location) => seedDemoDatabase(location, { days: 3 }) });
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('shows a run just started as running among the recent runs, and as it ended once it ends', async () => {
    const { page, engine } = app;
    await page.getByRole('heading', { name: 'Recent runs' }).waitFor();
    const recent = (runId: number) => page.locator(`tr[data-run-id="${runId}"]`);
    // Big enough to still be running when the page looks; stopped below, once it was seen.
    const { runId } = await engine.start({ source: 'synthetic:seed=9,count=2000000', batchSize: 50, task: null });
    await page.getByTestId('running-now').locator(`[data-run-id="${runId}"]`).waitFor();
    await recent(runId).locator('.badge', { hasText: 'running' }).waitFor();
    const ended = new Promise<void>((resolve) => {
      const stop = engine.subscribe((event) => {
        if (event.type === 'run-finished' && event.runId === runId) {
          stop();
          resolve();
        }
      });
    });
    expect(await engine.cancel(runId, 'the test')).toBe(true);
    await ended;
    await expect.poll(() => recent(runId).locator('.badge').innerText()).not.toBe('running');
  });
});
