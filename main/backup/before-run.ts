import type { IntegrityCheck, SnapshotDecision } from '../../shared/run.js';
import type { BeforeRunInput, BeforeRunResult } from '../engine/index.js';
import { decideSnapshot, type SnapshotRequest } from './snapshot-policy.js';
import { attachRunToSnapshot, createSnapshot, DEFAULT_RETENTION, pruneSnapshots, type RetentionPolicy } from './snapshots.js';

/**
 * The engine's `beforeRun` hook, with the lock held and before the run writes anything: the
 * snapshot policy decides; a snapshot is taken (its copy checked) and retention applied. The
 * database itself was checked by the caller before the lock was taken (Store.checkIntegrity);
 * how, is recorded with the decision.
 */
export function snapshotBeforeRun(options: { request?: SnapshotRequest; integrity?: IntegrityCheck; retention?: RetentionPolicy; clock?: () => Date } = {}) {
  const clock = options.clock ?? (() => new Date());
  const request = options.request ?? { kind: 'policy' };
  return async ({ store, ...run }: BeforeRunInput): Promise<BeforeRunResult> => {
    const decision: SnapshotDecision = { ...(await decideSnapshot(store, run, request, clock())), ...(options.integrity && { integrity: options.integrity }) };
    if (!decision.taken) return { decision, backupId: null };
    const snapshot = await createSnapshot(store, { kind: 'before-run', clock });
    await pruneSnapshots(store, options.retention ?? DEFAULT_RETENTION, clock());
    return { decision, backupId: snapshot.id, runCreated: async (runId) => attachRunToSnapshot(store, snapshot.id, runId) };
  };
}
