import type { FieldChange, NormalizedHearing, QuarantineEntry, Rejection } from '../../shared/record.js';
import type { BatchCounts, BatchRecord, Reconciliation, RunMetrics, IntegrityCheck, RunMode, RunStatus, RunSummary, SnapshotDecision } from '../../shared/run.js';
import type { HistoryEntry, ValidationResult } from '../../shared/validation.js';
import type { ApiParsedInput } from '../../shared/api.js';
import type { FlagStore, NotificationThrottle, RunReports, TaskStore } from './repositories/operations.js';
import type { Restores, RunReviews, Trials } from './repositories/reviews.js';
import type { SensitivityVersions } from './repositories/sensitivity.js';
import type { UndoJournal } from './repositories/undo.js';
import type { ReconciliationFacts } from './repositories/reconcile.js';
import type { SnapshottedRun } from './repositories/runs.js';
import type { Rollouts } from './repositories/rollouts.js';
import type { SnapshotSupport } from './undo-types.js';

export type Backend = 'sqlite' | 'postgres';
export type { ReconciliationFacts, Sample } from './repositories/reconcile.js';
export type { SnapshottedRun } from './repositories/runs.js';

/** Who holds the one-writer lock, as a refusal names it. */
export interface LockHolder {
  runId: number | null;
  pid: number;
  host: string;
  since: string;
  heartbeatAt: string;
}

export type LockAttempt =
  | { acquired: true; tookOverFrom: LockHolder | null }
  | { acquired: false; holder: LockHolder };

/** What the database holds for a hearing, as classification needs it. */
export interface StoredHearing {
  eventId: string;
  contentHash: string;
  content: NormalizedHearing;
  lastRunId: number | null;
}

export interface PlannedChange {
  kind: 'added' | 'updated';
  hearing: NormalizedHearing;
  contentHash: string;
  position: number;
  raw: unknown;
  diff: FieldChange[];
}

export interface NewQuarantineEntry {
  runId: number;
  batchSeq: number | null;
  eventId: string | null;
  sourcePosition: number | null;
  reasons: Rejection[];
  raw: unknown;
}

/** A batch rule broken inside the transaction, naming the record where it can. */
export interface BatchRuleViolation {
  eventId: string | null;
  reason: Rejection;
}

/**
 * Where a run stands, written in the same transaction as the batch it follows, so the two
 * can never disagree after a crash. `positionsDoneInBatch` lists the positions at or after
 * `nextPosition` already committed by parts of a batch under isolation.
 */
export interface Checkpoint {
  runId: number;
  batchSeq: number;
  nextPosition: number;
  metrics: RunMetrics;
  batchCounts: BatchCounts;
  positionsDoneInBatch: number[];
  updatedAt: string;
}

export interface NewRun {
  mode: RunMode;
  batchSize: number;
  task: string | null;
  source: string;
  startedAt: string;
  pid: number;
  host: string;
  flags: Record<string, unknown>;
  resumedFrom: number | null;
}

export interface RunOutcome {
  status: RunStatus;
  finishedAt: string;
  metrics: RunMetrics;
  batchCounts: BatchCounts;
  validation: ValidationResult | null;
  error: string | null;
}

export interface RunDetail extends RunSummary {
  batchList: BatchRecord[];
}

/** Which runs to list, newest first: the API's filters, applied in SQL before the limit, and its keyset cursor `after`. */
export type RunQuery = Partial<ApiParsedInput<'runs.list'>>;
/** Quarantine entries oldest first, by run and batch, with the keyset cursor `after`. */
export type QuarantineQuery = Partial<ApiParsedInput<'quarantine.list'>>;

/**
 * One transaction. Everything written through it commits or rolls back together:
 * hearing rows, their related rows, undo-journal entries, quarantine entries, the batch row
 * and the checkpoint.
 */
export interface WriteTx {
  /**
   * Upserts the hearings with their committees, witnesses, appearances, videos and transcripts,
   * journaling each one's before-image. Returns the number of rows written (hearings plus related).
   * Throws as a database error would; the test fault seam throws here too.
   */
  writeHearings(runId: number, batchSeq: number, changes: PlannedChange[]): Promise<{ hearings: number; related: number }>;
  /** Batch rule checked before writing: an eventId this run has already committed is a duplicate. */
  findEarlierWrites(runId: number, eventIds: string[]): Promise<BatchRuleViolation[]>;
  addQuarantine(entries: NewQuarantineEntry[]): Promise<void>;
  recordBatch(batch: BatchRecord): Promise<void>;
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
}

export type DatabaseFault = 'transient' | 'environment' | 'record';

export interface StoreOptions {
  /** Test seam: the write of a hearing whose eventId this returns true for throws a database error. */
  failWriteOf?: (eventId: string) => boolean;
}

export interface Store {
  readonly backend: Backend;
  /** Where the data lives, with any password removed. */
  readonly location: string;
  close(): Promise<void>;
  /**
   * Whose fault a database error is (the one classifier, per backend): `transient` (a dropped
   * connection, a busy database: retry with backoff), `environment` (disk full, I/O error,
   * read-only file, the writer lock lost: stop as interrupted, blame no record) or `record`
   * (anything else: the batch's records may be at fault, so isolate them).
   */
  classifyError(error: unknown): DatabaseFault;
  /** classifyError(error) === 'transient'. */
  isTransientError(error: unknown): boolean;

  /** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: WriteTx) => Promise<T>): Promise<T>;

  acquireWriterLock(holder: Omit<LockHolder, 'since' | 'heartbeatAt'>, options: { now: Date; staleAfterMs: number }): Promise<LockAttempt>;
  /** Refreshes the lock's heartbeat and names the run that holds it. */
  heartbeat(now: Date, runId: number | null): Promise<void>;
  releaseWriterLock(): Promise<void>;

  knownCommitteeCodes(): Promise<Set<string>>;
  loadHearings(eventIds: string[]): Promise<Map<string, StoredHearing>>;
  /** Event ids this run has already committed (rebuilds the run's duplicate check on resume). */
  eventIdsWrittenByRun(runId: number): Promise<Set<string>>;

  createRun(run: NewRun): Promise<number>;
  /** Puts an interrupted run back to `running` under this process, for `update --resume`. */
  reopenRun(runId: number, owner: { pid: number; host: string }): Promise<void>;
  finishRun(runId: number, outcome: RunOutcome): Promise<void>;
  /** Names the snapshot taken before the run (runs.backup_id). */
  setRunBackupId(runId: number, backupId: string): Promise<void>;
  /** Records whether a snapshot was taken before the run, and why (runs.snapshot_json). */
  setRunSnapshotDecision(runId: number, decision: SnapshotDecision): Promise<void>;
  /** Records the cross-batch reconciliation of what the run wrote (runs.reconciliation_json). */
  setRunReconciliation(runId: number, reconciliation: Reconciliation): Promise<void>;
  /** The newest run a snapshot was taken before, with its settings; null when none was. */
  lastSnapshottedRun(): Promise<SnapshottedRun | null>;
  /** Counts the cross-batch reconciliation compares (main/engine/reconcile.ts). */
  reconciliationFacts(runId: number): Promise<ReconciliationFacts>;
  /** Quarantine entries written outside a batch transaction (e.g. after an all-or-nothing rollback). */
  addQuarantine(entries: NewQuarantineEntry[]): Promise<void>;
  getCheckpoint(runId: number): Promise<Checkpoint | null>;
  /** Runs still marked `running` whose writer is gone become `interrupted`; returns their ids. */
  markOrphanedRunsInterrupted(options: { now: Date; except?: number }): Promise<number[]>;

  getRun(runId: number): Promise<RunDetail | null>;
  listRuns(options?: RunQuery): Promise<RunSummary[]>;
  listQuarantine(options?: QuarantineQuery): Promise<QuarantineEntry[]>;
  /** Past runs that may train the historical validator, oldest first. */
  validationHistory(options?: { before?: string; task?: string | null; limit?: number }): Promise<HistoryEntry[]>;
  countHearings(): Promise<number>;
  /** The largest numeric eventId stored, so a synthetic source can start above it; null when empty. */
  highestEventId(): Promise<number | null>;
  /**
   * Refuses a corrupted database before a run writes to it. SQLite: PRAGMA quick_check when `full`
   * or when the file is not as the last verified run left it, else skipped
   * (main/store/sqlite/integrity.ts); PostgreSQL checks its own pages.
   */
  checkIntegrity(options?: { full?: boolean }): Promise<IntegrityCheck>;
  /** After a run that began with checkIntegrity: vouches for the file it leaves, so the next run may skip the full check. */
  recordVerifiedRun(): Promise<void>;

  /** Feature flag values and their audit events (main/flags/). */
  readonly flags: FlagStore;
  /** Scheduled tasks (main/scheduler/). */
  readonly tasks: TaskStore;
  /** The notification throttle shared by every process using this database. */
  readonly notifications: NotificationThrottle;
  /** Run queries for the gate reports (main/reports/). */
  readonly reports: RunReports;
  /** The undo journal as rollback reads and applies it (main/backup/). */
  readonly undo: UndoJournal;
  /** Snapshots of the live database: files beside a SQLite database, schemas beside a PostgreSQL one. */
  readonly snapshots: SnapshotSupport;
  /** The restores done to this database, an audit that outlives them (main/backup/). */
  readonly restores: Restores;
  /** Operator feedback on anomalous and held runs (main/validation/ feedback). */
  readonly reviews: RunReviews;
  /** The staging trial ledger (main/trials/). */
  readonly trials: Trials;
  /** Guarded rollouts and their decision ledger (main/rollouts/). */
  readonly rollouts: Rollouts;
  /** Sensitivity settings per task, versioned and audited (main/validation/ sensitivity). */
  readonly sensitivity: SensitivityVersions;
}
