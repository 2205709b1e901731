import type { GatehouseError } from '../../shared/errors.js';
import type { IntegrityCheck } from '../../shared/run.js';
import type { BulkHearingWriter, QueryLayer, StoredHalt } from './driver.js';
import { isEnvironmentFault, isTransactionLost } from './faults.js';
import { KnownRows } from './known-rows.js';
import { RunReports } from './repositories/reported-runs.js';
import { Trials } from './repositories/trials.js';
import { RunRepository } from './repositories/runs.js';
import { settleAbandonedAttempts } from './writer-attempts.js';
import { runningTrialOn } from './staging.js';
import type { Backend, DatabaseFault, LockClaim, LockHolder, WriterNotes, WriteTx } from './types.js';
import type { SnapshotSupport } from './snapshot-types.js';

/**
 * The one Store, whichever database answers: the run repository and the others, written once
 * against the query layer, over a driver that keeps what truly differs between the backends. The
 * folders that own tables query them through `queries` (DESIGN §1): flags (main/flags/), tasks and
 * notifications (main/scheduler/), the undo journal and restores (main/backup/), reviews and
 * sensitivity (main/validation/), rollouts (main/rollouts/). The trial ledger stays here: the
 * staging copy (staging.ts) carries it over.
 */
export class GatehouseStore extends RunRepository {
  readonly backend: Backend = this.driver.backend;
  /** Where the data lives, with any password removed. */
  readonly location: string = this.driver.location;
  /** How long one statement waits for a lock another session holds (SQLite's busy timeout, PostgreSQL's lock_timeout). */
  readonly lockWaitMs: number = this.driver.lockWaitMs;
  /** Files beside a SQLite database, schemas beside a PostgreSQL one. */
  readonly snapshots: SnapshotSupport = this.driver.snapshots;
  /** Word for the writer holding a SQLite database, passed without its lock (types.ts WriterNotes); null on PostgreSQL. */
  readonly writerNotes: WriterNotes | null = this.driver.writerNotes;
  readonly queries: QueryLayer = this.driver;
  private damageFound: GatehouseError | null = this.driver.damage;
  /** Why the store is not all there, opened for a restore all the same (StoreOptions.forRestore); null when it is whole. */
  get damage(): GatehouseError | null {
    return this.damageFound;
  }

  /** A restore (on this connection or another, as a console's worker does) succeeded over it: it is whole again, as a restore leaves it or refuses. */
  mendedByRestore(): void {
    this.damageFound = null;
  }
  readonly reports = new RunReports(this.driver);
  readonly trials = new Trials(this.driver);
  /** Committees and witnesses the batches of the run holding the writer lock have seen. */
  private readonly known = new KnownRows();

  close(): Promise<void> {
    return this.driver.close();
  }

  /** With the writer lock held: the writer attempts (rollbacks, restores, prunes, trial sessions) whose process died, settled as their audit shows (`unfinished` where it cannot tell); returns their ids (writer-attempts.ts). */
  async settleAbandonedAttempts(options: { now: Date; staleAfterMs: number }): Promise<number[]> {
    return settleAbandonedAttempts(this.driver.db, options.now, (await runningTrialOn(this, options)) !== null);
  }

  /**
   * Whose fault a database error is (the one classifier, per backend): `transient` (a dropped
   * connection, a busy database: retry with backoff), `environment` (disk full, I/O error,
   * read-only file, the writer lock lost: stop as interrupted, blame no record) or `record`
   * (anything else: the batch's records may be at fault, so isolate them). A transaction lost to
   * an error it could not recover from (faults.ts's isTransactionLost) is transient on both.
   */
  classifyError(error: unknown): DatabaseFault {
    if (isEnvironmentFault(error)) return 'environment';
    return isTransactionLost(error) ? 'transient' : this.driver.classifyError(error);
  }

  /**
   * Refuses a corrupted database before a run writes to it. SQLite: PRAGMA quick_check when `full`
   * or when the file is not as the last verified run left it, else skipped
   * (main/store/sqlite/integrity.ts); PostgreSQL checks its own pages.
   */
  checkIntegrity(options?: { full?: boolean }): Promise<IntegrityCheck> {
    return this.driver.integrity.check(options);
  }

  /** After a run that began with checkIntegrity: vouches for the file it leaves, so the next run may skip the full check. */
  recordVerifiedRun(): Promise<void> {
    return this.driver.integrity.recordVerified();
  }

  /**
   * A batch in one transaction (COMMIT when `work` resolves, ROLLBACK when it throws): the driver's
   * bulk writer for the hearings, the shared repository for the rest.
   */
  async transaction<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    try {
      const result = await this.batchTransaction(work);
      this.known.committed();
      return result;
    } catch (error) {
      this.known.rolledBack();
      throw error;
    }
  }

  private batchTransaction<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.driver.batchTransaction((trx, writer) =>
      work({
        writeHearings: (runId, batchSeq, changes) => writer.writeHearings(runId, batchSeq, changes, this.known),
        findEarlierWrites: (runId, eventIds) => writer.findEarlierWrites(runId, eventIds),
        savepoint: (inner) => this.withSavepoint(writer, inner),
        addQuarantine: (entries) => this.insertQuarantine(trx, entries),
        recordBatch: (batch) => this.recordBatch(trx, batch),
        saveCheckpoint: (checkpoint) => this.saveCheckpoint(trx, checkpoint),
        recordHandled: (runId, keys) => this.recordHandled(trx, runId, keys),
      }),
    );
  }

  /** The writer's savepoint; what was found or created inside one that rolls back is forgotten with it. */
  private async withSavepoint<T>(writer: BulkHearingWriter, work: () => Promise<T>): Promise<T> {
    const savepoint = this.known.savepoint();
    try {
      return await writer.savepoints.around(work);
    } catch (error) {
      this.known.rolledBackTo(savepoint);
      throw error;
    }
  }

  acquireWriterLock(holder: LockClaim, options: { now: Date; staleAfterMs: number }) {
    this.known.clear();
    return this.driver.writerLock.acquire(holder, options);
  }

  /** Who the writer lock's row names (null: none), read without taking the lock or waiting for a writer. */
  async writerLockHolder(): Promise<LockHolder | null> {
    const row = await this.driver.db.selectFrom('writerLock').select(['runId', 'pid', 'host', 'since', 'heartbeatAt', 'operation', 'operator']).where('id', '=', 1).executeTakeFirst();
    return row ?? null;
  }

  /** The HALT_UPDATES values stored, read on the writer lock's own connection (WriterLock.haltsStored); null while the lock is not held. */
  haltsStored(): Promise<StoredHalt[] | null> {
    return this.driver.writerLock.haltsStored();
  }

  /** Refreshes the lock's heartbeat and names the run that holds it; `waitIfBusy: false` tries once (the heartbeat's timer). */
  heartbeat(now: Date, runId: number | null, options?: { waitIfBusy?: boolean }): Promise<void> {
    return this.driver.writerLock.heartbeat(now, runId, options);
  }

  /**
   * The database stayed busy past a run's whole series of retries: until a write goes through,
   * each one tries once instead of waiting out the lock wait again (SQLite's busy timeout) — the
   * lock's release and the notification throttle on the run's way out would only fail after it.
   */
  tryWritesOnceWhileBusy(): void {
    this.driver.tryWritesOnceWhileBusy();
  }

  /** A new run on this store (a scheduler's, `gatehouse serve`'s next) waits for a busy database as long as any run does, whatever the run before it gave up on. */
  writesWaitAgain(): void {
    this.driver.writesWaitAgain();
  }

  /**
   * For a store kept open for long (the console's) and an update's (runUpdate): from now on each
   * write first checks that the database is still where it was opened, refusing DB_UNREACHABLE "no
   * database at …" (DatabaseGone, an environment fault) when it is not. A SQLite file deleted (or
   * moved, or replaced by another) while `gatehouse serve` ran stayed open to this connection, which
   * went on accepting flag changes, reviews and tasks into a file no one would ever read again; an
   * update went on committing its batches into it and reported success. One stat(2) as a write
   * transaction begins and one before its COMMIT, one per write outside one (SQLite); nothing on
   * PostgreSQL, where a dropped schema refuses writes itself.
   */
  refuseWritesOnceGone(): void {
    this.driver.refuseWritesOnceGone();
  }

  /**
   * What of the store is gone in a way no wait brings back (a table or its schema dropped, the SQLite
   * file deleted or moved), as the error that says so; null when it is all there. Throws when the
   * database cannot be asked (unreachable), which may pass: the scheduler pauses on the first, not the second.
   */
  lostForGood(): Promise<GatehouseError | null> {
    return this.driver.lostForGood();
  }

  releaseWriterLock(): Promise<void> {
    this.known.clear();
    return this.driver.writerLock.release();
  }
}
