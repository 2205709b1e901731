/**
 * Undo for support staff: rollback of a run or batch from the undo journal (both backends) and
 * SQLite file snapshots with restore (SQLite only). The folder's whole public face.
 */
export {
  rollback,
  currentOperator,
  CONFLICT_POLICIES,
  type ConflictPolicy,
  type RollbackRequest,
  type RollbackReport,
  type RollbackConflict,
  type HearingUndo,
  type CreatedRowUndo,
} from './rollback.js';
export {
  attachRunToSnapshot,
  createSnapshot,
  listSnapshots,
  pruneSnapshots,
  pruneSnapshotsOnRequest,
  snapshotsToPrune,
  requireSnapshots,
  restoreSnapshot,
  snapshotFolder,
  verifySnapshots,
  DEFAULT_RETENTION,
  type RestoreReport,
  type RetentionPolicy,
  type Snapshot,
  type SnapshotCheck,
  type SnapshotKind,
} from './snapshots.js';
export { snapshotBeforeRun } from './before-run.js';
