import { describe, expect, it } from 'vitest';
import { setFlag } from '../../main/flags/index.js';
import { addTask } from '../../main/scheduler/index.js';
import { emptyBatchCounts } from '../../shared/run.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests } from './console-in-browser.js';

const executablePath = findChromium();
const TASK = `nightly-${'x'.repeat(190)}`;
const SOURCE = `file:/data/${'very-long-folder-name/'.repeat(80)}hearings.ndjson`;
const ERROR = `SOURCE_UNREADABLE:${'E'.repeat(600)}`;

/** Names and messages people do not choose short — a deep path, a generated task name, a stack-trace-like error — keep the page as wide as the window. */
describe.skipIf(executablePath === null)('very long names in the console (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: async () => undefined,
    prepare: async ({ store }) => {
      const startedAt = new Date().toISOString();
      const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: TASK, source: SOURCE, startedAt, pid: 1, host: 'e2e', flags: {}, resumedFrom: null });
      const metrics = { fetched: 1, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 };
      await store.finishRun(runId, { status: 'failed', finishedAt: startedAt, metrics, batchCounts: emptyBatchCounts(), validation: null, error: ERROR });
      await setFlag(store, { flag: 'BATCH_SIZE', value: 40, operator: 'Ada', reason: `ticket-${'R'.repeat(400)}` });
      // Task names stop at 64 characters; a task's source, a path with no hyphen to break at, does not.
      await addTask(store, { name: `generated-${'y'.repeat(54)}`, cron: '0 7 * * *', source: `file:/data/${'exports/'.repeat(40)}bills.ndjson` }, new Date(), 'Ada');
    },
  }));

  const pageWidth = () => opened().page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: document.documentElement.clientWidth }));

  it('wraps a long source, task name and error on the run page instead of widening it', async () => {
    const app = opened();
    await app.page.getByRole('link', { name: 'Runs', exact: true }).click();
    await app.page.getByRole('link', { name: 'Run 1', exact: true }).click();
    await app.page.locator('.run-detail .form-error', { hasText: 'SOURCE_UNREADABLE' }).waitFor();
    await app.page.locator('.run-header', { hasText: 'hearings.ndjson' }).waitFor();
    const { scroll, window } = await pageWidth();
    expect(scroll).toBeLessThanOrEqual(window);
  });

  it('wraps a long task source and name on the tasks panel instead of widening the page', async () => {
    const app = opened();
    await app.page.getByRole('link', { name: 'Settings', exact: true }).click();
    await app.page.locator('[data-task^="generated-"]').waitFor();
    const { scroll, window } = await pageWidth();
    expect(scroll).toBeLessThanOrEqual(window);
  });

  it('keeps the Flags page within the window with a long reason in the audit history', async () => {
    const app = opened();
    await app.page.getByRole('link', { name: 'Flags', exact: true }).click();
    await app.page.getByTestId('flag-history').getByText('ticket-', { exact: false }).waitFor();
    const { scroll, window } = await pageWidth();
    expect(scroll).toBeLessThanOrEqual(window);
  });
});
