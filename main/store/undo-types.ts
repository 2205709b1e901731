import type { RestoreEventView, RollbackEventView, SnapshotView } from '../../shared/api-operations.js';

// The undo journal as rollback reads it; the primitives a rollback needs inside its one transaction
// (UndoTx) are typed by their one implementation in repositories/undo.ts. What to restore and how
// conflicts resolve is decided in main/backup/.

/** A whole run (`batchSeq` null) or one of its batches. */
export interface UndoTarget {
  runId: number;
  batchSeq: number | null;
}

/** Every row a hearing owned before the write, exactly as stored (column names as keys). */
export interface HearingImage {
  hearing: Record<string, unknown>;
  committees: Record<string, unknown>[];
  appearances: Record<string, unknown>[];
  videos: Record<string, unknown>[];
  transcripts: Record<string, unknown>[];
}

export interface JournalEntry {
  id: number;
  runId: number;
  batchSeq: number;
  entity: 'hearing' | 'committee' | 'witness';
  /** eventId for a hearing, system code for a committee, witness id for a witness. */
  key: string;
  /** null: the row did not exist before the write. Always null for committees and witnesses. */
  before: HearingImage | null;
  afterHash: string | null;
  /** An earlier rollback skipped this write (it was in conflict) and left it standing. */
  skippedBefore: boolean;
}

export type JournalOutcome = 'restored' | 'deleted' | 'skipped' | 'created-deleted' | 'created-kept';

/** What one rollback did, as reported to the operator and recorded in its event. */
export type RollbackCounts = Pick<RollbackEventRecord, 'restored' | 'deleted' | 'skipped' | 'forced' | 'createdRowsDeleted' | 'createdRowsKept'>;

/** A recorded rollback: `batchSeq` null when the whole run was rolled back. */
export type RollbackEventRecord = RollbackEventView;

export type { UndoTx } from './repositories/undo.js';

export type Snapshot = SnapshotView;
export type SnapshotKind = Snapshot['kind'];
export type RestoreEvent = RestoreEventView;

/** Who restores and why: a restore is an audited event, never anonymous. */
export interface RestoreRequest {
  operator: string;
  reason: string;
  at: string;
  safetySnapshotId: string | null;
}

/**
 * Snapshots of the live database and restores from them. SQLite keeps files beside the database
 * (online backup API) with a manifest; PostgreSQL keeps a schema per snapshot with a table listing
 * them. Either way a restore replaces the run and domain tables in one transaction and leaves the
 * audit tables as they are.
 */
export interface SnapshotSupport {
  /** Where the snapshots are, for messages: a folder or a schema name pattern. */
  readonly place: string;
  /** Newest first. */
  list(): Promise<Snapshot[]>;
  /** Copies the live database into a new snapshot, checks the copy and records it. */
  take(meta: Pick<Snapshot, 'id' | 'kind' | 'createdAt' | 'runId'>): Promise<Snapshot>;
  /** Names the run a before-run snapshot was taken for, once the run has an id. */
  attachRun(id: string, runId: number): Promise<void>;
  /** What re-checking a snapshot finds wrong (checksum, integrity); [] when it is sound. */
  check(snapshot: Snapshot): Promise<string[]>;
  remove(snapshot: Snapshot): Promise<void>;
  /**
   * Replaces the run and domain tables (hearings, runs, flags, tasks…) with the snapshot's and
   * records the restore, in one transaction; the audit tables and the run-id high-water mark stay.
   * The caller holds the writer lock.
   */
  restore(snapshot: Snapshot, request: RestoreRequest): Promise<RestoreEvent>;
}
