import os from 'node:os';
import { GatehouseError } from '../../shared/errors.js';
import { keepLockFresh, lockHolderText, STALE_LOCK_MS } from '../engine/index.js';
import type { Store } from '../store/index.js';

/**
 * Rollback and restore take the same one-writer lock as an update, so they never interleave with
 * a run's batches; while a run holds it they refuse, naming the holder.
 */
export async function withWriterLock<T>(store: Store, clock: () => Date, action: string, work: () => Promise<T>): Promise<T> {
  const lock = await store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: clock(), staleAfterMs: STALE_LOCK_MS });
  if (!lock.acquired) {
    throw new GatehouseError('LOCK_HELD', `cannot ${action}: ${lockHolderText(lock.holder, store.location, lock.afterBusyWait)}`, {
      hint: lock.holder.runId ? 'wait for the run to finish or stop it (SIGINT) first' : 'wait for it to finish, then try again',
    });
  }
  // A rollback of a large run or a restore of a large database holds the lock for minutes: keep it visibly alive.
  const stopHeartbeat = keepLockFresh(store, clock, () => null);
  try {
    await store.markOrphanedRunsInterrupted({ now: clock() });
    return await work();
  } finally {
    stopHeartbeat();
    await store.releaseWriterLock();
  }
}
