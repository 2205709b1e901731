import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { openStore } from '../../main/store/index.js';
import { runTrials, stagingTargetFor } from '../../main/trials/index.js';
import type { LedgerSummaryView } from '../../shared/api-validation.js';
import { data } from '../helpers/console-http.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * The Trials page reads a period as `gatehouse report trial --since` and the API's trials.summary do:
 * a ledger of a control run judged now and a drop caught in 2020 shows both, then with Since 2021-01-01
 * only the control, in its rates, its list and its report alike; a since after now is refused, said plainly.
 */
describe.skipIf(executablePath === null)('the Trials page ledger read since a date (browser mode)', () => {
  let app: ConsoleInBrowser;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: async (location) => {
        await seedDemoDatabase(location, { days: 28 });
        const staging = stagingTargetFor(location);
        await runTrials({ source: location, staging, injections: [], controls: 1, operator: 'Ana' });
        const ledger = await openStore(staging);
        try {
          await ledger.trials.record({ session: 'old', at: '2020-06-01T10:00:00.000Z', source: 'old.db', label: 'drop:0.1', kind: 'drop', level: 'run', magnitude: 0.1, runId: null, caught: true, caughtBy: ['validator:near-zero-volume'], verdict: 'anomalous', detail: null });
        } finally {
          await ledger.close();
        }
      },
    });
  }, 300_000);

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('shows the rates, the list and the report of the period asked for, the API\'s numbers, and refuses a since after now', async () => {
    const { page } = app;
    await page.getByRole('link', { name: 'Trials' }).click();
    const kinds = page.getByTestId('ledger-by-kind').locator('tbody tr');
    const listed = page.getByTestId('ledger-trials').locator('tbody tr');
    await expect.poll(() => kinds.count()).toBe(2);
    await expect.poll(() => listed.count()).toBe(2);

    const period = page.getByRole('form', { name: 'Ledger filter' });
    await period.locator('input[name=ledger-since]').fill('2021-01-01');
    await period.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByTestId('ledger-period').innerText()).toBe('Trials recorded since 2021-01-01: the rates, the list and the report below.');
    await expect.poll(() => kinds.count()).toBe(1);
    await expect.poll(() => listed.count()).toBe(1);
    expect(await kinds.first().locator('td').first().innerText()).toBe('control');
    const api = await data<LedgerSummaryView>(app.server, 'trials.summary', { since: '2021-01-01' }, { Authorization: `Bearer ${app.server.apiToken}` });
    expect(api).toMatchObject({ trials: 1, injected: 0, controls: 1 });
    await expect.poll(() => page.locator('.card-label').nth(0).innerText()).toContain('no anomaly injected yet (n = 0)');

    await page.getByRole('button', { name: 'Show report' }).click();
    await expect.poll(() => page.getByLabel('Report text').innerText()).toContain('Period: 2021-01-01T00:00:00.000Z');

    await period.locator('input[name=ledger-since]').fill('2999-01-01');
    await period.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'since: "2999-01-01" is after now' }).count()).toBeGreaterThan(0);
    // No list of the period before under the refusal, and no "Try again" that could only repeat it.
    await expect.poll(() => page.getByTestId('ledger-trials').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    expect(await page.getByTestId('ledger-period').innerText()).toBe('That filter was refused: no rates or trials are shown for it.');
    await app.shot('trials-since');
  });
});
