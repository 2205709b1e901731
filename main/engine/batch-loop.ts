import type { SourceItem } from '../sources/index.js';
import type { BatchCommitter } from './batch-commit.js';
import type { BatchSizes } from './batch-sizes.js';
import type { Execution } from './execute-run.js';
import type { RunPlanner } from './planner.js';
import type { RunContext } from './run-context.js';
import { PendingBatch } from './run-state.js';
import { inWindows, yieldToEventLoop } from './windows.js';

/** Unchanged or rejected records are checkpointed at least this often even when nothing changes. */
const CHECKPOINT_EVERY_ITEMS = 2_000;

/** Returns false when a signal stopped the run between batches. */
export async function runBatches(
  context: RunContext,
  planner: RunPlanner,
  committer: BatchCommitter,
  items: AsyncIterable<SourceItem>,
  run: Execution & { windowSize: number; sizes: BatchSizes; signal?: AbortSignal; recordsHandled: boolean },
): Promise<boolean> {
  // A re-listed source's item keys, by position, for the window being planned: each batch notes those it handled.
  const keyAt = run.recordsHandled ? new Map<number, string>() : null;
  let pending = new PendingBatch();
  const flush = async () => {
    if (pending.size === 0 && context.state.openBatch === null) return;
    const batch = pending.changes.length === 0 ? await committer.checkpointWithoutChanges(pending) : await committer.commit(pending);
    if (batch) {
      run.sizes.after(batch.status);
      run.emit({ type: 'batch-finished', runId: run.runId, batch, metrics: { ...context.state.metrics } });
    }
    pending = new PendingBatch();
  };
  for await (const window of inWindows(items, run.windowSize)) {
    if (run.signal?.aborted) return false;
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
        if (run.signal?.aborted) return false;
      }
    }
    if (pending.changes.length === 0 && pending.size >= CHECKPOINT_EVERY_ITEMS) await flush();
    run.emit({ type: 'progress', runId: run.runId, metrics: { ...context.state.metrics }, elapsedMs: run.clock().getTime() - run.startedAt.getTime() });
  }
  if (run.signal?.aborted) return false;
  await flush();
  return true;
}
