import type { IntegrityCheck } from '../../shared/run.js';
import type { StoreDriver } from './driver.js';
import { KnownRows } from './known-rows.js';
import { FlagStore, NotificationThrottle, RunReports, TaskStore } from './repositories/operations.js';
import { Restores, RunReviews, Trials } from './repositories/reviews.js';
import { Rollouts } from './repositories/rollouts.js';
import { RunRepository } from './repositories/runs.js';
import { SensitivityVersions } from './repositories/sensitivity.js';
import { UndoJournal } from './repositories/undo.js';
import type { DatabaseFault, LockHolder, Store, WriteTx } from './types.js';

/**
 * The one Store, whichever database answers: the run repository and the others, written once
 * against the query layer, over a driver that keeps what truly differs between the backends.
 */
export class GatehouseStore extends RunRepository implements Store {
  readonly backend: Store['backend'];
  readonly location: string;
  readonly snapshots: Store['snapshots'];
  readonly flags = new FlagStore(this.driver);
  readonly tasks = new TaskStore(this.driver);
  readonly notifications = new NotificationThrottle(this.driver);
  readonly reports = new RunReports(this.driver);
  readonly undo = new UndoJournal(this.driver);
  readonly reviews = new RunReviews(this.driver);
  readonly trials = new Trials(this.driver);
  readonly restores = new Restores(this.driver);
  /** Committees and witnesses the batches of the run holding the writer lock have seen. */
  private readonly known = new KnownRows();
  readonly rollouts = new Rollouts(this.driver);
  readonly sensitivity = new SensitivityVersions(this.driver);

  constructor(driver: StoreDriver) {
    super(driver);
    this.backend = driver.backend;
    this.location = driver.location;
    this.snapshots = driver.snapshots;
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  classifyError(error: unknown): DatabaseFault {
    return this.driver.classifyError(error);
  }

  isTransientError(error: unknown): boolean {
    return this.classifyError(error) === 'transient';
  }

  checkIntegrity(options?: { full?: boolean }): Promise<IntegrityCheck> {
    return this.driver.checkIntegrity(options);
  }

  recordVerifiedRun(): Promise<void> {
    return this.driver.recordVerifiedRun();
  }

  /** A batch: the driver's bulk writer for the hearings, the shared repository for the rest. */
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
        addQuarantine: (entries) => this.insertQuarantine(trx, entries),
        recordBatch: (batch) => this.recordBatch(trx, batch),
        saveCheckpoint: (checkpoint) => this.saveCheckpoint(trx, checkpoint),
      }),
    );
  }

  acquireWriterLock(holder: Omit<LockHolder, 'since' | 'heartbeatAt'>, options: { now: Date; staleAfterMs: number }) {
    this.known.clear();
    return this.driver.acquireWriterLock(holder, options);
  }

  heartbeat(now: Date, runId: number | null): Promise<void> {
    return this.driver.heartbeat(now, runId);
  }

  releaseWriterLock(): Promise<void> {
    this.known.clear();
    return this.driver.releaseWriterLock();
  }
}
