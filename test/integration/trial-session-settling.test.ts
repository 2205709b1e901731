import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { beginAttempt, listAttempts } from '../../main/backup/index.js';
import { lockStaging, TRIAL_SESSION_OPERATION, type Store } from '../../main/store/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { TRIAL_LOCK_TIMING } from '../helpers/trial-staging.js';
import { runCli } from '../helpers/cli.js';

const SESSION = `${TRIAL_SESSION_OPERATION} of 2 trials from /data/gatehouse.db`;

/** A trial session's attempt as a process on `host` began it, and then died (its row is left open). */
async function sessionLeftOpen(store: Store, pid: number, host: string): Promise<number> {
  const row = await store.queries.db.insertInto('writerAttempts')
    .values({ operation: SESSION, operator: 'ada', pid, host, startedAt: new Date().toISOString() })
    .returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

const UNFINISHED = /^the process running it stopped before it reported an outcome \(killed or crashed\)/;

/**
 * A trial session holds its staging target's lock for its whole life (a lock file naming its process,
 * a PostgreSQL advisory lock gone with its session), so a session's attempt is left by a dead process
 * exactly when no trial holds that lock, or when a newer session does — on whichever host it ran. Judged
 * by the local pid alone, one that ran on another host (a shared PostgreSQL staging schema) stayed
 * `running` in `backups attempts` for good.
 */
describe.each(testBackends())('trial sessions whose process died, settled by the next writer, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('settles a session of another host and one whose process is gone, when no trial holds the staging lock', async () => {
    const location = await backend.freshLocation();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const [foreign, dead] = await withStoreAt(backend, location, async (store) => [await sessionLeftOpen(store, 4242, 'trial-host-b'), await sessionLeftOpen(store, gone, os.hostname())]);

    const update = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5', '--no-snapshot', '--json']);
    expect(update.code, update.stderr).toBe(0);

    await withStoreAt(backend, location, async (store) => {
      const attempts = await listAttempts(store);
      for (const id of [foreign, dead]) expect(attempts.find((a) => a.id === id)).toMatchObject({ outcome: 'unfinished', endedAt: expect.any(String), detail: expect.stringMatching(UNFINISHED) });
    });
  }, 120_000);

  it('keeps the session holding the staging lock open, and settles the older one of another host', async () => {
    const location = await backend.freshLocation();
    const lock = await lockStaging(location, 'ada', TRIAL_LOCK_TIMING);
    try {
      const [older, holding] = await withStoreAt(backend, location, async (store) => [
        await sessionLeftOpen(store, 4242, 'trial-host-b'),
        await beginAttempt(store, { operation: SESSION, operator: 'ada', at: new Date() }),
      ]);
      const update = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5', '--no-snapshot', '--json']);
      expect(update.code, update.stderr).toBe(0);
      await withStoreAt(backend, location, async (store) => {
        const attempts = await listAttempts(store);
        expect(attempts.find((a) => a.id === older)).toMatchObject({ outcome: 'unfinished', detail: expect.stringMatching(UNFINISHED) });
        expect(attempts.find((a) => a.id === holding)).toMatchObject({ outcome: null, endedAt: null });
      });
    } finally {
      await lock.release();
    }
  }, 120_000);
});
