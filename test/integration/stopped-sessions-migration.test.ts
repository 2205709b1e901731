import { afterAll, describe, expect, it } from 'vitest';
import { beginAttempt, endAttempt, listAttempts } from '../../main/backup/index.js';
import { TRIAL_SESSION_OPERATION } from '../../main/store/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * Before migration 031 a trial session its analyst stopped could only end `failed`, its detail
 * saying "trial session stopped …"; `backups attempts` counted it as a failure for good. Migration
 * 032 turns those rows `stopped` and leaves real failures, and other operations, as they were.
 */
const SESSION = `${TRIAL_SESSION_OPERATION} of 2 trials from /data/gatehouse.db`;
const STOPPED = 'trial session stopped as gatehouse serve (pid 4242) shut down on SIGTERM after 1 of 2 trials; the other 1 did not start';

describe.each(backends)('trial sessions stopped before migration 031, on upgrade ($name)', (backend) => {
  it('read stopped; a session that failed, and a rollback that failed, stay failed', async () => {
    const location = await backend.freshLocation();
    const ended = new Date('2026-11-01T10:00:00.000Z');
    await withStoreAt(backend, location, async (store) => {
      // As a Gatehouse before 031 ended them: the only outcome for a stop was `failed`.
      const write = async (operation: string, detail: string) => endAttempt(store, await beginAttempt(store, { operation, operator: 'ana', at: ended }), { at: ended, outcome: 'failed', detail });
      await write(SESSION, STOPPED);
      await write(SESSION, 'database is full');
      await write('a rollback of run 3', 'trial session stopped is not what a rollback says, but its operation is no trial session');
      // Written by this code, whose attempts have columns of later migrations: wound back after, as the rows of an old database.
      await windSchemaBackTo(store.queries.db, 31);
    });

    await withStoreAt(backend, location, async (upgraded) => {
      const attempts = (await listAttempts(upgraded)).reverse();
      expect(attempts.map(({ operation, outcome, detail }) => ({ operation, outcome, detail }))).toEqual([
        { operation: SESSION, outcome: 'stopped', detail: STOPPED },
        { operation: SESSION, outcome: 'failed', detail: 'database is full' },
        { operation: 'a rollback of run 3', outcome: 'failed', detail: expect.stringMatching(/^trial session stopped/) },
      ]);
      expect(attempts[0]!.endedAt).toBe(ended.toISOString());
    });
  });
});
