import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTask, requireTask, runTask, Scheduler } from '../../main/scheduler/index.js';
import { startCli } from '../helpers/cli.js';
import { hearingRecords } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { consoleBackends, openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();
const backends = executablePath === null ? [] : await consoleBackends();
const FIVE_MINUTES = 5 * 60_000;

/**
 * The Settings page open while a task runs in another process (`gatehouse tasks run`, a
 * `gatehouse scheduler`): the tasks table reads the task again when that run ends, as the Runs and
 * Overview pages do, so it does not go on saying the task is backing off, or naming an older run
 * as its last, after a run that worked.
 */
describe.skipIf(executablePath === null).each(backends)('the tasks table after a task ran in another process (browser mode, $name)', ({ backend }) => {
  let app: ConsoleInBrowser;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-task-feed-'));
  const source = path.join(folder, 'hearings.ndjson');

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      ...(backend ? { backend } : {}),
      seed: async () => undefined,
      prepare: async ({ store }) => {
        // Two failures in a row (its file is missing) at the last two five-minute times: backing off.
        const last = Math.floor(Date.now() / FIVE_MINUTES) * FIVE_MINUTES;
        let now = new Date(last - FIVE_MINUTES + 1_000);
        await addTask(store, { name: 'feed', cron: '*/5 * * * *', source: `file:${source}` }, new Date(last - 2 * FIVE_MINUTES), 'Ann');
        const scheduler = new Scheduler({ store, clock: () => now, log: () => {}, runTask: (task, request) => runTask(store, task, {}, request) });
        expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'failed' }]);
        now = new Date(last + 1_000);
        expect((await scheduler.tick()).entries).toMatchObject([{ outcome: 'failed' }]);
        expect((await requireTask(store, 'feed')).retryAt).not.toBeNull();
      },
    });
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('drops the backoff line and names the new run once `gatehouse tasks run` ends it', async () => {
    const { page } = app;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const row = page.locator('[data-task=feed]');
    await row.getByTestId('task-backoff').waitFor();
    const before = await row.innerText();

    // The file is there now; someone runs the task from a terminal.
    fs.writeFileSync(source, `${hearingRecords(5).map((record) => JSON.stringify(record)).join('\n')}\n`);
    const cli = startCli(['tasks', 'run', 'feed', '--db', app.location]);
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const { lastRunId } = await requireTask(app.store, 'feed');
    expect(lastRunId).not.toBeNull();
    expect(before).not.toContain(`run ${lastRunId}`);

    await row.getByRole('link', { name: `run ${lastRunId}` }).waitFor();
    expect(await row.getByTestId('task-backoff').count()).toBe(0);
  });
});
