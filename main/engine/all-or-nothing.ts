import type { BatchRecord } from '../../shared/run.js';
import type { SourceItem } from '../sources/index.js';
import type { BatchCommitter } from './batch-commit.js';
import type { RunPlanner } from './planner.js';
import type { RunContext } from './run-context.js';
import { withPlannedRelated, type RelatedTotals, type WriteTx } from '../store/index.js';
import { FetchedPartNotKept } from './batch-loop.js';
import { stoppedBy } from './finish-run.js';
import { addCounts, checkpointMetrics, countChanges, PendingBatch } from './run-state.js';
import { StopWatch, type StopCheck } from './stop-watch.js';
import { inWindows } from './windows.js';
import { writtenOnce } from './transient-retry.js';

/** The whole update as a single batch: seq 1. */
const ONLY_BATCH = 1;

/**
 * The Phase 2.2 baseline: one transaction for the whole update; any failure rolls all of it
 * back. Records the record rules reject are still quarantined, after the rollback if need be,
 * so every fetched record is accounted for.
 */
export async function runAllOrNothing(
  run: RunContext,
  planner: RunPlanner,
  committer: BatchCommitter,
  items: AsyncIterable<SourceItem>,
  /** `continuation`: how an interrupted run's reason ends (UpdateOptions.continuation). */
  options: { windowSize: number; chunkSize: number; signal?: AbortSignal; continuation: string; beforeCommitting?: (runId: number) => Promise<void>; stopAsked?: StopCheck },
): Promise<{ outcome: 'committed' | 'rolled_back' | 'interrupted'; error: string | null; batch: BatchRecord | null }> {
  const all = new PendingBatch(false);
  const started = run.clock();
  let written = { added: 0, updated: 0 };
  let plannedRelated = run.state.plannedRelated;
  const source = new WatchedSource(items);
  try {
    await retriedUntilBegun(run, async (tx) => {
      let chunk = new PendingBatch();
      const writeChunk = async () => {
        await committer.writeChecked(tx, ONLY_BATCH, chunk.changes);
        const counts = countChanges(chunk.changes);
        written = { added: written.added + counts.added, updated: written.updated + counts.updated };
        if (plannedRelated !== null) plannedRelated = withPlannedRelated(plannedRelated, chunk.changes);
        chunk = new PendingBatch();
      };
      const safePoint = oneReadAtATime(async () => {
        // Stopped already (a read took a halt, recorded on the run once): not read and recorded again.
        if (!options.signal?.aborted) await options.beforeCommitting?.(run.runId);
      });
      const watch = options.stopAsked && options.beforeCommitting ? new StopWatch(() => !options.signal?.aborted && options.stopAsked!(), safePoint) : null;
      // A stop asked for at a safe point (HALT_UPDATES, UpdateOptions.beforeCommitting) rolls the one transaction back whole.
      const stopIfAsked = async () => {
        await watch?.idle();
        await safePoint();
        if (options.signal?.aborted) throw new Interrupted();
      };
      try {
        for await (const window of inWindows(source.items(), options.windowSize)) {
          await stopIfAsked();
          for (const item of await planner.plan(window)) {
            all.add(item);
            chunk.add(item);
            if (chunk.changes.length >= options.chunkSize) await writeChunk();
          }
        }
        await writeChunk();
      } finally {
        // No look once the run goes on to commit: a stop taken then would be one the run did not heed.
        watch?.stop();
      }
      await stopIfAsked();
      // A source that listed nothing gave the update nothing to batch: no batch and no checkpoint, as in batch mode (runBatches).
      if (all.size === 0) return;
      const batch = hasChanges(all) ? batchRow(run, all, 'committed', started, null, written) : null;
      await tx.addQuarantine(all.quarantineEntries(run.runId, batch?.seq ?? null));
      if (batch) await tx.recordBatch(batch);
      await tx.saveCheckpoint(checkpointAfter(run, all, batch, written, plannedRelated));
    });
    return { outcome: 'committed', error: null, batch: hasChanges(all) ? batchRow(run, all, 'committed', started, null, written) : null };
  } catch (thrown) {
    if (thrown instanceof Interrupted) return { outcome: 'interrupted', error: `stopped ${stoppedBy(options.signal).replace(/,$/, '')}; nothing was committed ${options.continuation}`, batch: null };
    // The source failed part-way: said as the batch path says it, the source's reason first, then what the run could not keep.
    const error = source.failed(thrown) && all.size > 0 ? new FetchedPartNotKept(thrown, new Error(`all ${all.size} were rolled back with the update: an all-or-nothing run keeps nothing of an update that did not finish`)) : thrown;
    // Lost part-way (retriedUntilBegun): the one transaction is gone with what it wrote, and the run stops.
    if (thrown instanceof UpdateTriedOnce) throw thrown;
    // Not the records' fault: the run stops as interrupted (finish-run.ts runFault) and a resume starts it over.
    if (run.isRunFault(thrown)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const batch = batchRow(run, all, 'rolled_back', started, message, { added: 0, updated: 0 });
    // Retried as a batch's is, and made once: a connection cut after its COMMIT ran stopped the run as interrupted, its bookkeeping stored all the same.
    await run.transactionOnce(async (tx) => {
      await tx.addQuarantine(all.quarantineEntries(run.runId, ONLY_BATCH));
      await tx.recordBatch(batch);
      await tx.saveCheckpoint(checkpointAfter(run, all, batch, null, run.state.plannedRelated));
    });
    return { outcome: 'rolled_back', error: message, batch };
  }
}

class Interrupted extends Error {}

/**
 * `read`, with a call made while one is under way joining it: the watch's check fires from a timer
 * and may meet a window's safe point; two reads at once would each record the same halt on the run.
 */
function oneReadAtATime(read: () => Promise<void>): () => Promise<void> {
  let underWay: Promise<void> | null = null;
  return () => (underWay ??= read().finally(() => (underWay = null)));
}

/**
 * The one transaction, its opening retried as a batch's is: a database busy or unreachable at BEGIN
 * (SQLite's BEGIN IMMEDIATE behind an outside write transaction, PostgreSQL's LOCK TABLE met by the
 * batch's BEGIN, a refused connection) has had
 * nothing of the update read or written, so trying again loses nothing, where failing made a
 * passing lock fail the whole run. Once `work` has begun, the source is being read into the
 * transaction, and a transient fault there ends it: UpdateTriedOnce, which is not retried. A
 * connection lost at its COMMIT may have let it through: the run's checkpoint is asked (as a batch
 * asks it, RunContext.transactionOnce), and the update is taken as committed when it moved — not
 * said to have kept nothing while all of it is stored.
 */
async function retriedUntilBegun(run: RunContext, work: (tx: WriteTx) => Promise<void>): Promise<void> {
  // Set when a try's transaction failed past its work, at its COMMIT: it may have gone through, so it is asked after (its checkpoint), never written again.
  const unanswered: { taken?: () => void; failure?: unknown } = {};
  const write = async () => {
    if (unanswered.taken) throw new UpdateTriedOnce(unanswered.failure);
    let begun = false;
    try {
      await run.transaction(
        (tx) => {
          begun = true;
          return work(tx);
        },
        (taken) => (unanswered.taken = taken),
      );
    } catch (failure) {
      if (unanswered.taken && run.isTransient(failure)) unanswered.failure = failure;
      else if (begun && run.isTransient(failure)) throw new UpdateTriedOnce(failure);
      throw failure;
    }
  };
  const landed = async () => (unanswered.taken && (await run.checkpointMoved()) ? { value: unanswered.taken() } : null);
  await writtenOnce((tried) => run.withTransientRetry(tried), write, landed);
}

/**
 * A transient fault (a dropped connection, a database busy past the lock wait) inside the one
 * transaction: unlike a batch, the update cannot be written again from where it stood — the source
 * was read into the transaction that is gone — so it was tried once, and the reason must say so,
 * not that the database stayed busy through retries that never ran.
 */
export class UpdateTriedOnce extends Error {
  constructor(readonly failure: unknown) {
    // Not the failure's words: PostgreSQL's faults are told partly by their message ("terminating connection"), and this one must not be retried.
    super('the all-or-nothing update lost its one transaction part-way');
    this.name = 'UpdateTriedOnce';
  }
}

export const NOT_RETRIED_PART_WAY = 'an all-or-nothing update is not retried part-way: nothing of it was kept';

/** The source's items, remembering what they threw: a failure of the source, not of a write. */
class WatchedSource {
  private failure: unknown = undefined;

  constructor(private readonly source: AsyncIterable<SourceItem>) {}

  async *items(): AsyncGenerator<SourceItem> {
    try {
      yield* this.source;
    } catch (failure) {
      this.failure = failure;
      throw failure;
    }
  }

  failed(thrown: unknown): boolean {
    return this.failure !== undefined && thrown === this.failure;
  }
}

function batchRow(
  run: RunContext,
  all: PendingBatch,
  status: BatchRecord['status'],
  started: Date,
  error: string | null,
  counts: { added: number; updated: number },
): BatchRecord {
  const finished = run.clock();
  return {
    runId: run.runId,
    seq: ONLY_BATCH,
    status,
    planned: all.planned.added + all.planned.updated,
    written: counts.added + counts.updated,
    ...counts,
    quarantined: all.rejected.length,
    retries: 0,
    durationMs: Math.max(0, finished.getTime() - started.getTime()),
    error,
    firstPosition: Math.max(0, all.firstPosition),
    lastPosition: Math.max(0, all.lastPosition),
    finishedAt: finished.toISOString(),
  };
}

/**
 * DESIGN §2 step 5: a batch is of changes. An update whose records were all unchanged or quarantined
 * wrote none, so it counts no batch, as batch mode counts none for them (BatchCommitter.checkpointWithoutChanges).
 */
function hasChanges(all: PendingBatch): boolean {
  return all.planned.added + all.planned.updated > 0;
}

/**
 * `plannedRelated`: what the records written list, the run's earlier totals included (hearing-rows.ts).
 * `batch` null: the update wrote no change, and its checkpoint counts no batch (hasChanges).
 */
function checkpointAfter(run: RunContext, all: PendingBatch, batch: BatchRecord | null, written: { added: number; updated: number } | null, plannedRelated: RelatedTotals | null) {
  const metrics = { ...run.state.metrics };
  addCounts(metrics, {
    fetched: all.size,
    added: written?.added ?? 0,
    updated: written?.updated ?? 0,
    unchanged: all.unchanged,
    quarantined: all.rejected.length,
    rolledBack: written === null ? all.planned.added + all.planned.updated : 0,
    fetchErrors: all.fetchErrors,
    duplicates: all.duplicates,
  });
  const batchCounts = batch === null ? run.state.batchCounts : {
    total: 1,
    succeeded: batch.status === 'committed' ? 1 : 0,
    failed: batch.status === 'committed' ? 0 : 1,
    isolated: 0,
  };
  const batchSeq = batch?.seq ?? run.state.batchSeq;
  run.afterCommit(() => Object.assign(run.state, { metrics, batchCounts, batchSeq, nextPosition: all.lastPosition + 1, plannedRelated }));
  return {
    runId: run.runId,
    batchSeq,
    nextPosition: all.lastPosition + 1,
    metrics: checkpointMetrics(metrics, null, run.elapsedMs()),
    batchCounts,
    positionsDoneInBatch: [],
    updatedAt: run.clock().toISOString(),
    plannedRelated,
  };
}
