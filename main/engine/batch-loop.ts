import { redactedMessage } from '../../shared/redact.js';
import type { SourceItem } from '../sources/index.js';
import type { BatchCommitter } from './batch-commit.js';
import type { BatchSizes } from './batch-sizes.js';
import type { Execution } from './execute-run.js';
import type { RunPlanner } from './planner.js';
import type { RunContext } from './run-context.js';
import type { BatchSettings, UpdateOptions } from './run-update.js';
import { PendingBatch } from './run-state.js';
import { StopWatch } from './stop-watch.js';
import { EarlyWindowEnd, inWindows, yieldToEventLoop } from './windows.js';

/** Unchanged or rejected records are checkpointed at least this often even when nothing changes. */
const CHECKPOINT_EVERY_ITEMS = 2_000;

/**
 * Returns false when a stop request ended the run between batches. A re-listed source (Congress.gov:
 * `recordsHandled`) paid a request for every item of the window it handed over, and its resume skips
 * by key what the batches handled: a stop commits the rest of that window first. Other sources stop
 * at once; their resume reads again from the last checkpoint's position.
 */
export async function runBatches(
  context: RunContext,
  planner: RunPlanner,
  committer: BatchCommitter,
  items: AsyncIterable<SourceItem>,
  run: Execution & { windowSize: number; sizes: BatchSizes; signal?: AbortSignal; recordsHandled: boolean; betweenBatches?: UpdateOptions['betweenBatches']; stopAsked?: UpdateOptions['stopAsked']; resumed: boolean },
): Promise<boolean> {
  // A re-listed source's item keys, by position, for the window being planned: each batch notes those it handled.
  const keyAt = run.recordsHandled ? new Map<number, string>() : null;
  const stopRequested = () => run.signal?.aborted === true;
  const stopsAtOnce = () => stopRequested() && !run.recordsHandled;
  let pending = new PendingBatch();
  /** Commits what is pending; true when that reached a batch boundary (and read the flags there). */
  const flush = async (): Promise<boolean> => {
    if (pending.size === 0 && context.state.openBatch === null) return false;
    const batch = pending.changes.length === 0 ? await committer.checkpointWithoutChanges(pending) : await committer.commit(pending);
    if (batch) {
      run.sizes.after(batch.status);
      run.emit({ type: 'batch-finished', runId: run.runId, batch, metrics: { ...context.state.metrics } });
      applySettings(await run.betweenBatches?.(run.runId, batch.seq + 1));
    }
    pending = new PendingBatch();
    return batch !== null;
  };
  function applySettings(settings: BatchSettings | null | undefined): void {
    if (!settings) return;
    context.isolate = settings.isolate;
    run.sizes.limitTo(settings.batchCeiling);
  }
  // A resumed run goes on from the boundary after its last committed batch: what a kill placed while
  // it was interrupted reaches there, and is recorded on the run, before the first batch it writes now.
  if (run.resumed) applySettings(await run.betweenBatches?.(run.runId, context.state.batchSeq + 1));
  // A stop asked while the source is slow (StopWatch) ends the window there: what it planned is
  // committed as a batch, and the boundary after it reads the flags as every boundary does.
  const early = run.stopAsked ? new EarlyWindowEnd() : null;
  const watch = early && new StopWatch(() => !stopRequested() && run.stopAsked!(), () => early.ask());
  const boundaryNow = async () => {
    if (!(await flush())) applySettings(await run.betweenBatches?.(run.runId, context.state.batchSeq + 1));
    early?.reached();
  };
  try {
    return await batchesOf(committedBeforeSourceFailure(inWindows(items, run.windowSize, early ?? undefined), flush));
  } finally {
    watch?.stop();
    early?.reached();
  }

  async function batchesOf(windows: AsyncIterable<SourceItem[]>): Promise<boolean> {
    for await (const window of windows) {
      if (stopsAtOnce()) return false;
      const fresh = window.filter((item) => !context.state.doneInBatch.has(item.position));
      if (keyAt) {
        keyAt.clear();
        for (const item of fresh) if (item.key !== undefined) keyAt.set(item.position, item.key);
      }
      for (const item of await planner.plan(fresh)) {
        pending.add(item);
        const key = keyAt?.get(item.position);
        if (key !== undefined) pending.handled.push(key);
        if (pending.changes.length >= run.sizes.next) {
          await flush();
          await yieldToEventLoop();
          if (stopsAtOnce()) return false;
        }
      }
      if (pending.changes.length === 0 && pending.size >= CHECKPOINT_EVERY_ITEMS) await flush();
      if (early?.isAsked()) await boundaryNow();
      run.emit({ type: 'progress', runId: run.runId, metrics: { ...context.state.metrics }, elapsedMs: run.clock().getTime() - run.startedAt.getTime() });
      if (stopRequested()) break;
    }
    if (stopsAtOnce()) return false;
    await flush();
    return !stopRequested();
  }
}

/**
 * The source failed part-way, and the commit of what it had fetched since the last committed batch
 * failed too. The source's reason is the run's, said first; the commit's says what that cost.
 */
export class FetchedPartNotKept extends Error {
  constructor(
    readonly sourceFailure: unknown,
    readonly commitFailure: unknown,
  ) {
    super(`${redactedMessage(sourceFailure)}; ${FETCHED_PART_NOT_KEPT}: ${redactedMessage(commitFailure)}`);
    this.name = 'FetchedPartNotKept';
  }
}

export const FETCHED_PART_NOT_KEPT = 'the records fetched since the last committed batch could not be kept';

/**
 * The windows, and when the source fails part-way, the changes planned from them and not yet in a
 * batch committed before the failure goes on: the run still ends failed or interrupted with its
 * reason, and keeps what it fetched. A failure of the loop itself (a commit) is not the source's
 * and is not caught here: the loop's exceptions close the windows, they do not pass through them.
 */
async function* committedBeforeSourceFailure<T>(windows: AsyncIterable<T>, commitPending: () => Promise<unknown>): AsyncGenerator<T> {
  try {
    yield* windows;
  } catch (failure) {
    try {
      await commitPending();
    } catch (commitFailure) {
      throw new FetchedPartNotKept(failure, commitFailure);
    }
    throw failure;
  }
}
