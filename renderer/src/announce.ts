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
