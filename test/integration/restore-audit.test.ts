import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { backupsList, createSnapshot, listAttempts, listRestores, snapshotFolder, restoreSnapshot, rollback, undoJournal, verifySnapshots } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { addTask, editTask, Scheduler, taskStore } from '../../main/scheduler/index.js';
import { evaluateFlag, flagStore, setFlag, unsetFlag } from '../../main/flags/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { runReviews, validationHistory } from '../../main/validation/index.js';

async function update(store: Store, spec: string) {
  return runUpdate({ store, source: await openSource(spec), batchSize: 20 });
}

/** Everything the audit holds, as a support person would read it back. */
/** A task's scheduled time taken as a scheduler takes it, and the run it started (if any) named its latest. */
async function firedAt(store: Store, task: string, scheduledFor: string, runId?: number) {
  await taskStore(store).claimOccurrence(task, scheduledFor);
  if (runId !== undefined) await taskStore(store).recordRun(task, runId);
}

async function audit(store: Store) {
  return {
    rollbacks: await undoJournal(store).listEvents(),
    flagEvents: await flagStore(store).history(),
    reviews: await runReviews(store).list(),
    restores: await listRestores(store),
  };
}

describe.each(testBackends())('a restore on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('keeps every audit row and gives the next run a fresh id', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=8,count=60');
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await update(store, 'synthetic:seed=8,count=60,revision=1,changed=15');
      const third = await update(store, 'synthetic:seed=8,offset=60,count=25');
      expect(third.runId).toBe(3);
      await rollback(store, { runId: 3, reason: 'the offset feed was wrong', operator: 'ann' });
      await setFlag(store, { flag: 'BATCH_SIZE', value: 25, reason: 'smaller batches', operator: 'bo' });
      await runReviews(store).add({ runId: 2, action: 'confirmed', reasonKind: null, reason: 'a real spike', operator: 'cy', at: new Date().toISOString() });
      const before = await audit(store);
      expect([before.rollbacks.length, before.flagEvents.length, before.reviews.length]).toEqual([1, 1, 1]);

      const report = await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'runs 2 and 3 came from a test feed', operator: 'dee' });

      expect(await store.countHearings()).toBe(60);
      expect((await store.listRuns()).map((run) => run.runId)).toEqual([1]);
      expect((await flagStore(store).values('BATCH_SIZE')).map((v) => v.valueJson)).toEqual(['25']);
      const after = await audit(store);
      expect(after.rollbacks).toEqual(before.rollbacks);
      expect(after.flagEvents).toEqual(before.flagEvents);
      expect(after.reviews).toEqual(before.reviews);
      expect(after.restores).toEqual([report.event]);
      expect(report.event).toMatchObject({ snapshotId: snapshot.id, operator: 'dee', reason: 'runs 2 and 3 came from a test feed', hearingsBefore: 60, hearingsAfter: 60 });

      const next = await update(store, 'synthetic:seed=8,offset=100,count=5');
      expect(next.runId).toBe(4);
      expect((await store.listRuns()).map((run) => run.runId)).toEqual([4, 1]);
    });
  });

  it('keeps a review made after the snapshot on its run when the run comes back, so the run stays out of training', async () => {
    await withFreshStore(backend, async (store) => {
      const first = await update(store, 'synthetic:seed=9,count=30');
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await runReviews(store).add({ runId: first.runId, action: 'confirmed', reasonKind: null, reason: 'a real anomaly', operator: 'eve', at: new Date().toISOString() });
      expect(await validationHistory(store)).toEqual([]);
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'back to the snapshot' });
      expect(await validationHistory(store)).toEqual([]);
      expect((await runReviews(store).list()).map((review) => review.reason)).toEqual(['a real anomaly']);
    });
  });

  it('keeps the flags as they are now: a kill switch flipped after the snapshot is still on, the task it overrides still held, no flag event added', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=11,count=10');
      await setFlag(store, { flag: 'BATCH_SIZE', value: 30, reason: 'tuning', operator: 'fay' });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: false, scope: 'task:daily', reason: 'daily must keep going', operator: 'fay' });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: true, scope: 'kill', reason: 'incident 42: stop the schedule', operator: 'gus' });
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: false, reason: 'isolation loops on bad batches', operator: 'gus' });
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: true, scope: 'task:daily', reason: 'isolation back on for daily', operator: 'gus' });
      await unsetFlag(store, { flag: 'BATCH_SIZE', reason: 'back to the default', operator: 'gus' });
      const storedBefore = await flagStore(store).values();
      const eventsBefore = await flagStore(store).history();

      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feed since 9:00', operator: 'hal' });

      expect(await flagStore(store).values()).toEqual(storedBefore);
      expect(await flagStore(store).history()).toEqual(eventsBefore);
      expect(await evaluateFlag(store, 'PAUSE_SCHEDULED_RUNS', { task: 'daily' })).toMatchObject({ value: true, reason: 'DISABLED' });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION')).toMatchObject({ value: false, reason: 'STATIC' });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION', { task: 'daily' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
      expect(await evaluateFlag(store, 'BATCH_SIZE')).toMatchObject({ value: 50, reason: 'DEFAULT' });
    });
  });

  it('keeps the scheduled tasks as they are now: a task disabled since stays off, one added since stays, none wound back to fire at once for runs it already had', async () => {
    await withFreshStore(backend, async (store) => {
      const time = { now: new Date('2026-03-01T05:30:00Z') };
      const clock = () => new Date(time.now);
      await update(store, 'synthetic:seed=12,count=10');
      await addTask(store, { name: 'nightly', cron: '0 2 * * *', source: 'synthetic:seed=1,count=5' }, new Date('2026-02-28T12:00:00Z'));
      await addTask(store, { name: 'hourly', cron: '0 * * * *', source: 'synthetic:seed=2,count=5' }, new Date('2026-02-28T12:00:00Z'));
      await firedAt(store, 'nightly', '2026-03-01T02:00:00.000Z', 1);
      await firedAt(store, 'hourly', '2026-03-01T02:00:00.000Z', 1);
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await editTask(store, 'nightly', { enabled: false, reason: 'feed broken' }, clock());
      await firedAt(store, 'hourly', '2026-03-01T05:00:00.000Z');
      await addTask(store, { name: 'weekly', cron: '0 4 * * 1', source: 'synthetic:seed=3,count=5' }, clock());
      const tasksBefore = await taskStore(store).list();
      const taskEventsBefore = await taskStore(store).history();
      expect(taskEventsBefore.map((e) => [e.task, e.action])).toEqual([['weekly', 'added'], ['nightly', 'edited'], ['hourly', 'added'], ['nightly', 'added']]);

      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feed since 4:00', operator: 'ida' });

      expect(await taskStore(store).list()).toEqual(tasksBefore);
      expect(await taskStore(store).history()).toEqual(taskEventsBefore);
      // Nothing is due before 6:00: the hourly task's last firing was not wound back, the nightly one is still off.
      const fired: string[] = [];
      const scheduler = new Scheduler({ store, clock, log: () => {}, runTask: async (task) => Promise.reject(new Error(`${fired.push(task.name)} should not run`)) });
      expect(await scheduler.tick()).toMatchObject({ entries: [], missed: [] });
      expect(fired).toEqual([]);
    });
  });

  it('points a kept task whose last run the restore removed at its newest run that survived (or none), and records which tasks it re-pointed', async () => {
    await withFreshStore(backend, async (store) => {
      const asTask = async (task: string, spec: string) => (await runUpdate({ store, source: await openSource(spec), batchSize: 20, task })).runId;
      for (const name of ['daily', 'weekly', 'steady', 'never']) await addTask(store, { name, cron: '0 2 * * *', source: 'synthetic:seed=1,count=5' });
      const dailyFirst = await asTask('daily', 'synthetic:seed=14,count=10');
      const steady = await asTask('steady', 'synthetic:seed=14,offset=10,count=10');
      await firedAt(store, 'daily', '2026-03-01T02:00:00.000Z', dailyFirst);
      await firedAt(store, 'steady', '2026-03-01T02:00:00.000Z', steady);
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      const dailyLater = await asTask('daily', 'synthetic:seed=14,offset=20,count=10');
      const weeklyOnly = await asTask('weekly', 'synthetic:seed=14,offset=30,count=10');
      await firedAt(store, 'daily', '2026-03-02T02:00:00.000Z', dailyLater);
      await firedAt(store, 'weekly', '2026-03-02T04:00:00.000Z', weeklyOnly);

      const report = await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad feeds since the 1st', operator: 'jo' });

      const repointed = [
        { task: 'daily', lastRunIdBefore: dailyLater, lastRunIdAfter: dailyFirst },
        { task: 'weekly', lastRunIdBefore: weeklyOnly, lastRunIdAfter: null },
      ];
      expect(report.event.repointedTasks).toEqual(repointed);
      expect(report.message).toContain(`last run of tasks re-pointed: daily (run ${dailyLater} → run ${dailyFirst}), weekly (run ${weeklyOnly} → none)`);
      expect((await listRestores(store))[0]!.repointedTasks).toEqual(repointed);
      const lastRuns = Object.fromEntries((await taskStore(store).list()).map((task) => [task.name, [task.lastRunId, task.lastFiredAt]]));
      // When each last fired is the scheduler's, and stays: only the run it names had gone.
      expect(lastRuns).toEqual({ daily: [dailyFirst, '2026-03-02T02:00:00.000Z'], weekly: [null, '2026-03-02T04:00:00.000Z'], steady: [steady, '2026-03-01T02:00:00.000Z'], never: [null, null] });

      // A restore that removes no task's last run re-points nothing.
      const again = await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'once more', operator: 'jo' });
      expect(again.event.repointedTasks).toEqual([]);
    });
  });

  it('refuses a restore without a reason and changes nothing', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=10,count=10');
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await update(store, 'synthetic:seed=10,offset=10,count=10');
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: '  ' })).rejects.toThrow(/a restore needs a reason/);
      expect(await store.countHearings()).toBe(20);
      expect(await listRestores(store)).toEqual([]);
    });
  });

  it('lists a snapshot whose copy was deleted by hand as missing, and refuses to restore it before taking the lock', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=11,count=10');
      const kept = await createSnapshot(store, { kind: 'manual' });
      const gone = await createSnapshot(store, { kind: 'manual', clock: () => new Date(Date.now() + 1000) });
      if (store.backend === 'sqlite') fs.rmSync(path.join(snapshotFolder(store.location), gone.file));
      else await sql`DROP SCHEMA ${sql.id(gone.file)} CASCADE`.execute(store.queries.db);

      const listed = await backupsList(store);
      expect(listed.snapshots.map((s) => [s.id, s.unavailable])).toEqual([[gone.id, expect.stringMatching(/^its (file|schema) .* is missing$/)], [kept.id, null]]);
      await expect(restoreSnapshot(store, { snapshotId: gone.id, reason: 'back to before', operator: 'eve' })).rejects.toThrow(new RegExp(`^snapshot ${gone.id} cannot be restored: its (file|schema) .* is missing; nothing was restored$`));
      // Refused up front, audited as every refusal is (who tried, and that nothing was changed); no safety snapshot added.
      expect(await listAttempts(store)).toMatchObject([
        { operation: `a restore of snapshot ${gone.id}`, operator: 'eve', outcome: 'failed', detail: expect.stringMatching(new RegExp(`^refused: snapshot ${gone.id} cannot be restored: its (file|schema) .* is missing; nothing was changed; reason: back to before$`)) },
      ]);
      expect((await backupsList(store)).snapshots).toHaveLength(2);
    });
  });
});

describe.each(testBackends().filter((backend) => backend.name === 'postgres'))('an older snapshot on $name', (backend) => {
  afterAll(() => backend.cleanup());

  /** The tables a snapshot copied, and hashed, while a restore still put flag values and tasks back. */
  const OLDER_SNAPSHOT_TABLES = ['runs', 'committees', 'hearings', 'hearing_committees', 'witnesses', 'appearances', 'videos', 'transcripts', 'batches', 'quarantine', 'checkpoints', 'undo_journal', 'flag_values', 'scheduled_tasks'];

  it('verifies and restores a snapshot that still holds copies of the flag values and tasks, keeping the live ones', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=13,count=10');
      await addTask(store, { name: 'nightly', cron: '0 2 * * *', source: 'synthetic:seed=1,count=5' });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      // As a Gatehouse of before this change took it: the two tables copied, the hash over all fourteen.
      const place = sql.id(snapshot.file);
      for (const table of ['flag_values', 'scheduled_tasks']) await sql`CREATE TABLE ${place}.${sql.id(table)} AS TABLE ${sql.id(table)}`.execute(store.queries.db);
      const hash = crypto.createHash('sha256');
      for (const table of OLDER_SNAPSHOT_TABLES) {
        const { rows } = await sql<{ n: number; digest: string }>`SELECT count(*) AS n,
          md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) AS digest FROM ${place}.${sql.id(table)} AS x`.execute(store.queries.db);
        hash.update(`${table}:${rows[0]!.n}:${rows[0]!.digest}\n`);
      }
      await store.queries.db.updateTable('snapshots').set({ sha256: hash.digest('hex') }).where('id', '=', snapshot.id).execute();
      await update(store, 'synthetic:seed=13,offset=10,count=10');
      await editTask(store, 'nightly', { enabled: false, reason: 'feed broken' });
      const tasksBefore = await taskStore(store).list();

      expect(await verifySnapshots(store, snapshot.id)).toEqual([{ id: snapshot.id, ok: true, problems: [] }]);
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'the second feed was wrong', operator: 'jo' });

      expect(await store.countHearings()).toBe(10);
      expect(await taskStore(store).list()).toEqual(tasksBefore);
    });
  });
});
