import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagStore, setFlag } from '../../main/flags/index.js';
import { stagingCopyTarget } from '../../main/store/index.js';
import { stagingTargetFor } from '../../main/trials/index.js';
import { counted } from '../../shared/plural.js';
import { availablePostgresBackend, dropSchemas } from '../helpers/postgres.js';
import { findChromium } from './chromium.js';
import { nameSessionUnlessNamed, openConsoleInBrowser, seedStore, startRunFromConsole, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();
const postgres = executablePath === null ? null : await availablePostgresBackend();

/**
 * A team's console: `gatehouse serve --db postgres://…` (runs in worker threads) in Chromium. One
 * run started here is watched to its end, its quarantine read, a batch and then the run rolled
 * back from their previews; a flag killed and un-killed; a snapshot taken and restored.
 */
describe.skipIf(postgres === null)('the console on PostgreSQL (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let runId: number;

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      backend: postgres!,
      worker: true,
      // Batches of exactly 50: six of them for the run below.
      seed: seedStore((store) => setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, operator: 'e2e-setup', reason: 'one batch size for the whole run' }).then(() => undefined)),
    });
    page = app.page;
    await nameSessionUnlessNamed(page, 'e2e-team');
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    // The trials' staging copy (`<schema>_staging`), and the schema it is built in should a copy fail.
    if (app) {
      const staging = stagingTargetFor(app.location);
      await dropSchemas([staging, stagingCopyTarget(staging)].map((location) => new URL(location).searchParams.get('schema')!));
    }
    await app?.close();
  });

  const header = () => page.locator('.run-header .badge');

  it('starts a run from the Runs page, shows it live to its end, and lists what it quarantined', async () => {
    runId = await startRunFromConsole(page, { source: 'synthetic:seed=5,count=300,invalid=bad-date:0.05', batchSize: 50 });
    await header().filter({ hasText: /success|partial|held/ }).waitFor({ timeout: 60_000 });
    const run = (await app.store.getRun(runId))!;
    expect(run.metrics.fetched).toBe(300);
    expect(run.metrics.quarantined).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.batch-timeline').getAttribute('data-total')).toBe('6');
    await expect.poll(() => page.locator('dl.metrics').textContent()).toContain(`Quarantined${run.metrics.quarantined}`);
    // The runs list beside it has the run, ended.
    const row = page.locator(`[data-testid=runs-table] tr[data-run-id="${runId}"]`);
    await row.getByText(run.status).waitFor();

    // The quarantine of the batches, read page by page from the server, adds up to the run's.
    const timeline = page.locator('.timeline-frame');
    let listed = 0;
    await timeline.press('Home');
    for (let seq = 1; seq <= 6; seq++) {
      if (seq > 1) await timeline.press('ArrowRight');
      await expect.poll(() => page.locator('.batch-timeline').getAttribute('data-selected')).toBe(String(seq));
      const batch = page.getByRole('region', { name: `Batch ${seq}` });
      const quarantined = Number(/(\d+) quarantined/.exec((await batch.locator('p').first().textContent())!)![1]);
      if (quarantined > 0) await expect.poll(() => batch.locator('tbody tr').count()).toBe(quarantined);
      listed += quarantined;
    }
    expect(listed).toBe(run.metrics.quarantined);
    await app.shot('postgres-run-quarantine');
  });

  it('rolls back a batch, then the rest of the run, each from its preview', async () => {
    const panel = page.getByRole('region', { name: 'Roll back' });
    await page.locator('.timeline-frame').press('End');
    await panel.getByRole('button', { name: 'Roll back batch 6…' }).click();
    let dialog = page.getByTestId('rollback-dialog');
    await expect.poll(() => dialog.getByTestId('rollback-preview').textContent()).toMatch(/batch 6/);
    await dialog.locator('input[name=confirm-run-id]').fill(String(runId));
    await dialog.locator('textarea[name=rollback-reason]').fill('e2e: the last batch came from a bad page');
    await dialog.getByRole('button', { name: `Roll back batch 6 of run ${runId}` }).click();
    await page.getByTestId('rollback-result').waitFor();
    await page.getByTestId('rollback-events').locator('tbody tr', { hasText: 'batch 6' }).waitFor();

    await panel.getByRole('button', { name: `Roll back run ${runId}…` }).click();
    dialog = page.getByTestId('rollback-dialog');
    await dialog.getByTestId('rollback-preview').waitFor();
    await dialog.locator('input[name=confirm-run-id]').fill(String(runId));
    await dialog.locator('textarea[name=rollback-reason]').fill('e2e: the whole feed was wrong');
    await dialog.getByRole('button', { name: `Roll back run ${runId}` }).click();
    await header().filter({ hasText: 'rolled back' }).waitFor();
    expect((await app.store.getRun(runId))!.status).toBe('rolled_back');
    expect(await app.store.countHearings()).toBe(0);
  });

  it('kills a flag for every run and removes the kill', async () => {
    await page.getByRole('link', { name: 'Flags', exact: true }).click();
    const flag = page.locator('[data-flag=ENABLE_SNAPSHOTS]');
    await flag.getByRole('button', { name: 'Change…' }).click();
    let editor = page.getByRole('form', { name: 'Change ENABLE_SNAPSHOTS' });
    await editor.locator('select[name=scope]').selectOption('kill');
    await editor.getByTestId('kill-note').waitFor();
    await editor.locator('textarea[name=reason]').fill('e2e: the snapshot disk is full');
    await editor.getByRole('button', { name: 'Save for kill' }).click();
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => flag.textContent()).toContain('kill = off by e2e-team');

    await flag.getByRole('button', { name: 'Change…' }).click();
    editor = page.getByRole('form', { name: 'Change ENABLE_SNAPSHOTS' });
    await editor.getByTestId('killed-at').waitFor();
    await editor.locator('select[name=scope]').selectOption('kill');
    await editor.locator('textarea[name=reason]').fill('e2e: disk cleared');
    await editor.getByRole('button', { name: 'Remove the kill value' }).click();
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => flag.textContent()).not.toContain('kill =');
    const history = await flagStore(app.store).history({ flag: 'ENABLE_SNAPSHOTS' });
    expect(history.map((event) => [event.scope, event.actor, event.newJson])).toEqual([['kill', 'e2e-team', null], ['kill', 'e2e-team', 'false']]);
  });

  it('says on the Backups page that its snapshots are schemas on the same server, takes one and restores it', async () => {
    await page.getByRole('link', { name: 'Backups', exact: true }).click();
    const onServer = page.getByTestId('backups-on-server');
    await expect.poll(() => onServer.textContent()).toMatch(/a snapshot is a schema on the same server, not a file/);
    // The run above took one before it (the day's first run): a schema beside this database's.
    const before = (await app.store.snapshots.list()).length;
    expect(before).toBe(1);
    const schemas = (n: number) => new RegExp(`^[\\d.]+ (KB|MB) in ${counted(n, 'schema')}$`);
    await expect.poll(() => page.getByTestId('snapshot-bytes').textContent()).toMatch(schemas(before));
    expect(await page.getByTestId('database-bytes').textContent()).toBe('on the PostgreSQL server (not measured here)');
    await expect.poll(() => page.getByTestId('snapshot-cost').textContent()).toMatch(/about [\d.]+ KB per run/);

    await page.getByRole('button', { name: 'Take a snapshot now' }).click();
    const message = page.getByTestId('backups-message');
    await expect.poll(() => message.textContent()).toMatch(/^Snapshot \S+ taken: [\d.]+ (B|KB|MB), integrity ok\.$/);
    const snapshotId = /^Snapshot (\S+) taken/.exec((await message.textContent())!)![1]!;
    await expect.poll(() => page.getByTestId('snapshot-bytes').textContent()).toMatch(schemas(before + 1));

    await page.getByRole('button', { name: `Restore… snapshot ${snapshotId}` }).click();
    const dialog = page.getByTestId('restore-dialog');
    await dialog.locator('input[name=confirm-snapshot-id]').fill(snapshotId);
    await dialog.locator('textarea[name=restore-reason]').fill('e2e: back to before the bad morning');
    await dialog.getByRole('button', { name: 'Restore this snapshot' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => message.textContent()).toContain(snapshotId);
    // The safety snapshot taken first joins the list.
    await expect.poll(() => page.getByTestId('snapshot-bytes').textContent()).toMatch(schemas(before + 2));
    await app.shot('postgres-backups-restored');
  });

  it('goes from a restore attempt to the row of the snapshot it restored, by keyboard', async () => {
    const attempt = page.getByTestId('attempts-table').locator('tbody tr', { hasText: 'a restore of snapshot' });
    const snapshotId = /a restore of snapshot (\S+)/.exec((await attempt.textContent())!)![1]!;
    const link = attempt.getByRole('link', { name: `Snapshot ${snapshotId}: its row in the snapshot list` });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/backups\\?snapshot=${snapshotId}$`));
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-snapshot') === id, snapshotId);
    expect(await page.locator(`tr[data-snapshot="${snapshotId}"]`).getAttribute('aria-current')).toBe('location');
    expect(await page.getByTestId('snapshot-not-listed').count()).toBe(0);

    // A snapshot retention removed since: the page says so instead of pointing nowhere.
    await page.goto(`${new URL(page.url()).origin}/#/backups?snapshot=20260101T000000000Z-abcdef`);
    await expect.poll(() => page.getByTestId('snapshot-not-listed').textContent()).toMatch(/^Snapshot 20260101T000000000Z-abcdef is not listed any more/);
  });

  it('runs a small trial on a staging schema of its own, the kinds\' meanings shown to the keyboard', async () => {
    await page.getByRole('link', { name: 'Trials', exact: true }).click();
    const form = page.getByRole('form', { name: 'New trial' });
    const schema = new URL(app.location).searchParams.get('schema')!;
    expect(await form.locator('input[name=staging]').getAttribute('placeholder')).toBe(`${schema}_staging`);
    const kind = form.locator('input[name=kind-bad-date]');
    await kind.focus();
    const meaning = form.locator('#meaning-bad-date');
    await expect.poll(async () => (await meaning.boundingBox())?.width ?? 0).toBeGreaterThan(50);
    await page.keyboard.press('Space');
    await form.locator('input[name=controls]').fill('0');
    await form.getByRole('button', { name: 'Run trials' }).click();
    const summary = page.getByTestId('job-summary');
    await summary.waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('trial-job').textContent()).toContain(`staging schema ${schema}_staging`);
    await expect.poll(() => summary.textContent()).toMatch(/^This trial: detection [\d.]+ % \([01] of 1 injected anomaly caught;/);
    await page.getByTestId('ledger-by-kind').locator('tbody tr', { hasText: 'bad-date' }).waitFor();
    // The source was never written: its runs are the ones this file made.
    expect((await app.store.listRuns({ limit: 50 })).map((run) => run.source)).toEqual(['synthetic:seed=5,count=300,invalid=bad-date:0.05']);
    await app.shot('postgres-trial');
  });
});
