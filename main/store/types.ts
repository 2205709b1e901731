import type { Selectable } from 'kysely';
import type { FieldChange, NormalizedHearing, QuarantineEntry, Rejection } from '../../shared/record.js';
import type { BatchCounts, BatchRecord, RunMetrics, RunStop, RunSummary, SourceFingerprint, SourceWindow } from '../../shared/run.js';
import type { ApiParsedInput } from '../../shared/api.js';
import type { RelatedTotals } from './hearing-rows.js';
import type { Database } from './schema.js';
import type { GatehouseStore } from './store.js';
import type { DatabaseOption } from './faults.js';

export type Backend = 'sqlite' | 'postgres';

/** Who holds the one-writer lock, as a refusal names it: its writer_lock row. */
export type LockHolder = Omit<Selectable<Database['writerLock']>, 'id'>;
/** What a writer claims the lock as: `operation` and `operator` only when it is not an update. */
export type LockClaim = Omit<LockHolder, 'since' | 'heartbeatAt' | 'operation' | 'operator'> & Partial<Pick<LockHolder, 'operation' | 'operator'>>;

export type LockAttempt =
  /** leftBehind: `tookOverFrom` is a row this process failed to release (SQLite), no other writer's. */
  | { acquired: true; tookOverFrom: LockHolder | null; leftBehind?: boolean }
  /** afterBusyWait: SQLite waited out its busy timeout behind the holder's write transaction before naming it. */
  | { acquired: false; holder: LockHolder; afterBusyWait?: boolean };

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
  /** Null when planning had no stored hearing to compare with: the row's hash is then read from its stored JSON (hearing-content.ts). */
  contentHash: string | null;
  position: number;
  raw: unknown;
  diff: FieldChange[];
}

export type NewQuarantineEntry = Omit<QuarantineEntry, 'id' | 'createdAt'>;

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
  /** What the committed batches' records list, per related table (hearing-rows.ts); null when a checkpoint from before migration 011 began the run. */
  plannedRelated: RelatedTotals | null;
}

/** A run as createRun records it, with the process that runs it. */
export type NewRun = Required<Pick<RunSummary, 'mode' | 'batchSize' | 'task' | 'source' | 'startedAt' | 'flags' | 'resumedFrom'>> & {
  pid: number;
  host: string;
  /** What a `file:` source looked like as the run started; absent or null for other sources. */
  sourceFingerprint?: SourceFingerprint | null;
  /** The window a source re-listed by design (congress) lists; absent or null for other sources. */
  sourceWindow?: SourceWindow | null;
  /** Who started it (an operator, or the scheduler for a task); absent or null when nobody was named. */
  startedBy?: string | null;
  /** The task's run whose resume this new run follows at once (a task's Run resumes, then starts it); absent or null otherwise. */
  afterResumeOf?: number | null;
};

/**
 * How a run ended, as finishRun records it. `resumable` (by default: the run is interrupted) keeps
 * the keys its batches handled for `update --resume`; otherwise they are deleted with the run's end.
 */
/** `stop`: what stopped an interrupted run (RunSummary.stop); absent or null for any other end. */
export type RunOutcome = Required<Pick<RunSummary, 'status' | 'metrics' | 'validation' | 'error'>> & { finishedAt: string; batchCounts: BatchCounts; resumable?: boolean; stop?: RunStop | null };

/** A run as the reports read it: the summary plus the operator's review, if any. */
export interface ReportedRun extends RunSummary {
  /** `confirmed` (a real anomaly), `expected` (a false positive: a known pattern or event), or null when nobody reviewed it. */
  review: string | null;
}

/**
 * A run as the validator's replays (what-if, backtest) judge it: its origin, status, review, metrics and the verdict
 * stored when it ran, and no more. A ReportedRun is one.
 */
export type JudgedRun = Pick<ReportedRun, 'runId' | 'task' | 'status' | 'source' | 'startedAt' | 'metrics' | 'review'> & {
  validation: Pick<NonNullable<RunSummary['validation']>, 'verdict'> | null;
  /** Support rolled back some of its batches (trainingRunFilter): it no longer trains the validator. Read by judged(); absent: none. */
  partlyRolledBack?: boolean;
};

/** Which runs a replay reads, filtered in SQL: a task's, production ones, those that may train the validator, or the runs given. */
export interface JudgedRunQuery {
  task?: string;
  production?: boolean;
  training?: boolean;
  runIds?: readonly number[];
}

/** An anomalous run as folding reads it: what the anomalies list shows of it, and no more. */
export type FoldedRun = Pick<ReportedRun, 'runId' | 'task' | 'status' | 'startedAt' | 'review'> & { validation: Pick<NonNullable<RunSummary['validation']>, 'anomalies'> | null };

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
  /**
   * Notes the keys (`SourceItem.key`) of the items this batch handled, for a resume by identity
   * (`addKeysHandledByRun`): one multi-row statement per 500 keys, a key noted twice kept once.
   */
  recordHandled(runId: number, keys: readonly string[]): Promise<void>;
  /**
   * Runs `work` inside a savepoint: when it throws, everything it wrote is rolled back, the
   * transaction stays open for the rest, and the error is rethrown. What isolates one record of a
   * failed batch without a transaction of its own.
   */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}

export type DatabaseFault = 'transient' | 'environment' | 'record';

export interface StoreOptions {
  /** Test seam: the write of a hearing whose eventId this returns true for throws a database error. */
  failWriteOf?: (eventId: string) => boolean;
  /**
   * Test seam: a ROLLBACK TO SAVEPOINT this returns true for names a savepoint never taken, so the
   * database itself refuses it, the connection staying up (PostgreSQL then aborts the transaction).
   */
  failSavepointRollBack?: () => boolean;
  /**
   * How long one statement waits for a lock another session holds before it fails (SQLite's busy
   * timeout, PostgreSQL's lock_timeout); the engine retries such a failure, then stops the run as
   * interrupted. Default DEFAULT_LOCK_WAIT_MS; tests shorten it.
   */
  lockWaitMs?: number;
  /**
   * Refuse (DB_UNREACHABLE) a database that is not there — no SQLite file, no PostgreSQL schema —
   * instead of creating an empty one: a mistyped `--db` must not answer from, or write to, a new store.
   */
  mustExist?: boolean;
  /** The option that named the database, for mustExist's refusal (default --db): `--trials` when a report reads a staging ledger. */
  namedBy?: DatabaseOption;
  /**
   * With mustExist: this process opened the database before (the console, when it started), so one
   * not there now was deleted, moved or dropped since, not mistyped: on PostgreSQL its schema dropped
   * outside Gatehouse, refused in the words every other call meets it with (storePartMissing).
   */
  openedBefore?: boolean;
  /**
   * A restore-only open (`restore`, `backups list`): a store refused as not all there (a table
   * dropped, its migration record's rows deleted) is opened still, as it is, migrating nothing, its
   * damage said by Store.damage — the restore is what mends it (damaged.ts).
   */
  forRestore?: boolean;
}

/**
 * The store as callers see it: the public face of the one implementation, where each method is
 * documented (main/store/store.ts and the repositories it is made of).
 */
export type Store = Pick<GatehouseStore, keyof GatehouseStore>;

/** What a task's resume stored around one run (RunsRepository.resumeLinks). */
export interface ResumeLinks {
  task: string | null;
  /** A resumed run: the batches it had committed when it was last resumed; null for a run never resumed (or resumed before migration 039). */
  resumedAfterBatches: number | null;
  /** A resumed run: why the new run its task's Run started after it could not start; null when one did, or none was tried. */
  followUpError: string | null;
  /** A task's new run that followed at once the resume of this run; null otherwise. */
  afterResumeOf: number | null;
  /** A resumed run: the newest new run that followed it; null when none did. */
  followedBy: number | null;
}

/** A note left for the writer that holds the database (WriterNotes), as the writer reads it. */
export interface WriterNote {
  id: string;
  body: unknown;
}

/**
 * Word for the one writer holding the database, passed without its write lock. On SQLite every
 * write waits for the writer's transaction, and an all-or-nothing run holds one to its end, so what
 * should reach that run at its next safe point (HALT_UPDATES being set) could only be stored once it
 * had committed; a note needs no lock. A note lives while the process that left it does, and no
 * longer than the deadline it was left with: one whose process died (a flag writer killed before it
 * committed) or that is overdue never reaches a writer, and the next reader removes it. Null on
 * PostgreSQL, where a write never waits for a run's transaction.
 */
export interface WriterNotes {
  /** Leaves `body` until `until` (wall clock) or until withdrawn; returns its id. */
  leave(body: unknown, until: Date): string;
  /** The notes pending now: left by a process still alive, not overdue, neither taken nor withdrawn. */
  pending(): WriterNote[];
  /** The writer acts on note `id`: false when it was withdrawn first (it must not act on it then). */
  take(id: string): boolean;
  /** Withdraws note `id`, whatever became of it: `taken` when the writer took it first (and acts on it). */
  withdraw(id: string): 'withdrawn' | 'taken';
}
