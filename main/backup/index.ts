/**
 * Undo for support staff: rollback of a run or batch from the undo journal, snapshots and an
 * audited restore (both backends). The folder's whole public face.
 */
export { currentOperator } from './operator.js';
export {
  rollback,
  leftAllStanding,
  nothingRolledBackBecause,
  undidNothing,
  withRollbackRefusals,
  CONFLICT_POLICIES,
  type ConflictPolicy,
  type RollbackProgress,
  type RollbackRequest,
  type RollbackReport,
  type RollbackRefusal,
  type RollbackConflict,
  type HearingUndo,
  type CreatedRowUndo,
} from './rollback.js';
export {
  attachRunToSnapshot,
  createSnapshot,
  createSnapshotOnRequest,
  deleteSnapshot,
  listRestores,
  listSnapshots,
  pruneSnapshots,
  pruneSnapshotsOnRequest,
  snapshotsToPrune,
  restoreSnapshot,
  snapshotFolder,
  totalSnapshotBytes,
  verifySnapshots,
  DEFAULT_RETENTION,
  type RestoreReport,
  type RestoreRequest,
  type SnapshotDeletionRequest,
  type RetentionPolicy,
  type Snapshot,
  type SnapshotCheck,
  type SnapshotKind,
} from './snapshots.js';
export { backupsList, pruneReport } from './backups-view.js';
export { settleOrphanedRuns } from './lock.js';
export { undoJournal, type RollbackEventRecord } from './undo-journal.js';
export { asRan, rolledBackAfterRunning, type RolledBackLater } from './rolled-back-later.js';
export { snapshotBeforeRun } from './before-run.js';
export { decideSnapshot, type SnapshotRequest } from './snapshot-policy.js';
export { beginAttempt, endAttempt, listAttempts, type WriterAttempt } from './attempts.js';
