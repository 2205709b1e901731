import type { IntegrityCheck, SnapshotDecision } from '../../shared/run.js';
import type { BeforeRunInput, BeforeRunResult } from '../engine/index.js';
import { decideSnapshot, type SnapshotRequest } from './snapshot-policy.js';
import { attachRunToSnapshot, createSnapshot, DEFAULT_RETENTION, pruneAfterRunSnapshot, type RetentionPolicy } from './snapshots.js';

/**
 * The engine's `beforeRun` hook, with the lock held and before the run writes anything: the
 * snapshot policy decides; a snapshot is taken (its copy checked), and retention applied once the
 * run has its id (before its first batch). The
 * database itself was checked by the caller before the lock was taken (Store.checkIntegrity);
 * how, is recorded with the decision.
 */
export function snapshotBeforeRun(options: { request?: SnapshotRequest; integrity?: IntegrityCheck; retention?: RetentionPolicy; clock?: () => Date } = {}) {
  const clock = options.clock ?? (() => new Date());
  const request = options.request ?? { kind: 'policy' };
  return async ({ store, ...run }: BeforeRunInput): Promise<BeforeRunResult> => {
    const decision: SnapshotDecision = { ...(await decideSnapshot(store, run, request, clock())), ...(options.integrity && { integrity: options.integrity }) };
    if (!decision.taken) return { decision, backupId: null };
    // Due by policy to a role that may not take one (a team's read/write role): the run goes on, saying so.
    const denied = request.kind === 'policy' ? await store.snapshots.deniedToRole() : null;
    if (denied) {
      const reason = `due (${decision.reason}) but not taken: ${denied.why} (${denied.grant}); the undo journal makes this run reversible`;
      return { decision: { ...decision, taken: false, reason }, backupId: null };
    }
    const snapshot = await createSnapshot(store, { kind: 'before-run', clock });
    // Retention waits for the run's id, still before its first batch: its audit names the run that set it off.
    const runCreated = async (runId: number) => {
      await attachRunToSnapshot(store, snapshot.id, runId);
      await pruneAfterRunSnapshot(store, options.retention ?? DEFAULT_RETENTION, { runId, operator: run.operator, clock });
    };
    return { decision, backupId: snapshot.id, runCreated };
  };
}
