import { describe, expect, it } from 'vitest';
import { addTask } from '../../main/scheduler/index.js';
import { anomalyOf, insertRuns } from '../../bench/long-history.js';
import { findChromium } from './chromium.js';
import { consoleBackends, consoleForTheseTests, seedStore } from './console-in-browser.js';

const executablePath = findChromium();
const backends = executablePath === null ? [] : await consoleBackends();
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/**
 * One database, one reading, wherever the console shows it: the Overview's open anomalies are the
 * History list's (an old change nobody reviewed included), and the Runs list can be filtered by a
 * task that has runs but is no longer scheduled, a filter a reload keeps. On SQLite and PostgreSQL.
 */
describe.skipIf(executablePath === null).each(backends)('the console reads one database one way ($name)', ({ backend }) => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    ...(backend ? { backend } : {}),
    seed: seedStore(async (store) => {
      await insertRuns(store, [
        { startedAt: daysAgo(70), task: 'nightly-old' },
        // A change raised two months ago, still open: outside the Overview's 30 days.
        { startedAt: daysAgo(60), task: 'nightly-old', anomalies: [anomalyOf('fetched:down:old')] },
        { startedAt: daysAgo(5), anomalies: [anomalyOf('one-off-recent')] },
        { startedAt: daysAgo(1) },
      ]);
      await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=10' });
    }),
  }));

  it('shows the same number of open anomalies on the Overview and on History', async () => {
    const app = opened();
    const { page } = app;
    await page.getByTestId('open-anomalies').filter({ hasText: '2' }).waitFor();
    await page.getByRole('link', { name: 'review them' }).click();
    await page.getByTestId('open-anomaly-count').filter({ hasText: '2 open' }).waitFor();
    await page.getByTestId('anomalies-panel').getByText('Select all visible open (2)').waitFor();
  });

  it('filters the Runs list by a task that has runs but no schedule, and keeps the filter on reload', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const taskFilter = page.locator('select[name=filter-task]');
    await taskFilter.locator('option[value="nightly-old"]').waitFor({ state: 'attached' });
    expect(await taskFilter.locator('option').allTextContents()).toEqual(['any', '(by hand)', 'daily', 'nightly-old']);
    await taskFilter.selectOption('nightly-old');
    const rows = page.locator('[data-testid=runs-table] tbody tr[data-run-id]');
    await expect.poll(() => rows.count()).toBe(2);
    await page.reload();
    await expect.poll(() => taskFilter.inputValue()).toBe('nightly-old');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.allTextContents()).toEqual([expect.stringContaining('nightly-old'), expect.stringContaining('nightly-old')]);
  });
});
