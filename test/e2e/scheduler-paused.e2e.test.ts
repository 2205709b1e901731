import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTask, Notifier, runTask, Scheduler } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/** What an operator does from the sqlite3 shell, beside the console's connection. */
async function outsideGatehouse(store: Store, statement: string): Promise<void> {
  await sql.raw(statement).execute(store.queries.db);
}

/**
 * A scheduler in another process pauses when its database loses a table for good: the console,
 * which shares nothing with that process but the database, says so on its tasks panel.
 */
describe.skipIf(executablePath === null)('a scheduler paused by a table dropped outside Gatehouse, in the console (browser mode)', () => {
  let app: ConsoleInBrowser;
  let pausedSince = '';

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: async () => undefined,
      prepare: async ({ store }) => {
        await addTask(store, { name: 'feed', cron: '* * * * *', source: 'synthetic:seed=7,count=5', allowFrequent: true }, new Date(Date.now() - 120_000), 'Ann');
        await outsideGatehouse(store, 'ALTER TABLE checkpoints RENAME TO checkpoints_set_aside');
        // The scheduler's notice goes through the database's throttle, as `gatehouse scheduler`'s does: the one record of the pause it leaves there.
        const notifier = new Notifier({ store, channels: [{ name: 'memory', send: async () => undefined }] });
        const scheduler = new Scheduler({ store, clock: () => new Date(), notifier, log: () => {}, runTask: (task, request) => runTask(store, task, {}, request) });
        const report = await scheduler.tick();
        expect(report.paused?.message).toContain('no table checkpoints');
        pausedSince = report.paused!.since;
      },
    });
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('says on the tasks panel since when and why, and no longer once the table is back', async () => {
    const { page } = app;
    await page.getByRole('link', { name: 'Settings' }).click();
    const paused = page.getByTestId('scheduler-paused');
    // The notice's time, to the second the scheduler took it; shown to the minute.
    const shown = pausedSince.slice(0, 16).replace('T', ' ');
    await expect.poll(() => paused.innerText()).toMatch(new RegExp(`^Scheduler paused since ${shown}: the database at .* is not all there \\(no table checkpoints\\): its schema, or a table of it, was dropped outside Gatehouse\\. No scheduled task starts until the database is whole again`));
    await app.shot('scheduler-paused');

    await outsideGatehouse(app.store, 'ALTER TABLE checkpoints_set_aside RENAME TO checkpoints');
    await page.reload();
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.locator('[data-task=feed]').count()).toBe(1);
    expect(await paused.count()).toBe(0);
  });
});
