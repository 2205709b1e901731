import type { BeforeRunInput, BeforeRunResult } from '../engine/index.js';
import { decideSnapshot, type SnapshotRequest } from './snapshot-policy.js';
import { attachRunToSnapshot, createSnapshot, DEFAULT_RETENTION, pruneSnapshots, type RetentionPolicy } from './snapshots.js';

/**
 * The engine's `beforeRun` hook, with the lock held and before the run writes anything: the
 * snapshot policy decides; a snapshot is taken (its copy checked) and retention applied, or, when
 * none is due, the database itself gets a quick integrity check, since no snapshot verified it.
 * An explicit skip was checked by the caller before the lock was taken.
 */
export function snapshotBeforeRun(options: { request?: SnapshotRequest; retention?: RetentionPolicy; clock?: () => Date } = {}) {
  const clock = options.clock ?? (() => new Date());
  const request = options.request ?? { kind: 'policy' };
  return async ({ store, ...run }: BeforeRunInput): Promise<BeforeRunResult> => {
    const decision = await decideSnapshot(store, run, request, clock());
    if (!decision.taken) {
      if (request.kind === 'policy') await store.checkIntegrity();
      return { decision, backupId: null };
    }
    const snapshot = await createSnapshot(store, { kind: 'before-run', clock });
    await pruneSnapshots(store, options.retention ?? DEFAULT_RETENTION, clock());
    return { decision, backupId: snapshot.id, runCreated: async (runId) => attachRunToSnapshot(store, snapshot.id, runId) };
  };
}
