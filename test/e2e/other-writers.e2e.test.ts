import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../main/store/index.js';
import { startCli } from '../helpers/cli.js';
import { hearingRecords } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * The console on `gatehouse serve` while the CLI writes the same database: those runs are not on
 * the server's event stream, yet the operator watching the Runs page sees them start, commit
 * batches and end without reloading the page.
 */
describe.skipIf(executablePath === null)('runs the CLI writes, seen in the console (browser mode)', () => {
  let app: ConsoleInBrowser;
  let store: Store;
  let page: Page;
  let source: string;
  const children: ReturnType<typeof startCli>['child'][] = [];

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: async () => undefined });
    ({ store, page } = app);
    source = path.join(app.folder, 'hearings.ndjson');
    fs.writeFileSync(source, `${hearingRecords(100, 700000).map((record) => JSON.stringify(record)).join('\n')}\n`);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  function update(extra: string[], env: Record<string, string> = {}) {
    const started = startCli(['update', '--db', app.location, '--source', `file:${source}`, '--batch-size', '20', '--no-snapshot', '--json', ...extra], env);
    children.push(started.child);
    return started;
  }

  const rowOf = (runId: number) => page.locator(`[data-testid="runs-table"] tr[data-run-id="${runId}"]`);

  it('shows a CLI run in the list and its committed batches while it writes, and its end when it ends', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('runs-empty').waitFor();

    // Batch 1 (records 0–19) commits; the write of record 30, in batch 2, never returns.
    const held = update([], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_HANG_WRITE: '700030' });
    await rowOf(1).locator('.badge', { hasText: 'running' }).waitFor();
    await rowOf(1).getByRole('link', { name: 'Run 1' }).click();
    await page.getByRole('heading', { name: /^Batches \(1\)$/ }).waitFor();
    await page.getByRole('button', { name: 'Roll back run 1…' }).and(page.locator(':disabled')).waitFor();

    held.child.kill('SIGKILL');
    await held.done;
    const resumed = update(['--resume', '1']);
    expect((await resumed.done).code).toBe(0);
    const run = (await store.listRuns({ limit: 1 }))[0]!;
    expect(run).toMatchObject({ status: 'success', metrics: { fetched: 100 } });
    await page.locator('.run-header .badge', { hasText: 'success' }).waitFor();
    await page.getByRole('heading', { name: `Batches (${run.batches.total})` }).waitFor();
    await page.getByRole('button', { name: 'Roll back run 1…' }).and(page.locator(':enabled')).waitFor();
    await rowOf(run.runId).locator('.badge', { hasText: 'success' }).waitFor();
  });

  it('lists two runs the CLI started one after the other while the page was open', async () => {
    const first = update([]);
    expect((await first.done).code).toBe(0);
    const second = update([]);
    expect((await second.done).code).toBe(0);
    const newest = await store.listRuns({ limit: 2 });
    expect(newest).toHaveLength(2);
    for (const run of newest) await rowOf(run.runId).locator('.badge', { hasText: 'success' }).waitFor();
  });

  it('previews a rollback while a CLI run is inside its write transaction, and stays usable', async () => {
    const fresh = path.join(app.folder, 'fresh.ndjson');
    fs.writeFileSync(fresh, `${hearingRecords(100, 800000).map((record) => JSON.stringify(record)).join('\n')}\n`);
    // An update inside its write transaction for as long as the test needs: its write of record 30 never returns.
    const held = startCli(['update', '--db', app.location, '--source', `file:${fresh}`, '--batch-size', '20', '--no-snapshot'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_HANG_WRITE: '800030' });
    children.push(held.child);
    const heldRunId = (await store.listRuns({ limit: 1 }))[0]!.runId + 1;
    await rowOf(heldRunId).locator('.badge', { hasText: 'running' }).waitFor();

    await rowOf(1).getByRole('link', { name: 'Run 1' }).click();
    await page.getByRole('button', { name: 'Roll back run 1…' }).click();
    const dialog = page.getByTestId('rollback-dialog');
    // The preview reads beside the update's open transaction (it used to hold one of its own and be refused).
    await dialog.getByTestId('rollback-preview').waitFor({ timeout: 60_000 });
    expect(await dialog.getByTestId('rollback-preview').textContent()).toMatch(/^dry run: rolling back run 1:/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Flags', exact: true }).click();
    await page.getByTestId('flags-table').waitFor();

    held.child.kill('SIGKILL');
    await held.done;
  });
});
