import type { RunStatus } from '../../shared/run.js';

/**
 * The undo journal as rollback reads it, and the primitives a rollback needs inside its one
 * transaction. What to restore and how conflicts resolve is decided in main/backup/; this is only
 * the data access, implemented once per backend.
 */
export type UndoEntity = 'hearing' | 'committee' | 'witness';

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
  entity: UndoEntity;
  /** eventId for a hearing, system code for a committee, witness id for a witness. */
  key: string;
  /** null: the row did not exist before the write. Always null for committees and witnesses. */
  before: HearingImage | null;
  afterHash: string | null;
}

/** A later write of the same hearing that has not itself been rolled back. */
export interface LaterWrite {
  journalId: number;
  runId: number;
  batchSeq: number;
}

export type JournalOutcome = 'restored' | 'deleted' | 'skipped' | 'created-deleted' | 'created-kept';

/** What one rollback did, as reported to the operator and recorded in its event. */
export interface RollbackCounts {
  restored: number;
  deleted: number;
  skipped: number;
  /** Conflicting hearings restored anyway (`--on-conflict force`); included in restored/deleted. */
  forced: number;
  createdRowsDeleted: number;
  createdRowsKept: number;
}

export interface RollbackEventRecord extends RollbackCounts {
  id: number;
  runId: number;
  /** null when the whole run was rolled back. */
  batchSeq: number | null;
  operator: string;
  at: string;
  reason: string | null;
  onConflict: 'refuse' | 'skip' | 'force';
  runRolledBack: boolean;
}

export type NewRollbackEvent = Omit<RollbackEventRecord, 'id'>;

export interface UndoRunState {
  status: RunStatus;
  /** Seqs of the run's batches and their status. */
  batches: { seq: number; status: string }[];
}

export interface UndoTx {
  run(runId: number): Promise<UndoRunState | null>;
  /** Journal rows of the target not yet consumed by a rollback, oldest first. */
  pendingJournal(target: UndoTarget): Promise<JournalEntry[]>;
  /** For each hearing entry: later, not rolled-back journal rows of the same hearing (any run). */
  laterHearingWrites(entries: JournalEntry[]): Promise<Map<number, LaterWrite[]>>;
  /** content_hash of the hearings that exist now. */
  currentHashes(eventIds: string[]): Promise<Map<string, string>>;
  /** Replaces the hearing and all its related rows with the before-image. */
  restoreHearing(image: HearingImage): Promise<void>;
  /** Deletes the hearing with its related rows; false when it did not exist. */
  deleteHearing(eventId: string): Promise<boolean>;
  /** Deletes a committee or witness the journal says was created, unless something still refers to it. */
  deleteCreatedRow(entity: 'committee' | 'witness', key: string): Promise<'deleted' | 'kept' | 'gone'>;
  recordEvent(event: NewRollbackEvent): Promise<number>;
  markJournal(outcomes: { journalId: number; outcome: JournalOutcome }[], eventId: number): Promise<void>;
  /** Marks batches `rolled_back`: the listed seqs, or every batch of the run when seqs is null. */
  markBatchesRolledBack(runId: number, seqs: number[] | null): Promise<void>;
  markRunRolledBack(runId: number): Promise<void>;
}

export interface UndoRepository {
  /**
   * Runs `work` in one write transaction. With `dryRun` everything `work` wrote is rolled back at
   * the end, so a dry run computes exactly what the real rollback would do.
   */
  transaction<T>(work: (tx: UndoTx) => Promise<T>, options: { dryRun: boolean }): Promise<T>;
  listEvents(options?: { runId?: number; limit?: number }): Promise<RollbackEventRecord[]>;
}

/**
 * File snapshots of the live database (SQLite only: PostgreSQL stores have none, `snapshots` is null).
 */
export interface SnapshotSupport {
  /** The database file's absolute path. */
  readonly file: string;
  /** Online copy through SQLite's backup API: consistent while readers continue. */
  backupTo(destination: string): Promise<void>;
  /** PRAGMA integrity_check of a snapshot file: [] when it is sound, else the problems. */
  checkFile(file: string): Promise<string[]>;
  /**
   * Copies a snapshot over the live database through the backup API and brings its schema up to
   * date. The caller holds the writer lock; the lock row the snapshot carried is cleared.
   */
  restoreFrom(file: string): Promise<void>;
}
