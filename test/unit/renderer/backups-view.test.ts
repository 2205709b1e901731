// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes } from '../../../renderer/src/format.js';
import BackupsView from '../../../renderer/src/views/BackupsView.vue';
import type { ApiOutput } from '../../../shared/api.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

type Snapshot = ApiOutput<'backups.list'>['snapshots'][number];

const MB = 1_024 * 1_024;

function snapshot(id: string, daysAgo: number, sizeBytes = 150 * MB): Snapshot {
  return { id, file: `${id}.sqlite`, createdAt: new Date(Date.UTC(2026, 10, 30) - daysAgo * 86_400_000).toISOString(), kind: 'before-run', runId: 100 - daysAgo, sizeBytes, sha256: 'ab'.repeat(32), unavailable: null, takenBy: null };
}

describe('sizes for people', () => {
  it('writes bytes as B, KB, MB, GB and TB with at most three figures', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(999)).toBe('999 B');
    expect(bytes(1_000)).toBe('0.98 KB');
    expect(bytes(3_543)).toBe('3.46 KB');
    expect(bytes(157_569_024)).toBe('150 MB');
    expect(bytes(647 * MB)).toBe('647 MB');
    expect(bytes(1_310 * MB)).toBe('1.28 GB');
    expect(bytes(5 * 1_024 ** 4)).toBe('5.00 TB');
    expect(bytes(3 * 1_024 ** 5)).toBe('3072 TB');
  });

  it('shows a dash for a size nobody measured', () => {
    expect(bytes(null)).toBe('—');
    expect(bytes(Number.NaN)).toBe('—');
    expect(bytes(-1)).toBe('—');
  });
});

describe('the Backups page', () => {
  let snapshots: Snapshot[];
  let client: FakeClient;
  let retention: ApiOutput<'backups.list'>['retention'];

  const list = (): ApiOutput<'backups.list'> => ({
    backend: 'sqlite',
    supported: true,
    explanation: null,
    snapshots,
    totalBytes: snapshots.reduce((sum, s) => sum + s.sizeBytes, 0),
    retention,
    snapshotsBeforeRuns: true,
    disk: { snapshotBytes: snapshots.reduce((sum, s) => sum + s.sizeBytes, 0), snapshotFiles: snapshots.length, databaseBytes: 98 * MB },
  });

  function pruneBy(keep: number, maxAgeDays: number): Snapshot[] {
    return snapshots.filter((s, rank) => rank > 0 && (rank >= keep || Date.parse(s.createdAt) < Date.UTC(2026, 10, 30) - maxAgeDays * 86_400_000));
  }

  beforeEach(() => {
    retention = { keep: 10, maxAgeDays: 30 };
    snapshots = [snapshot('s6', 0), snapshot('s5', 1), snapshot('s4', 2), snapshot('s3', 35), snapshot('s2', 40), snapshot('s1', 50)];
    client = fakeClient({
      'backups.list': list,
      'backups.attempts': () => [],
      'backups.prune': ({ keep = 10, maxAgeDays = 30, dryRun }) => {
        const pruned = pruneBy(keep, maxAgeDays);
        if (!dryRun) snapshots = snapshots.filter((s) => !pruned.includes(s));
        return { dryRun, retention: { keep, maxAgeDays }, pruned, freedBytes: pruned.reduce((sum, s) => sum + s.sizeBytes, 0), remaining: snapshots.length - (dryRun ? pruned.length : 0) };
      },
    });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  async function openPrune(): Promise<VueWrapper> {
    const wrapper = mountWith(BackupsView, client);
    await flushPromises();
    await wrapper.findAll('button').find((b) => b.text() === 'Prune old snapshots…')!.trigger('click');
    await flushPromises();
    return wrapper;
  }

  it('shows sizes in MB, the disk the snapshots take, the retention and what the snapshot policy costs', async () => {
    const wrapper = mountWith(BackupsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="backups-table"] tbody tr td:nth-child(5)').text()).toBe('150 MB');
    expect(wrapper.get('[data-testid="backups-table"] tbody tr td:nth-child(5)').attributes('title')).toBe('157,286,400 bytes');
    expect(wrapper.get('[data-testid="snapshot-bytes"]').text()).toBe('900 MB in 6 files');
    expect(wrapper.get('[data-testid="retention"]').text()).toBe('newest 10, none older than 30 days');
    expect(wrapper.get('[data-testid="snapshot-cost"]').text()).toMatch(/about 98.0 MB per run .* up to about 980 MB/);
    expect(wrapper.text()).not.toMatch(/\d B\b/);
    expect(wrapper.get('[data-testid="listed-bytes"]').text()).toBe('900 MB in 6 snapshots');
  });

  it('marks a snapshot whose file is gone as missing and offers no restore of it', async () => {
    snapshots[1] = { ...snapshots[1]!, unavailable: 'its file /data/g.db.backups/s5.sqlite is missing' };
    const wrapper = mountWith(BackupsView, client);
    await flushPromises();
    const row = (id: string) => wrapper.get(`tr[data-snapshot="${id}"]`);
    expect(row('s5').get('[data-testid="snapshot-unavailable"]').text()).toBe('missing: its file /data/g.db.backups/s5.sqlite is missing');
    expect(row('s5').get('button[aria-label="Restore… snapshot s5"]').attributes('disabled')).toBeDefined();
    expect(row('s6').find('[data-testid="snapshot-unavailable"]').exists()).toBe(false);
    expect(row('s6').get('button[aria-label="Restore… snapshot s6"]').attributes('disabled')).toBeUndefined();
  });

  it('deletes a missing snapshot after the typed id and a reason, unforced, and lists what is left', async () => {
    snapshots[1] = { ...snapshots[1]!, unavailable: 'its file /data/g.db.backups/s5.sqlite is missing' };
    client = fakeClient({
      'backups.list': list,
      'backups.attempts': () => [],
      'backups.delete': ({ id }) => {
        const deleted = snapshots.find((s) => s.id === id)!;
        snapshots = snapshots.filter((s) => s !== deleted);
        return { deleted, forced: false, remaining: snapshots.length, restorableRemaining: snapshots.length, attemptId: 7, message: `deleted snapshot ${id}; recorded as attempt 7 by tester` };
      },
    });
    const wrapper = mountWith(BackupsView, client);
    await flushPromises();
    await wrapper.get('button[aria-label="Delete… snapshot s5"]').trigger('click');
    const dialog = () => wrapper.get('[data-testid="delete-snapshot-dialog"]');
    const submit = () => dialog().get('button[type="submit"]');
    await dialog().get('input[name="confirm-snapshot-id"]').setValue('s5');
    expect(submit().attributes('disabled')).toBeDefined();
    await dialog().get('textarea[name="delete-reason"]').setValue('its copy is gone');
    await dialog().trigger('submit');
    await flushPromises();
    expect(client.callsOf('backups.delete')).toEqual([{ id: 's5', confirmId: 's5', reason: 'its copy is gone', force: false }]);
    expect(wrapper.find('[data-testid="delete-snapshot-dialog"]').exists()).toBe(false);
    expect(wrapper.find('tr[data-snapshot="s5"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('deleted snapshot s5; recorded as attempt 7 by tester');
  });

  it('shows a retention by total size and caps the policy\'s worst case with it', async () => {
    retention = { keep: 10, maxAgeDays: 30, maxTotalMb: 500 };
    const wrapper = mountWith(BackupsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="retention"]').text()).toBe('newest 10, none older than 30 days, at most 500 MB in total');
    expect(wrapper.get('[data-testid="snapshot-cost"]').text()).toMatch(/up to about 500 MB/);
  });

  it('on PostgreSQL says its snapshots are schemas on the same server, and sizes a run\'s snapshot from the newest one, unknown before any', async () => {
    const onPostgres = (taken: Snapshot[]) => () => ({ ...list(), backend: 'postgres' as const, snapshots: taken, disk: { snapshotBytes: taken.reduce((sum, s) => sum + s.sizeBytes, 0), snapshotFiles: taken.length, databaseBytes: null } });
    client = fakeClient({ 'backups.list': onPostgres([]), 'backups.attempts': () => [] });
    let wrapper = mountWith(BackupsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="backups-on-server"]').text()).toMatch(/^On PostgreSQL a snapshot is a schema on the same server, not a file\..*goes with the server.*pg_dump/);
    expect(wrapper.get('[data-testid="snapshot-bytes"]').text()).toBe('0 B in 0 schemas');
    expect(wrapper.get('[data-testid="database-bytes"]').text()).toBe('on the PostgreSQL server (not measured here)');
    expect(wrapper.get('[data-testid="snapshot-cost"]').text()).toMatch(/^A run the policy snapshots copies the whole database first; its size shows here once the first snapshot is taken\. After each one the retention above is applied\. Turn/);
    expect(wrapper.get('[data-testid="snapshot-cost"]').text()).not.toMatch(/\d B\b/);
    wrapper.unmount();

    client = fakeClient({ 'backups.list': onPostgres([snapshot('s2', 0, 12 * MB), snapshot('s1', 1, 10 * MB)]), 'backups.attempts': () => [] });
    wrapper = mountWith(BackupsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="snapshot-bytes"]').text()).toBe('22.0 MB in 2 schemas');
    expect(wrapper.get('[data-testid="snapshot-cost"]').text()).toMatch(/about 12.0 MB per run .* up to about 120 MB/);
  });

  it('previews what the retention would delete before deleting anything', async () => {
    const wrapper = await openPrune();
    expect(client.callsOf('backups.prune')).toEqual([{ keep: 10, maxAgeDays: 30, dryRun: true }]);
    expect(wrapper.get('[data-testid="prune-preview"]').text()).toBe('Would delete 3 snapshots, freeing 450 MB; 3 snapshots remain.');
    expect(wrapper.findAll('[data-prune]').map((row) => row.attributes('data-prune'))).toEqual(['s3', 's2', 's1']);
    expect(snapshots).toHaveLength(6);
  });

  it('previews again when the retention is changed, and deletes what it showed on confirmation', async () => {
    const wrapper = await openPrune();
    // The status region is there before the prune: a live region inserted with its words is not read out.
    const status = wrapper.get('[data-testid="backups-message"]');
    expect([status.attributes('role'), status.text()]).toEqual(['status', '']);
    await wrapper.get('input[name="prune-keep"]').setValue(2);
    await wrapper.get('input[name="prune-keep"]').trigger('change');
    await flushPromises();
    expect(wrapper.findAll('[data-prune]').map((row) => row.attributes('data-prune'))).toEqual(['s4', 's3', 's2', 's1']);
    // Deleting snapshots is audited with why, as deleting one is: no reason, no delete.
    expect(wrapper.get('[data-testid="prune-dialog"] button[type="submit"]').attributes('disabled')).toBeDefined();
    await wrapper.get('textarea[name="prune-reason"]').setValue('disk nearly full');
    await wrapper.get('[data-testid="prune-dialog"]').trigger('submit');
    await flushPromises();
    expect(client.callsOf('backups.prune').at(-1)).toEqual({ keep: 2, maxAgeDays: 30, dryRun: false, reason: 'disk nearly full' });
    expect(snapshots.map((s) => s.id)).toEqual(['s6', 's5']);
    expect(status.text()).toBe('Deleted 4 snapshots, freeing 600 MB; 2 snapshots remain.');
    expect(wrapper.findAll('[data-testid="backups-table"] tbody tr')).toHaveLength(2);
  });

  it('counts with the noun agreeing, and a confirm button with nothing to delete says so and is disabled', async () => {
    const wrapper = await openPrune();
    const submit = () => wrapper.get('[data-testid="prune-dialog"] button[type="submit"]');
    expect(submit().text()).toBe('Delete 3 snapshots');
    const setAge = async (days: number) => {
      await wrapper.get('input[name="prune-max-age"]').setValue(days);
      await wrapper.get('input[name="prune-max-age"]').trigger('change');
      await flushPromises();
    };
    await setAge(45);
    expect(wrapper.get('[data-testid="prune-preview"]').text()).toBe('Would delete 1 snapshot, freeing 150 MB; 5 snapshots remain.');
    expect(submit().text()).toBe('Delete 1 snapshot');
    await setAge(60);
    expect(wrapper.get('[data-testid="prune-preview"]').text()).toBe('Nothing to prune: every snapshot is within this retention.');
    expect([submit().text(), submit().attributes('disabled')]).toEqual(['Nothing to delete', '']);
  });

  it('never deletes under a retention typed after the preview: it previews that one first', async () => {
    const wrapper = await openPrune();
    // Typed, not yet left: an input event without the change a blur would bring.
    const keep = wrapper.get('input[name="prune-keep"]');
    (keep.element as HTMLInputElement).value = '1';
    await keep.trigger('input');
    expect(wrapper.get('[data-testid="prune-dialog"] button[type="submit"]').attributes('disabled')).toBeDefined();
    await wrapper.get('[data-testid="prune-dialog"]').trigger('submit');
    await flushPromises();
    expect(client.callsOf('backups.prune')).toEqual([{ keep: 10, maxAgeDays: 30, dryRun: true }, { keep: 1, maxAgeDays: 30, dryRun: true }]);
    expect(snapshots).toHaveLength(6);
    expect(wrapper.get('[data-testid="prune-preview"]').text()).toBe('Would delete 5 snapshots, freeing 750 MB; 1 snapshot remains.');
  });

  it('refuses a retention that keeps nothing without asking the server', async () => {
    const wrapper = await openPrune();
    await wrapper.get('input[name="prune-keep"]').setValue(0);
    await wrapper.get('input[name="prune-keep"]').trigger('change');
    await flushPromises();
    expect(wrapper.get('[data-testid="prune-dialog"] [role="alert"]').text()).toBe('Keep at least 1 snapshot.');
    expect(wrapper.get('[data-testid="prune-dialog"] button[type="submit"]').attributes('disabled')).toBeDefined();
    expect(client.callsOf('backups.prune')).toHaveLength(1);
  });

  it('says so when nothing would be pruned, and offers no delete', async () => {
    snapshots = snapshots.slice(0, 3);
    const wrapper = await openPrune();
    expect(wrapper.get('[data-testid="prune-preview"]').text()).toBe('Nothing to prune: every snapshot is within this retention.');
    expect(wrapper.get('[data-testid="prune-dialog"] button[type="submit"]').attributes('disabled')).toBeDefined();
  });

  it('on PostgreSQL, says there are no file snapshots and still lists the rollbacks tried', async () => {
    client = fakeClient({
      'backups.list': () => ({ ...list(), backend: 'postgres', supported: false, explanation: 'PostgreSQL is backed up by its own tools (pg_dump, PITR).', snapshots: [] }),
      'backups.attempts': () => [{ id: 1, operation: 'a rollback of run 3', operator: 'sam', pid: 7, host: 'ops-1', startedAt: '2026-11-30T10:00:00.000Z', endedAt: null, outcome: 'unfinished', detail: null, runId: 3, snapshotId: null }],
    });
    const wrapper = mountWith(BackupsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="backups-unsupported"]').text()).toContain('No file snapshots on postgres.');
    expect(wrapper.get('[data-testid="attempts-table"] tr[data-attempt="1"]').text()).toContain('a rollback of run 3');
  });
});
