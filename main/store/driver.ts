import { CamelCasePlugin, Kysely, sql, type Dialect, type Expression, type SqlBool } from 'kysely';
import type { IntegrityCheck } from '../../shared/run.js';
import type { Database } from './schema.js';
import type { KnownRows } from './known-rows.js';
import type { Backend, DatabaseFault, LockAttempt, LockClaim, PlannedChange, StoreOptions, WriterNotes, WriteTx } from './types.js';
import type { SnapshotSupport } from './snapshot-types.js';
import { SavepointLost } from './faults.js';
import type { GatehouseError } from '../../shared/errors.js';
import type { RunningRun } from './process.js';

export type Db = Kysely<Database>;

/** The one query layer over a backend's dialect: camelCase names in the code, snake_case in SQL. */
export function queryLayer(dialect: Dialect): Db {
  return new Kysely<Database>({ dialect, plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })] });
}

/** The part of a batch transaction each backend writes its own way, for speed: the hearings. */
export interface BulkHearingWriter extends Pick<WriteTx, 'findEarlierWrites'> {
  /** WriteTx.writeHearings, reading only the committees and witnesses `known` lacks and telling it what it found. */
  writeHearings(runId: number, batchSeq: number, changes: PlannedChange[], known: KnownRows): Promise<{ hearings: number; related: number }>;
  /** WriteTx.savepoint, over the writer's way of sending the savepoint statements. */
  readonly savepoints: Savepoints;
}

/** The statements of WriteTx.savepoint, the same on both backends. */
export const SAVEPOINT_STATEMENTS = {
  take: 'SAVEPOINT record_write',
  release: 'RELEASE SAVEPOINT record_write',
  rollBack: 'ROLLBACK TO SAVEPOINT record_write',
} as const;
export type SavepointStep = keyof typeof SAVEPOINT_STATEMENTS;

/** A step's statement, unless the test seam StoreOptions.failSavepointRollBack makes a ROLLBACK TO one the database refuses. */
export function savepointStatement(step: SavepointStep, options: Pick<StoreOptions, 'failSavepointRollBack'>): string {
  return step === 'rollBack' && options.failSavepointRollBack?.() ? 'ROLLBACK TO SAVEPOINT record_write_never_taken' : SAVEPOINT_STATEMENTS[step];
}

/**
 * WriteTx.savepoint over a backend's way of running SAVEPOINT_STATEMENTS, given the steps that
 * can go together: PostgreSQL sends them in one round trip, and its pipelining pool sends the
 * work's first statement right behind them, before their answer. Isolation takes a savepoint per
 * 16 or 24 changes of a failed batch (batch-commit.ts's `isolationChunk`) and about eight more per
 * bad record, and a round trip costs ≈ 0.2 ms, so there a savepoint that held is released only
 * with the next one's SAVEPOINT, or by the COMMIT, and one rolled back to (ROLLBACK TO keeps it)
 * serves the next work as it is; the ROLLBACK TO itself goes out unanswered, ahead of whatever the
 * transaction sends next. About four of those eight fail. `releaseLazily` is for a writer that
 * lives for one transaction on one pipelining connection: no release can be owed past its COMMIT,
 * and its statements run in the order they were sent.
 */
export class Savepoints {
  private releaseOwed = false;
  /**
   * Rolled back to and still there: ROLLBACK TO keeps the savepoint, so the next work may reuse it.
   * That holds because isolation's tries follow one another with nothing written between them: a
   * statement run between a failed try and the next would be undone by that try's ROLLBACK TO.
   */
  private heldEmpty = false;

  constructor(
    private readonly run: (steps: SavepointStep[]) => Promise<unknown>,
    private readonly releaseLazily: boolean,
  ) {}

  async around<T>(work: () => Promise<T>): Promise<T> {
    // Not awaited before the work: on a pipelining connection the work's first statement goes out
    // right behind the SAVEPOINT, one round trip for both.
    const taking = this.heldEmpty ? null : this.run(this.releaseOwed ? ['release', 'take'] : ['take']);
    taking?.catch(() => {}); // awaited below, whichever way the work ends
    this.releaseOwed = false;
    this.heldEmpty = false;
    let result: T;
    try {
      result = await work();
    } catch (error) {
      // A savepoint not taken failed the work too: its error is the cause, and there is nothing to return to.
      await taking;
      if (this.releaseLazily) {
        // Not awaited either: whatever the transaction sends next (the next try, the batch row, the
        // COMMIT) goes out right behind the ROLLBACK TO and runs after it, one round trip for both.
        // A transaction that cannot return to its savepoint has lost its connection, or PostgreSQL
        // aborted it: what it sends next fails with it (25P02), classed as no record's (faults.ts).
        this.run(['rollBack']).catch(() => {});
        this.heldEmpty = true;
        throw error;
      }
      // A transaction that cannot return to its savepoint keeps what the work wrote: not the record's fault (faults.ts).
      await this.run(['rollBack', 'release']).catch((rollBackFailure: unknown) => Promise.reject(new SavepointLost(rollBackFailure, error)));
      throw error;
    }
    await taking;
    if (this.releaseLazily) this.releaseOwed = true;
    else await this.run(['release']);
    return result;
  }
}

/**
 * What each backend keeps for itself under the one query layer: its connection and writer lock,
 * its transactions, its bulk hearing writer, its snapshots and its integrity check. Everything else
 * (every read and plain write) is written once, against `db`, in the repositories.
 */
export interface StoreDriver {
  readonly backend: Backend;
  /** Where the data lives, password removed. */
  readonly location: string;
  /** How long one statement waits for a lock another session holds (StoreOptions.lockWaitMs). */
  readonly lockWaitMs: number;
  /** Reads, and writes that are one statement, outside any transaction. */
  readonly db: Db;
  /** One write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: one pooled connection); a dry run reads one snapshot, may not write and holds nothing a writer waits for (SQLite: a read-only connection of its own; PostgreSQL: READ ONLY). */
  transaction<T>(work: (trx: Db) => Promise<T>, options?: { dryRun?: boolean }): Promise<T>;
  /** A batch's transaction: the same, with the bulk hearing writer bound to it. */
  batchTransaction<T>(work: (trx: Db, writer: BulkHearingWriter) => Promise<T>): Promise<T>;
  /**
   * Reads that follow the run's rows by key, planned as a batch's statements are: right after a
   * run the statistics may still describe the tables as empty, and a per-row join would scan them.
   */
  keyedReads<T>(work: (trx: Db) => Promise<T>): Promise<T>;
  /** `column IN (values)` for a list of any length (one parameter, not one per value). */
  anyOf(column: string, values: readonly (string | number)[]): Expression<SqlBool>;
  /** `LIKE` as people mean it: case-insensitive on both backends, `%` and `_` in the text taken literally. */
  contains(column: string, text: string): Expression<SqlBool>;
  /** Whose fault an error is, by the backend's own codes; the Store asks faults.ts's isEnvironmentFault first. */
  classifyError(error: unknown): DatabaseFault;
  /** After a run gave up on a busy database: its writes try once, not waiting, until one goes through (SQLite; PostgreSQL's waits block no thread and a lock's release none). */
  tryWritesOnceWhileBusy(): void;
  /** Ends tryWritesOnceWhileBusy: writes wait as usual again (a new run begins with its own patience). */
  writesWaitAgain(): void;
  /** From now on each write first checks the database is still the one opened (refuseWritesOnceGone in store.ts). */
  refuseWritesOnceGone(): void;
  /**
   * What of the store is gone in a way no wait brings back — a table or schema dropped, the SQLite
   * file deleted or moved — as the error that says so; null when it is all there. Throws when the
   * database cannot be asked (a server restarting): that passes by itself.
   */
  lostForGood(): Promise<GatehouseError | null>;
  readonly writerLock: WriterLock;
  readonly integrity: IntegrityPolicy;
  readonly snapshots: SnapshotSupport;
  /** Word for the writer holding the database, passed without its lock (SQLite); null on PostgreSQL. */
  readonly writerNotes: WriterNotes | null;
  /** Why the store is not all there, when it was opened for a restore all the same (StoreOptions.forRestore); null when it is whole. */
  readonly damage: GatehouseError | null;
  close(): Promise<void>;
}

/** The one-writer lock, each backend's own: sqlite/writer-lock.ts, postgres/writer-lock.ts. */
export interface WriterLock {
  acquire(holder: LockClaim, options: { now: Date; staleAfterMs: number }): Promise<LockAttempt>;
  /** `waitIfBusy: false`: one try, a busy SQLite file failing it at once (the heartbeat's timer must not stop the thread for the busy timeout). */
  heartbeat(now: Date, runId: number | null, options?: { waitIfBusy?: boolean }): Promise<void>;
  release(): Promise<void>;
  /** Of the runs left `running`, those whose writer is gone. */
  orphans(running: RunningRun[]): Promise<number[]>;
  /** Of the runs left `running`, those no writer runs, as a reader can tell from the lock without taking it (process.ts runsWithoutWriter). */
  runsWithoutWriter(running: RunningRun[]): Promise<number[]>;
  /**
   * The HALT_UPDATES values stored, in every scope and of any value (a task's own `false` under a
   * global halt), read on the holder's own connection; null when the lock is not held. Enough to
   * resolve the halt in force for one run (flags/halt.ts haltFrom), as its safe points would.
   * On SQLite a halt set while the holder is inside its write transaction cannot be stored yet: it
   * reaches the holder as a WriterNote instead (halt-requests.ts).
   */
  haltsStored(): Promise<StoredHalt[] | null>;
}

/** One HALT_UPDATES value as WriterLock.haltsStored reads it. */
export interface StoredHalt {
  scope: string;
  valueJson: string;
  updatedAt: string;
  updatedBy: string;
}

/** The halts stored, for WriterLock.haltsStored: the same statement on both backends. */
export const STORED_HALTS_SQL = "SELECT scope, value_json AS \"valueJson\", updated_at AS \"updatedAt\", updated_by AS \"updatedBy\" FROM flag_values WHERE flag = 'HALT_UPDATES' ORDER BY scope";

/** A row of STORED_HALTS_SQL as a driver reads it: its time as that driver gives it (a Date or text). */
export type StoredHaltRow = Omit<StoredHalt, 'updatedAt'> & { updatedAt: unknown };

/** STORED_HALTS_SQL's rows, their times as ISO text on both backends. */
export function storedHalts(rows: readonly StoredHaltRow[]): StoredHalt[] {
  return rows.map((row) => ({ scope: row.scope, valueJson: row.valueJson, updatedAt: row.updatedAt instanceof Date ? row.updatedAt.toISOString() : String(row.updatedAt), updatedBy: row.updatedBy }));
}

/** When a run checks the whole database before it writes (GatehouseStore.checkIntegrity). */
export interface IntegrityPolicy {
  check(options?: { full?: boolean }): Promise<IntegrityCheck>;
  /** After a run that began with `check`: vouches for what it leaves. */
  recordVerified(): Promise<void>;
}

/**
 * What a folder under main/ that owns tables (DESIGN §1) queries them through: the one query layer,
 * its transactions and the few places the dialects differ. The Store hands it out as `queries`.
 */
export type QueryLayer = Pick<StoreDriver, 'backend' | 'db' | 'transaction' | 'keyedReads' | 'anyOf' | 'contains'>;

/**
 * The query layer inside one open transaction `trx` of `layer`: its reads and writes go through
 * `trx`, and a `transaction` asked of it joins that one, so a repository written for a whole
 * transaction of its own (a flag change with its audit event) can also be one step of a larger one.
 */
export function joinedTransaction(layer: QueryLayer, trx: Db): QueryLayer {
  return {
    backend: layer.backend,
    db: trx,
    transaction: (work) => work(trx),
    keyedReads: (work) => work(trx),
    anyOf: (column, values) => layer.anyOf(column, values),
    contains: (column, text) => layer.contains(column, text),
  };
}

/** The shared half of `contains`: the dialect picks the operator; `%`, `_` and `\\` in the text are escaped to stand for themselves. */
export function containsWith(operator: 'like' | 'ilike', subject: Expression<string | null>, text: string): Expression<SqlBool> {
  return sql<SqlBool>`${subject} ${sql.raw(operator)} ${`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`;
}

/**
 * A text column ordered by its characters' codes, as SQLite's BINARY orders it on every database: a
 * PostgreSQL database created with a language's collation (en_US.UTF-8, ICU) would put "a" before
 * "A" before "Zed", and the same list would come back in another order from each backend.
 */
export function inCodeOrder(backend: Backend, column: string): Expression<string> {
  return backend === 'postgres' ? sql<string>`${sql.ref(column)} COLLATE "C"` : sql.ref<string>(column);
}

/** Strings in the order inCodeOrder gives (UTF-8 bytes; UTF-16 units, the same outside astral characters), for lists put together in code. */
export function byCodeOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
