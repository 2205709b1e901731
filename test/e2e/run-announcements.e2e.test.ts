import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { setFlag } from '../../main/flags/index.js';
import { FIRST_SYNTHETIC_EVENT_ID as FIRST_EVENT_ID } from '../../main/sources/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, nameSessionUnlessNamed, seedStore } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * An operator with a screen reader starts a run and waits on its page: when a batch fails (the
 * database refuses every record of the second batch), the page's alert region says so in words,
 * and when the run ends its status region says how. Both regions are in the page before the news,
 * as a live region must be for the news to be read out.
 */
describe.skipIf(executablePath === null)('a run\'s news read out to a screen reader (browser mode)', () => {
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: seedStore(async (store) => {
      await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, operator: 'e2e-setup', reason: 'batches of 50: the second one is the refused one' });
      // Records 50–99 of the synthetic source: the whole second batch, refused as a constraint would refuse it.
      await sql`CREATE TRIGGER refuse_second_batch BEFORE INSERT ON hearings WHEN CAST(NEW.event_id AS INTEGER) BETWEEN ${sql.lit(FIRST_EVENT_ID + 50)} AND ${sql.lit(FIRST_EVENT_ID + 99)} BEGIN SELECT RAISE(ABORT, 'e2e: refused by trigger'); END`.execute(store.queries.db);
    }),
  }));

  it('alerts that batch 2 failed, naming the database\'s refusal, then says the run ended partial', async () => {
    const app = opened();
    const { page } = app;
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator('input[name=source]').fill('synthetic:seed=77,count=150');
    await page.locator('input[name=batchSize]').fill('50');
    // Starting a run is recorded under the session's operator: named first, so Enter starts it at once.
    await nameSessionUnlessNamed(page, 'e2e-operator');
    await page.getByRole('button', { name: 'Start run' }).press('Enter');
    await page.waitForURL(/#\/runs\/\d+$/);
    const runId = Number(/(\d+)$/.exec(page.url())![1]);

    const alert = page.getByRole('alert').and(page.getByTestId('run-batch-alert'));
    await expect.poll(() => alert.textContent(), { timeout: 60_000 }).toMatch(/^Batch 2 failed: 0 of 50 records written, 50 quarantined \(.*e2e: refused by trigger/);
    const ended = page.getByRole('status').and(page.getByTestId('run-ended-note'));
    await expect.poll(() => ended.textContent(), { timeout: 60_000 }).toBe(`Run ${runId} ended partial: 100 added, 0 updated, 50 quarantined; 1 of 3 batches failed.`);
    const stored = await app.store.getRun(runId);
    expect(stored?.status).toBe('partial');
  });
});
