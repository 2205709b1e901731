import type { Store } from '../store/index.js';
import { attachRunToSnapshot, createSnapshot, DEFAULT_RETENTION, pruneSnapshots, type RetentionPolicy } from './snapshots.js';

export interface BeforeRunBackup {
  backupId: string;
  runCreated(runId: number): Promise<void>;
}

/**
 * The engine's `beforeRun` hook: a snapshot after the lock is taken and before the run writes
 * anything, then retention.
 */
export function snapshotBeforeRun(options: { retention?: RetentionPolicy; clock?: () => Date } = {}) {
  return async ({ store }: { store: Store }): Promise<BeforeRunBackup | null> => {
    const snapshot = await createSnapshot(store, { kind: 'before-run', clock: options.clock });
    await pruneSnapshots(store, options.retention ?? DEFAULT_RETENTION, options.clock?.() ?? new Date());
    return {
      backupId: snapshot.id,
      runCreated: async (runId) => attachRunToSnapshot(store, snapshot.id, runId),
    };
  };
}
