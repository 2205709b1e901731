import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { setFlag } from '../../main/flags/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends } from '../helpers/backends.js';

/**
 * Two connections of one thread to one database — the console's and a rollback's own, in the
 * in-process engine host — or two calls on one connection at once (a notification's throttle
 * claim and a flag change). On SQLite the second writer used to wait in SQLite's busy handler,
 * which blocks the thread the first needs to COMMIT, and failed after the busy timeout with
 * "database is locked"; a second transaction on the same connection failed at once with "nested
 * transactions are not supported". Now they wait their turn.
 */
function holdOpen(store: Store): { entered: Promise<void>; finish: () => void; done: Promise<void> } {
  let finish!: () => void;
  let entered!: () => void;
  const released = new Promise<void>((resolve) => (finish = resolve));
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const done = store.queries.transaction(async (trx) => {
    await trx.insertInto('notificationThrottle').values({ cause: 'held', lastSentAt: new Date(0).toISOString(), folded: 0 }).execute();
    entered();
    await released;
  });
  return { entered: inside, finish, done };
}

const flagChange = (store: Store, value: number) => setFlag(store, { flag: 'BATCH_SIZE', value, reason: 'smaller batches', operator: 'ada' });

describe.each(testBackends())('writers of one thread on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('lets a second connection write — a transaction, a plain write, the writer lock — while the first awaits inside its transaction', async () => {
    const location = await backend.freshLocation();
    const first = await backend.open(location);
    const second = await backend.open(location);
    try {
      const held = holdOpen(first);
      await held.entered;
      const flag = flagChange(second, 20);
      const plain = second.queries.db.insertInto('notificationThrottle').values({ cause: 'plain', lastSentAt: new Date(0).toISOString(), folded: 0 }).execute();
      const lock = second.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
      held.finish();
      await held.done;
      expect(await flag).toMatchObject({ flag: 'BATCH_SIZE', actor: 'ada' });
      await plain;
      expect(await lock).toMatchObject({ acquired: true });
      await second.releaseWriterLock();
      const causes = await first.queries.db.selectFrom('notificationThrottle').select('cause').orderBy('cause').execute();
      expect(causes.map((row) => row.cause)).toEqual(['held', 'plain']);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('runs two transactions asked for at once on one connection one after the other', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const events = await Promise.all([flagChange(store, 20), flagChange(store, 30), flagChange(store, 40)]);
      expect(events.map((event) => event.newJson).sort()).toEqual(['20', '30', '40']);
    } finally {
      await store.close();
    }
  });

  // PostgreSQL's pool gives the inner transaction a connection of its own.
  it.skipIf(backend.name !== 'sqlite')('still refuses a transaction begun inside another on the same connection, rather than waiting for itself', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await expect(store.queries.transaction(() => store.queries.transaction(async () => 1))).rejects.toThrow(/nested transactions are not supported/);
    } finally {
      await store.close();
    }
  });
});
