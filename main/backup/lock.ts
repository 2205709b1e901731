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

/**
 * A run left `running` by a process that died (kill -9 of `gatehouse serve` mid-update, a crash)
 * is only marked `interrupted`, with its resume hint, by the next writer; until then the console
 * shows it running for good. This takes the lock for a moment, as any writer would, which marks
 * such runs interrupted; a live writer keeps the lock, and its run stays running.
 */
export async function settleOrphanedRuns(store: Store, clock: () => Date = () => new Date()): Promise<void> {
  try {
    await withWriterLock(store, clock, 'settle runs left running', async () => undefined);
  } catch (error) {
    if (!(error instanceof GatehouseError && error.code === 'LOCK_HELD')) throw error;
  }
}
