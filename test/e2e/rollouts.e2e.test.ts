import type { Page } from 'playwright-core';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluateFlag, setFlag } from '../../main/flags/index.js';
import { abortRollout, rolloutLedger, startRollout } from '../../main/rollouts/index.js';
import { addTask } from '../../main/scheduler/index.js';
import { rolloutStartInputSchema } from '../../shared/api-rollouts.js';
import { openStore } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/api.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

const SOURCES: Record<string, string> = {
  'house-feed': 'synthetic:seed=2,count=60',
  'senate-feed': 'synthetic:seed=3,count=60',
  // The canary's source starts producing records no rule accepts: a quarantine surge.
  'canary-feed': 'synthetic:seed=1,count=60,invalid=bad-enum:0.4',
};

/** Three scheduled tasks on the Phase 2.2 baseline (batch processing off). */
async function seedTasks(location: string): Promise<void> {
  const store = await openStore(location);
  try {
    for (const [name, source] of Object.entries(SOURCES)) await addTask(store, { name, cron: '0 6 * * *', source });
    const setUp = { operator: 'e2e-setup', reason: 'Phase 2.2 baseline' };
    await setFlag(store, { ...setUp, flag: 'ENABLE_BATCH_PROCESSING', value: false });
    await setFlag(store, { ...setUp, flag: 'ENABLE_SNAPSHOTS', value: false });
  } finally {
    await store.close();
  }
}

describe.skipIf(executablePath === null)('guarded rollouts in Chromium (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: seedTasks, viewport: { width: 1400, height: 1100 } });
    ({ page } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function runTask(task: string): Promise<void> {
    const finished = new Promise<void>((resolve) => {
      const stop = app.engine.subscribe((event: RunEvent) => {
        if (event.type !== 'run-finished') return;
        stop();
        resolve();
      });
    });
    await app.engine.start({ source: SOURCES[task]!, task });
    await finished;
    // run-finished comes just before the engine lets go of the writer lock; the next run waits for it.
    await vi.waitFor(async () => {
      const attempt = await app.store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
      if (!attempt.acquired) throw new Error('the run still holds the lock');
      await app.store.releaseWriterLock();
    });
  }

  it('starts a rollout from the console: the canary task gets the flag, the others keep the baseline', async () => {
    await page.getByRole('link', { name: 'Rollouts' }).click();
    const form = page.getByRole('form', { name: 'Start a rollout' });
    await form.waitFor();
    await form.locator('select[name=flag]').selectOption('ENABLE_BATCH_PROCESSING');
    await form.locator('select[name=value]').selectOption('true');
    await form.locator('select[name=canaryTask]').selectOption('canary-feed');
    await form.locator('input[name=window-canary]').fill('1');
    await form.locator('input[name=min-runs-canary]').fill('2');
    await form.locator('textarea[name=reason]').fill('Phase 2.3: batch processing on one task first');
    await form.getByRole('button', { name: 'Start rollout' }).click();
    const prompt = page.getByTestId('operator-prompt');
    await prompt.locator('input[name=session-operator]').fill('e2e-operator');
    await prompt.getByRole('button', { name: 'Save name' }).click();
    await page.getByTestId('rollout-state').filter({ hasText: 'active' }).waitFor();
    await expect.poll(() => page.getByTestId('rollout-applied').textContent()).toBe('ENABLE_BATCH_PROCESSING @ task:canary-feed');
    await expect.poll(() => page.locator('[data-testid=rollout-ledger] tr[data-kind=start]').textContent()).toContain('e2e-operator');
    expect((await evaluateFlag(app.store, 'ENABLE_BATCH_PROCESSING', { task: 'canary-feed' })).value).toBe(true);
    expect((await evaluateFlag(app.store, 'ENABLE_BATCH_PROCESSING', { task: 'house-feed' })).value).toBe(false);
    await app.shot('rollout-started');
  });

  it('watches the first canary run with a quarantine surge pause the rollout and revert the flag, and shows why on readable tiles', async () => {
    // Watches the rollout the test before started, on the Rollouts page it left open.
    await page.getByTestId('rollout-state').filter({ hasText: 'active' }).waitFor();
    for (const task of ['house-feed', 'senate-feed', 'canary-feed']) await runTask(task);
    await page.getByTestId('rollout-state').filter({ hasText: 'paused' }).waitFor({ timeout: 30_000 });
    const breach = page.locator('[data-testid=rollout-ledger] tr[data-kind=breach]');
    await expect.poll(() => breach.textContent()).toContain('gatehouse-guardrail');
    await expect.poll(() => breach.textContent()).toContain('quarantine-rate');
    await expect.poll(() => page.getByTestId('rollout-applied').textContent()).toBe('nothing');
    expect((await evaluateFlag(app.store, 'ENABLE_BATCH_PROCESSING', { task: 'canary-feed' })).value).toBe(false);

    const tiles = page.locator('[data-testid=guardrail-tiles] .guardrail');
    await expect.poll(() => tiles.count()).toBe(5);
    const surge = page.locator('.guardrail[data-guardrail=quarantine-rate]');
    await expect.poll(() => surge.getByTestId('guardrail-status').textContent()).toBe('breach');
    await expect.poll(() => surge.getByTestId('guardrail-difference').textContent()).toMatch(/^\d+\.\d pts$/);
    await expect.poll(() => surge.getByTestId('guardrail-interval').textContent()).toMatch(/interval \d+\.\d pts to \d+\.\d pts; limit 1\.0 pts/);
    await expect.poll(() => surge.locator('svg[role=img]').getAttribute('aria-label')).toMatch(/Quarantine rate over \d+ checks/);
    const time = page.locator('.guardrail[data-guardrail=per-record-time]');
    await expect.poll(() => time.getByTestId('guardrail-interval').textContent()).toContain('limit 10.0 %');
    await page.getByRole('button', { name: 'Proceed: resume this stage' }).waitFor({ state: 'visible' });
    await app.shot('rollout-breach');
    expect(app.pageErrors).toEqual([]);
  });

  it('warns that the canary has no control once every control task runs its values, naming who set them, and promotes only with the operator\'s reason why', async () => {
    const [paused] = await rolloutLedger(app.store).list({ states: ['paused'], limit: 1 });
    await abortRollout(app.store, { rolloutId: paused!.id, reason: 'quarantine surge' }, { operator: 'e2e-operator', now: new Date() });
    const input = rolloutStartInputSchema.parse({ name: 'batching, again', flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: true }], canaryTask: 'canary-feed', stages: [{ stage: 'canary', windowHours: 1, minRuns: 2 }, { stage: 'all', windowHours: 1, minRuns: 2 }], reason: 'second try' });
    await startRollout(app.store, input, { operator: 'e2e-operator', now: new Date() });
    await page.getByTestId('rollout-state').filter({ hasText: 'active' }).waitFor();
    await expect.poll(() => page.getByTestId('rollout-no-control').count()).toBe(0);

    await setFlag(app.store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, operator: 'ops-bob', reason: 'try it everywhere' });
    await runTask('house-feed');
    const alert = page.getByTestId('rollout-no-control');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toMatch(/^No control: every control task \(house-feed, senate-feed\) now runs the canary's values \(ENABLE_BATCH_PROCESSING \[global\] set to true by ops-bob at .* \(try it everywhere\)\)/);

    const decide = page.getByRole('form', { name: 'Decide' });
    await decide.locator('textarea[name=decision-reason]').fill('canary looks fine');
    const proceed = decide.getByRole('button', { name: 'Proceed to all, without a control' });
    expect(await proceed.isDisabled()).toBe(true);
    await decide.locator('textarea[name=without-control-reason]').fill('inert on these feeds');
    await proceed.click();
    await page.locator('[data-testid=stage-timeline] li[aria-current=step]').filter({ hasText: 'all' }).waitFor();
    await expect.poll(() => page.locator('[data-testid=rollout-ledger] tr[data-kind=promote]').textContent()).toContain('promoted without a control: inert on these feeds');
    await app.shot('rollout-no-control-promoted');
    expect(app.pageErrors).toEqual([]);
  });
});
