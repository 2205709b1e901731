import type { OperationView } from '../../shared/api.js';
import type { BatchRecord, RunSummary } from '../../shared/run.js';
import { count } from './format.js';

/**
 * What a screen reader is told while a run or a long operation goes on: the news (a batch that
 * failed or set records aside, a run or a rollback that ended), once each — not the records/s
 * and ETA that change every second and would drown it.
 */

/** "Batch 2 failed: 0 of 50 records written, 50 quarantined (WRITE_FAILED: …)"; null for a batch that committed cleanly. */
export function batchTrouble(batch: BatchRecord): string | null {
  if (batch.status === 'failed') return `Batch ${batch.seq} failed: ${count(batch.written)} of ${count(batch.planned)} records written, ${count(batch.quarantined)} quarantined${batch.error ? ` (${batch.error})` : ''}.`;
  if (batch.status === 'isolated') return `Batch ${batch.seq} committed with ${count(batch.quarantined)} of ${count(batch.planned)} records set aside to quarantine${batch.error ? ` (${batch.error})` : ''}.`;
  return null;
}

/** The newest troubled batch among those streamed, for the alert region (it reads out each new text once). */
export function latestBatchTrouble(batches: BatchRecord[]): string {
  for (let i = batches.length - 1; i >= 0; i--) {
    const trouble = batchTrouble(batches[i]!);
    if (trouble !== null) return trouble;
  }
  return '';
}

/** "Run 12 ended partial: 950 added, 0 updated, 50 quarantined; 1 of 20 batches failed." */
export function runEnded(summary: RunSummary): string {
  const { added, updated, quarantined } = summary.metrics;
  const failed = summary.batches.failed > 0 ? `; ${summary.batches.failed} of ${summary.batches.total} batches failed` : '';
  return `Run ${summary.runId} ended ${summary.status.replace('_', ' ')}: ${count(added)} added, ${count(updated)} updated, ${count(quarantined)} quarantined${failed}.`;
}

const OPERATION_LABELS: Record<OperationView['kind'], string> = {
  'rollback-preview': 'Dry run of a rollback',
  rollback: 'Rollback',
  restore: 'Restore',
  snapshot: 'Snapshot',
  verify: 'Verification',
  trials: 'Trials',
};

/** Whole percent done, or null while the total is unknown. */
function percentDone(operation: OperationView): number | null {
  return operation.total ? Math.floor((operation.done / operation.total) * 100) : null;
}

/** "Rollback of run 12: undoing hearings 40 %", for the sidebar. */
export function describeOperation(operation: OperationView): string {
  const percent = percentDone(operation);
  return `${OPERATION_LABELS[operation.kind]} of ${operation.target}: ${operation.phase}${percent === null ? '' : ` ${percent} %`}`;
}

/** "Rollback of run 12 finished.", "Restore of snapshot … failed: …" or "Trials of … stopped: …". */
export function describeEnd(operation: OperationView): string {
  const what = `${OPERATION_LABELS[operation.kind]} of ${operation.target}`;
  return operation.status === 'failed' || operation.status === 'stopped' ? `${what} ${operation.status}${operation.error ? `: ${operation.error}` : ''}.` : `${what} finished.`;
}

/** A rollback of a large run takes minutes: a quarter at a time says it is moving without reading out each percent. */
const PROGRESS_STEP = 25;

/** "Rollback of run 12 started." */
export function operationStarted(operation: OperationView): string {
  return `${OPERATION_LABELS[operation.kind]} of ${operation.target} started.`;
}

/**
 * What to tell a screen reader as an operation moves from `before` to `now`: a new phase or a
 * quarter more done; null for a tick that only moves a percent.
 */
export function operationProgress(before: OperationView, now: OperationView): string | null {
  const [was, is] = [percentDone(before), percentDone(now)];
  const quarterPassed = is !== null && is < 100 && Math.floor(is / PROGRESS_STEP) > Math.floor((was ?? 0) / PROGRESS_STEP);
  return before.phase !== now.phase || quarterPassed ? `${describeOperation(now)}.` : null;
}
