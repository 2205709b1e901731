import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { toErrorPayload } from '../../shared/errors.js';
import { runCli } from '../helpers/cli.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();
const DAY_MS = 86_400_000;

/** A run stopped after its first batch, as "Stop after this batch" leaves one: interrupted, so `update --resume` takes it. */
async function recordInterruptedRun(store: Store): Promise<number> {
  const controller = new AbortController();
  const source = await openSource('synthetic:seed=68,count=60,offset=500000');
  const run = await runUpdate({ store, source, batchSize: 20, signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort() });
  expect(run.status).toBe('interrupted');
  return run.runId;
}

/** The API's refusal of a rollback, as the CLI and the console's dialog would get it. */
async function refusalOf(store: Store, target: { runId: number; batchSeq: number }): Promise<{ message: string; hint: string }> {
  const error = await rollback(store, { ...target, dryRun: true }).then(() => null, (failure: unknown) => failure);
  expect(error).toMatchObject({ code: 'CONFLICT' });
  // As the API sends it: the hint in the console's words, not the command line's.
  return toErrorPayload(error, 'console') as { message: string; hint: string };
}

async function openBatchOne(page: Page, runId: number): Promise<void> {
  await page.goto(`${new URL(page.url()).origin}/#/runs/${runId}`);
  // A change written straight to the store (not through this console) is read on a fresh load.
  await page.reload();
  await page.locator('.timeline-frame').focus();
  await page.keyboard.press('Home');
  await page.getByRole('button', { name: 'Roll back batch 1…' }).waitFor();
}

/**
 * The run page for support: the API refuses to roll back one batch of a run that can still be resumed (the resume would skip
 * the records the rollback undid); the run's page says so beside a disabled button instead of
 * offering a dialog that ends in that refusal (runs.get's rollbackRefusals, in the rollback's own
 * words). The whole run stays offered, and a finished run's batches too, until it is rolled back. A resumable run gives the command that resumes it (the console cannot); a rolled-back
 * run's stored reconciliation says it predates the rollback.
 */
describe.skipIf(executablePath === null)('Rolling back one batch from the run page (browser mode)', () => {
  let app: ConsoleInBrowser;
  let interrupted: number;
  let finished: number;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: (location) => seedDemoDatabase(location, { days: 3, now: new Date(Date.now() - DAY_MS) }),
      prepare: async ({ store }) => {
        finished = (await store.listRuns({ limit: 1 }))[0]!.runId;
        interrupted = await recordInterruptedRun(store);
      },
    });
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });

  it('does not offer one batch of a resumable run, saying why in the API\'s words, and still offers the whole run', async () => {
    const { page, store } = app;
    await openBatchOne(page, interrupted);
    expect(await page.getByRole('button', { name: 'Roll back batch 1…' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Roll back batch 1…' }).getAttribute('aria-describedby')).toBe('rollback-batch-refused');
    expect(await page.getByRole('button', { name: `Roll back run ${interrupted}…` }).isEnabled()).toBe(true);
    expect(await page.getByTestId('rollback-run-refused').count()).toBe(0);
    // The words are the API's own refusal of that very rollback.
    const refusal = await refusalOf(store, { runId: interrupted, batchSeq: 1 });
    expect(refusal.message).toMatch(/the run is interrupted and can still be resumed, and a resume skips what its batches did, so the records whose writes this rollback undid would never be read again; nothing was changed$/);
    expect(await page.getByTestId('rollback-batch-refused').textContent()).toBe(`${refusal.message.replace(/; nothing was changed$/, '')}. ${refusal.hint}`);
    await app.shot('rollback-batch-of-resumable-run');
  });

  it('offers one batch of a finished run, and no resume; the offered rollback previews without a refusal', async () => {
    const { page } = app;
    await openBatchOne(page, finished);
    expect(await page.getByRole('button', { name: 'Roll back batch 1…' }).isEnabled()).toBe(true);
    expect(await page.getByTestId('rollback-run-refused').count()).toBe(0);
    await page.getByRole('button', { name: 'Roll back batch 1…' }).click();
    await page.getByTestId('rollback-preview').waitFor();
    expect(await page.getByTestId('rollback-preview').textContent()).toMatch(new RegExp(`^dry run: rolling back batch 1 of run ${finished}:`));
    expect(await page.locator('[data-testid="rollback-dialog"] [role="alert"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByTestId('rollback-batch-refused').count()).toBe(0);
    expect(await page.getByTestId('run-resume').count()).toBe(0);
    expect(await page.getByTestId('reconciliation-before-rollback').count()).toBe(0);
  });

  it('says a rolled-back run\'s reconciliation was taken before the rollback, and offers neither the run nor its batch again', async () => {
    const { page, store } = app;
    await rollback(store, { runId: finished, reason: 'e2e: a bad feed', operator: 'e2e' });
    await openBatchOne(page, finished);
    await page.getByTestId('run-reconciliation').waitFor();
    expect(await page.getByTestId('reconciliation-before-rollback').textContent()).toMatch(/before it was rolled back: it describes what the run wrote, not what is stored now/);
    // Rolled back, neither the run nor its batch is offered again: the page says so, as the API would.
    expect(await page.getByRole('button', { name: `Roll back run ${finished}…` }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Roll back batch 1…' }).isDisabled()).toBe(true);
    const again = await rollback(store, { runId: finished, dryRun: true });
    expect(again.nothingToDo).toBe(true);
    expect(await page.getByTestId('rollback-run-refused').textContent()).toMatch(new RegExp(`^${again.message}\\. `));
    expect(await page.getByTestId('rollback-batch-refused').textContent()).toMatch(new RegExp(`^batch 1 of run ${finished} was already rolled back; nothing to do\\. `));
  });

  it('gives the command that resumes an interrupted run, and that command resumes it', async () => {
    const { page, store, location } = app;
    await openBatchOne(page, interrupted);
    const command = (await page.getByTestId('run-resume').locator('code').textContent())!;
    const parsed = /^gatehouse update --resume (\d+) --source '([^']+)'$/.exec(command);
    expect(parsed?.slice(1)).toEqual([String(interrupted), 'synthetic:seed=68,count=60,offset=500000']);
    const resumed = runCli(['update', '--resume', parsed![1]!, '--source', parsed![2]!, '--db', location, '--no-snapshot', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await store.getRun(interrupted))?.status).toBe('success');
    await openBatchOne(page, interrupted);
    await page.locator('.run-header .badge', { hasText: /success/i }).waitFor();
    expect(await page.getByTestId('run-resume').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Roll back batch 1…' }).isEnabled()).toBe(true);
  });
});
