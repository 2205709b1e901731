import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, listAttempts, listSnapshots, pruneReport, pruneSnapshots, restoreSnapshot, type RetentionPolicy } from '../../main/backup/index.js';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

/** Snapshots by policy (issue 12 #6), on both backends: SQLite files and PostgreSQL schemas. */
const MORNING = new Date('2026-06-30T08:00:00Z');
const clockAt = (at: Date) => () => new Date(at);

async function update(store: Store, spec: string, options: { batchSize?: number; snapshots?: boolean; at?: Date } = {}) {
  const { summary } = await runFlaggedUpdate({
    store,
    source: await openSource(spec),
    task: null,
    batchSize: options.batchSize,
    snapshots: options.snapshots,
    clock: clockAt(options.at ?? MORNING),
  });
  return summary;
}

describe.each(testBackends())('snapshot policy ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('takes no snapshot for a second run the same day with the same settings, and says why', () =>
    withFreshStore(backend, async (store) => {
      const first = await update(store, 'synthetic:seed=3,count=60');
      expect(first.snapshot).toMatchObject({ taken: true, reason: 'no snapshot of this database exists yet' });
      expect(first.backupId).toEqual((await listSnapshots(store))[0]!.id);
      const second = await update(store, 'synthetic:seed=3,count=60,revision=1,changed=10');
      expect(second.status).toBe('success');
      expect(second.snapshot!.taken).toBe(false);
      expect(second.snapshot!.reason).toMatch(new RegExp(`^no snapshot due: snapshot ${first.backupId} is from today and mode, batch settings and schema are those of run ${first.runId}, the last run snapshotted; the undo journal makes this run reversible$`));
      expect(second.backupId).toBeNull();
      expect((await store.getRun(second.runId))!.snapshot).toEqual(second.snapshot);
      expect(await listSnapshots(store)).toHaveLength(1);
    }));

  it('takes one before a run whose batch size or mode changed, and before the first run of the next UTC day', () =>
    withFreshStore(backend, async (store) => {
      const first = await update(store, 'synthetic:seed=4,count=30');
      const resized = await update(store, 'synthetic:seed=4,offset=30,count=30', { batchSize: 20, at: new Date('2026-06-30T09:00:00Z') });
      expect(resized.snapshot).toMatchObject({ taken: true, reason: `batch size changed: 50 → 20 since run ${first.runId}, the last run snapshotted` });
      expect(resized.backupId).not.toBeNull();
      const same = await update(store, 'synthetic:seed=4,offset=60,count=10', { batchSize: 20, at: new Date('2026-06-30T10:00:00Z') });
      expect(same.snapshot!.taken).toBe(false);
      const nextDay = await update(store, 'synthetic:seed=4,offset=70,count=10', { batchSize: 20, at: new Date('2026-07-01T00:05:00Z') });
      expect(nextDay.snapshot).toMatchObject({ taken: true, reason: 'first run of 2026-07-01 (UTC): the newest snapshot is from 2026-06-30' });
      const { summary: wholeRun } = await runFlaggedUpdate({
        store, source: await openSource('synthetic:seed=4,offset=80,count=10'), task: null, mode: 'all-or-nothing', batchSize: 20, clock: clockAt(new Date('2026-07-01T01:00:00Z')),
      });
      expect(wholeRun.snapshot!.reason).toMatch(/^mode changed: batch → all-or-nothing since run \d+/);
      expect((await listSnapshots(store)).map((s) => s.runId)).toEqual([wholeRun.runId, nextDay.runId, resized.runId, first.runId]);
    }));

  it('forces one with --snapshot and skips it with --no-snapshot, whatever the policy says', () =>
    withFreshStore(backend, async (store) => {
      const skipped = await update(store, 'synthetic:seed=5,count=20', { snapshots: false });
      expect(skipped.snapshot).toMatchObject({ taken: false, reason: 'skipped on request (--no-snapshot); the undo journal makes the run reversible' });
      await update(store, 'synthetic:seed=5,offset=20,count=20');
      const forced = await update(store, 'synthetic:seed=5,offset=40,count=20', { snapshots: true });
      expect(forced.snapshot).toMatchObject({ taken: true, reason: 'asked for (--snapshot)' });
      expect(await listSnapshots(store)).toHaveLength(2);
    }));

  it('prunes the oldest snapshots once their sizes add up past the total allowed, never the newest', () =>
    withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=6,count=40', { snapshots: false });
      for (let hour = 1; hour <= 3; hour += 1) {
        await update(store, `synthetic:seed=6,offset=${hour * 40},count=40`, { snapshots: false });
        await createSnapshot(store, { kind: 'manual', clock: clockAt(new Date(MORNING.getTime() + hour * 3_600_000)) });
      }
      const [newest, middle, oldest] = await listSnapshots(store);
      const budgetMb = (newest!.sizeBytes + middle!.sizeBytes + oldest!.sizeBytes / 2) / (1024 * 1024);
      const pruned = await pruneSnapshots(store, { keep: 10, maxAgeDays: 30, maxTotalMb: budgetMb }, MORNING);
      expect(pruned.map((s) => s.id)).toEqual([oldest!.id]);
      const tiny = await pruneSnapshots(store, { keep: 10, maxAgeDays: 30, maxTotalMb: 0.001 }, MORNING);
      expect(tiny.map((s) => s.id)).toEqual([middle!.id]);
      expect((await listSnapshots(store)).map((s) => s.id)).toEqual([newest!.id]);
      await expect(pruneSnapshots(store, { keep: 10, maxAgeDays: 30, maxTotalMb: 0 })).rejects.toThrow(/total size must be a positive number of megabytes, got 0/);
    }));

  it('reports what a prune leaves from the listing it judged under the writer lock, also when a run took a snapshot just before', () =>
    withFreshStore(backend, async (store) => {
      for (let hour = 1; hour <= 3; hour++) await createSnapshot(store, { kind: 'manual', clock: clockAt(new Date(`2026-06-30T0${hour}:00:00Z`)) });
      // Another process's run finishes its before-run snapshot and lets go of the lock just as the prune asks for it.
      const racedByARun = new Proxy(store, {
        get(target, key) {
          if (key === 'acquireWriterLock') {
            return async (...args: Parameters<Store['acquireWriterLock']>) => {
              await createSnapshot(target, { kind: 'before-run', clock: clockAt(new Date('2026-06-30T04:00:00Z')) });
              return target.acquireWriterLock(...args);
            };
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const report = await pruneReport(racedByARun, { keep: 2, maxAgeDays: 3_650, dryRun: false, reason: 'retention by hand' });
      expect(report.pruned).toHaveLength(2);
      expect(report.remaining).toBe((await listSnapshots(store)).length);
      expect(report.remaining).toBe(2);
      const preview = await pruneReport(store, { keep: 1, maxAgeDays: 3_650, dryRun: true });
      expect([preview.pruned.length, preview.remaining]).toEqual([1, 1]);
    }));

  it('applies retention by count, age and total size right after the snapshot a run takes', () =>
    withFreshStore(backend, async (store) => {
      const run = async (day: string, offset: number, retention: RetentionPolicy) => {
        const { summary } = await runFlaggedUpdate({ store, source: await openSource(`synthetic:seed=8,offset=${offset},count=10`), task: null, retention, clock: clockAt(new Date(`${day}T08:00:00Z`)) });
        expect(summary.snapshot!.taken).toBe(true);
        return summary.backupId!;
      };
      const byCount = { keep: 2, maxAgeDays: 30, maxTotalMb: null };
      await run('2026-06-01', 0, byCount);
      const second = await run('2026-06-02', 10, byCount);
      const third = await run('2026-06-03', 20, byCount);
      expect((await listSnapshots(store)).map((s) => s.id)).toEqual([third, second]);
      const [newest] = await listSnapshots(store);
      const fourth = await run('2026-06-04', 30, { keep: 10, maxAgeDays: 30, maxTotalMb: (newest!.sizeBytes * 1.5) / (1024 * 1024) });
      expect((await listSnapshots(store)).map((s) => s.id)).toEqual([fourth]);
      const later = await run('2026-07-10', 40, { keep: 10, maxAgeDays: 30, maxTotalMb: null });
      expect((await listSnapshots(store)).map((s) => s.id)).toEqual([later]);
    }));

  it('records each prune retention makes after a run\'s snapshot as an attempt naming the run, who started it and what it deleted, kept through a restore', () =>
    withFreshStore(backend, async (store) => {
      const byCount = { keep: 2, maxAgeDays: 30, maxTotalMb: null };
      const run = async (day: string, offset: number) => {
        const { summary } = await runFlaggedUpdate({ store, source: await openSource(`synthetic:seed=9,offset=${offset},count=10`), task: null, retention: byCount, operator: 'ada', clock: clockAt(new Date(`${day}T08:00:00Z`)) });
        return summary;
      };
      const first = await run('2026-06-01', 0);
      await run('2026-06-02', 10);
      expect(await listAttempts(store)).toEqual([]);
      const third = await run('2026-06-03', 20);
      const [prune] = await listAttempts(store);
      expect(prune).toMatchObject({
        operation: `a snapshot prune by retention after the snapshot of run ${third.runId}`,
        operator: 'ada',
        outcome: 'succeeded',
        detail: `retention (keep 2, at most 30 days): pruned ${first.backupId}; 2 left`,
        runId: third.runId,
      });
      await restoreSnapshot(store, { snapshotId: third.backupId!, reason: 'check the audit outlives it', operator: 'bo' });
      expect((await listAttempts(store)).map((a) => a.operation)).toContain(prune!.operation);
    }));

  it('restores the snapshot a policy run took, and the runs after it that took none are gone', () =>
    withFreshStore(backend, async (store) => {
      const first = await update(store, 'synthetic:seed=7,count=50');
      await update(store, 'synthetic:seed=7,offset=50,count=25');
      expect(await store.countHearings()).toBe(75);
      const report = await restoreSnapshot(store, { snapshotId: first.backupId!, reason: 'the second feed was wrong', operator: 'kim' });
      expect([report.hearingsBefore, report.hearingsAfter]).toEqual([75, 0]);
      // The restore put the run table back to before run 1: no run there was snapshotted, so the next one is.
      const again = await update(store, 'synthetic:seed=7,count=50');
      expect(again.runId).toBe(3);
      expect(again.snapshot).toMatchObject({ taken: true, reason: 'no earlier run was snapshotted, so there are no settings to compare with' });
      expect(await store.countHearings()).toBe(50);
    }));
});
