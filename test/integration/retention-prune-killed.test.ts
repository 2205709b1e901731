import { afterAll, describe, expect, it } from 'vitest';
import { beginAttempt, createSnapshot, listAttempts } from '../../main/backup/index.js';
import { isPostgresUrl, lockStaging, TRIAL_SESSION_OPERATION } from '../../main/store/index.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { TRIAL_LOCK_TIMING } from '../helpers/trial-staging.js';
import { sessionsGone } from '../helpers/postgres.js';

/**
 * A retention prune after a run's snapshot is a writer attempt. One killed with its update (kill -9
 * as it removes a snapshot) was left open for good: only a rollback, restore or snapshot command
 * settled open attempts, never a later update, so `backups attempts` and the console showed a prune
 * still running. The next update settles it now, saying what a prune killed part-way kept.
 */
describe.each(testBackends())('a retention prune killed with its update, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('is settled unfinished by the next update, with what a prune killed part-way kept; a live trial session stays open', async () => {
    const db = await backend.freshLocation();
    // A live session holds its staging target's lock for its whole life: what tells it from a dead one's attempt.
    const trialLock = await lockStaging(db, 'ada', TRIAL_LOCK_TIMING);
    const sessionId = await withStoreAt(backend, db, async (store) => {
      // Retention keeps 10: the update's own snapshot makes 11, and its prune removes the oldest.
      for (let i = 0; i < 10; i++) await createSnapshot(store, { kind: 'manual', clock: () => new Date(Date.now() - (10 - i) * 60_000) });
      // A trial session of this (live) process: an update on its staging database must not settle it.
      return beginAttempt(store, { operation: `${TRIAL_SESSION_OPERATION} of 1 trial from elsewhere`, operator: 'ada', at: new Date() });
    });
    const update = startCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=5', '--snapshot', '--operator', 'kim'], {
      GATEHOUSE_TEST_FAULTS: '1',
      GATEHOUSE_HANG_SNAPSHOT_REMOVE: '1',
    });
    await printed(update, /test seam: holding at the removal of snapshot/);
    update.child.kill('SIGKILL');
    expect((await update.done).signal).toBe('SIGKILL');
    if (isPostgresUrl(db)) await sessionsGone(db);
    const prune = 'a snapshot prune by retention after the snapshot of run 1';
    await withStoreAt(backend, db, async (store) => {
      expect((await listAttempts(store)).find((a) => a.operation === prune)).toMatchObject({ operator: 'kim', outcome: null });
    });

    const next = runCli(['update', '--db', db, '--source', 'synthetic:seed=2,count=5', '--no-snapshot', '--json']);
    expect(next.code, next.stderr).toBe(0);

    await withStoreAt(backend, db, async (store) => {
      const attempts = await listAttempts(store);
      expect(attempts.find((a) => a.operation === prune)).toMatchObject({
        operator: 'kim',
        outcome: 'unfinished',
        endedAt: expect.any(String),
        detail: expect.stringMatching(/^the process running it stopped before it reported an outcome \(killed or crashed\); it removes snapshots one at a time/),
        runId: 1,
      });
      expect(attempts.find((a) => a.id === sessionId)).toMatchObject({ outcome: null, endedAt: null });
      expect((await store.getRun(1))?.status).toBe('interrupted');
    });
    await trialLock.release();
  });
});
