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

/** What runBatches needs of the run beyond its context, planner and committer. */
type BatchRunOptions = Execution & {
  windowSize: number;
  sizes: BatchSizes;
  signal?: AbortSignal;
  recordsHandled: boolean;
  betweenBatches?: UpdateOptions['betweenBatches'];
  stopAsked?: UpdateOptions['stopAsked'];
  resumed: boolean;
};

/**
 * Returns false when a stop request ended the run between batches. A re-listed source (Congress.gov:
 * `recordsHandled`) paid a request for every item of the window it handed over, and its resume skips
 * by key what the batches handled: a stop commits the rest of that window first. Other sources stop
 * at once; their resume reads again from the last checkpoint's position.
 */
export async function runBatches(context: RunContext, planner: RunPlanner, committer: BatchCommitter, items: AsyncIterable<SourceItem>, run: BatchRunOptions): Promise<boolean> {
  return new BatchRun(context, planner, committer, run).through(items);
}

/** One batch run's loop: windows read, planned, gathered into batches and committed at their boundaries. */
class BatchRun {
  /** A re-listed source's item keys, by position, for the window being planned: each batch notes those it handled. */
  private readonly keyAt: Map<number, string> | null;
  private pending = new PendingBatch();
  /** A stop asked while the source is slow (StopWatch) ends the window there (null: no stop is watched for). */
  private readonly early: EarlyWindowEnd | null;

  constructor(
    private readonly context: RunContext,
    private readonly planner: RunPlanner,
    private readonly committer: BatchCommitter,
    private readonly run: BatchRunOptions,
  ) {
    this.keyAt = run.recordsHandled ? new Map<number, string>() : null;
    this.early = run.stopAsked ? new EarlyWindowEnd() : null;
  }

  async through(items: AsyncIterable<SourceItem>): Promise<boolean> {
    const { run, early } = this;
    // A resumed run goes on from the boundary after its last committed batch: what a kill placed while
    // it was interrupted reaches there, and is recorded on the run, before the first batch it writes now.
    if (run.resumed) await this.readSettingsAtNextBoundary();
    // A stop asked while the source is slow ends the window there: what it planned is committed as a
    // batch, and the boundary after it reads the flags as every boundary does.
    const watch = early && new StopWatch(() => !this.stopRequested() && run.stopAsked!(), () => early.ask());
    try {
      return await this.batchesOf(committedBeforeSourceFailure(inWindows(items, run.windowSize, early ?? undefined), () => this.flush()));
    } finally {
      watch?.stop();
      early?.reached();
    }
  }

  private async batchesOf(windows: AsyncIterable<SourceItem[]>): Promise<boolean> {
    for await (const window of windows) {
      if (this.stopsAtOnce()) return false;
      if (!(await this.planWindow(window))) return false;
      if (this.pending.changes.length === 0 && this.pending.size >= CHECKPOINT_EVERY_ITEMS) await this.flush();
      if (this.early?.isAsked()) await this.boundaryNow();
      this.emitProgress();
      if (this.stopRequested()) break;
    }
    if (this.stopsAtOnce()) return false;
    await this.flush();
    return !this.stopRequested();
  }

  /** Plans the window's items not yet in a batch, committing each batch as it fills; false when a stop ended the run at a boundary. */
  private async planWindow(window: SourceItem[]): Promise<boolean> {
    const { context, keyAt, run } = this;
    const fresh = window.filter((item) => !context.state.doneInBatch.has(item.position));
    if (keyAt) {
      keyAt.clear();
      for (const item of fresh) if (item.key !== undefined) keyAt.set(item.position, item.key);
    }
    for (const item of await this.planner.plan(fresh)) {
      this.pending.add(item);
      const key = keyAt?.get(item.position);
      if (key !== undefined) this.pending.handled.push(key);
      if (this.pending.changes.length >= run.sizes.next) {
        await this.flush();
        await yieldToEventLoop();
        if (this.stopsAtOnce()) return false;
      }
    }
    return true;
  }

  /** Commits what is pending; true when that reached a batch boundary (and read the flags there). */
  private async flush(): Promise<boolean> {
    const { context, committer, run } = this;
    const pending = this.pending;
    if (pending.size === 0 && context.state.openBatch === null) return false;
    const batch = pending.changes.length === 0 ? await committer.checkpointWithoutChanges(pending) : await committer.commit(pending);
    if (batch) {
      run.sizes.after(batch.status);
      run.emit({ type: 'batch-finished', runId: run.runId, batch, metrics: { ...context.state.metrics } });
      this.applySettings(await run.betweenBatches?.(run.runId, batch.seq + 1));
    }
    this.pending = new PendingBatch();
    return batch !== null;
  }

  /** The boundary an early window end asked for: the batch so far committed, or the flags read with nothing to commit. */
  private async boundaryNow(): Promise<void> {
    if (!(await this.flush())) await this.readSettingsAtNextBoundary();
    this.early?.reached();
  }

  private async readSettingsAtNextBoundary(): Promise<void> {
    this.applySettings(await this.run.betweenBatches?.(this.run.runId, this.context.state.batchSeq + 1));
  }

  private applySettings(settings: BatchSettings | null | undefined): void {
    if (!settings) return;
    this.context.isolate = settings.isolate;
    this.run.sizes.limitTo(settings.batchCeiling);
  }

  private emitProgress(): void {
    const { run } = this;
    run.emit({ type: 'progress', runId: run.runId, metrics: { ...this.context.state.metrics }, elapsedMs: run.clock().getTime() - run.startedAt.getTime() });
  }

  private stopRequested(): boolean {
    return this.run.signal?.aborted === true;
  }

  /** A stop the run obeys at once: a re-listed source's window is committed first (runBatches). */
  private stopsAtOnce(): boolean {
    return this.stopRequested() && !this.run.recordsHandled;
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
