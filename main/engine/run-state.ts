import type { Rejection } from '../../shared/record.js';
import { emptyBatchCounts, emptyMetrics, recordsAccounted, type BatchCounts, type RunMetrics } from '../../shared/run.js';
import { noRelatedTotals, type Checkpoint, type NewQuarantineEntry, type PlannedChange, type RelatedTotals } from '../store/index.js';
import type { PlannedItem } from './planner.js';
import { quarantinedRaw } from './quarantine-raw.js';

export type Counts = Partial<Record<'fetched' | 'added' | 'updated' | 'unchanged' | 'quarantined' | 'rolledBack' | 'fetchErrors' | 'duplicates', number>>;

/**
 * What the parts of a batch under isolation had committed before the batch closed, when isolation
 * committed parts one by one (before savepoints): a checkpoint such a run left still resumes.
 */
export interface OpenBatch {
  added: number;
  updated: number;
  quarantined: number;
  retries: number;
}

/** What has been committed so far: exactly what the last checkpoint says. */
export interface CommittedState {
  metrics: RunMetrics;
  batchCounts: BatchCounts;
  batchSeq: number;
  /** The first source position not yet accounted for by a closed batch. */
  nextPosition: number;
  /** Positions past `nextPosition` already committed by parts of a batch under isolation. */
  doneInBatch: Set<number>;
  /** The counts of those parts, for the batch row written when the batch closes (null: none). */
  openBatch: OpenBatch | null;
  /** The related rows the committed changes' records list, for the reconciliation; null: not known (a run begun before migration 011). */
  plannedRelated: RelatedTotals | null;
}

/** Where a run that has committed nothing stands. */
export function freshState(): CommittedState {
  return { metrics: emptyMetrics(), batchCounts: emptyBatchCounts(), batchSeq: 0, nextPosition: 0, doneInBatch: new Set(), openBatch: null, plannedRelated: noRelatedTotals() };
}

/**
 * The checkpoint carries the open batch's counts among its metrics (under these keys, removed again
 * on resume), so a batch row written after a kill during isolation still counts the parts committed
 * before it. An interrupted run shows them in its metrics until it is resumed.
 */
const OPEN_BATCH_KEYS = { added: 'openBatchAdded', updated: 'openBatchUpdated', quarantined: 'openBatchQuarantined', retries: 'openBatchRetries' } as const;

/** Metrics as a checkpoint stores them: the run's duration so far, and the open batch if any. */
export function checkpointMetrics(metrics: RunMetrics, openBatch: OpenBatch | null, durationMs: number): RunMetrics {
  const stored: RunMetrics = { ...metrics, durationMs };
  if (openBatch) for (const [field, key] of Object.entries(OPEN_BATCH_KEYS)) stored[key] = openBatch[field as keyof OpenBatch];
  return stored;
}

/** The committed state a checkpoint describes: the inverse of `checkpointMetrics`. */
export function stateFromCheckpoint(checkpoint: Checkpoint): CommittedState {
  const metrics: RunMetrics = { ...checkpoint.metrics };
  let openBatch: OpenBatch | null = null;
  if (OPEN_BATCH_KEYS.added in metrics) {
    openBatch = { added: 0, updated: 0, quarantined: 0, retries: 0 };
    for (const [field, key] of Object.entries(OPEN_BATCH_KEYS)) {
      openBatch[field as keyof OpenBatch] = metrics[key] ?? 0;
      delete metrics[key];
    }
  }
  return {
    metrics,
    batchCounts: checkpoint.batchCounts,
    batchSeq: checkpoint.batchSeq,
    nextPosition: checkpoint.nextPosition,
    doneInBatch: new Set(checkpoint.positionsDoneInBatch),
    openBatch,
    plannedRelated: checkpoint.plannedRelated,
  };
}

type RejectedItem = Extract<PlannedItem, { outcome: 'rejected' }>;

/**
 * Items planned since the last commit: what the next batch transaction will account for. A
 * tally (`keepChanges` false) counts changes without holding them, for the all-or-nothing path,
 * which writes them as it goes and must not keep a whole update in memory.
 */
export class PendingBatch {
  changes: PlannedChange[] = [];
  planned = { added: 0, updated: 0 };
  rejected: RejectedItem[] = [];
  unchanged = 0;
  firstPosition = -1;
  lastPosition = -1;
  /** Keys of the items added, for a source re-listed by design (`RecordSource.listing`): what a resume skips. */
  handled: string[] = [];

  constructor(private readonly keepChanges = true) {}

  /** Records the source could not fetch (a failed detail request): part of `quarantined`. */
  get fetchErrors(): number {
    return this.rejected.filter((item) => item.reasons.some((reason) => reason.code === 'FETCH_FAILED')).length;
  }

  /** Later copies of an eventId this run already took: part of `quarantined` (planner.ts says which copy is kept). */
  get duplicates(): number {
    return this.rejected.filter((item) => item.reasons.some((reason) => reason.code === 'DUPLICATE_EVENT_ID')).length;
  }

  get size(): number {
    return this.planned.added + this.planned.updated + this.rejected.length + this.unchanged;
  }

  add(item: PlannedItem): void {
    if (this.firstPosition < 0) this.firstPosition = item.position;
    this.lastPosition = item.position;
    if (item.outcome === 'change') {
      this.planned[item.change.kind] += 1;
      if (this.keepChanges) this.changes.push(item.change);
    } else if (item.outcome === 'rejected') this.rejected.push(item);
    else this.unchanged += 1;
  }

  rejectChange(eventId: string, reason: Rejection): void {
    const index = this.changes.findIndex((change) => change.hearing.eventId === eventId);
    if (index < 0) return;
    const [change] = this.changes.splice(index, 1);
    this.planned[change!.kind] -= 1;
    this.rejected.push({ position: change!.position, outcome: 'rejected', eventId, reasons: [reason], raw: quarantinedRaw(change!.raw) });
  }

  quarantineEntries(runId: number, batchSeq: number | null): NewQuarantineEntry[] {
    return this.rejected.map((item) => ({
      runId,
      batchSeq,
      eventId: item.eventId,
      sourcePosition: item.position,
      reasons: item.reasons,
      raw: item.raw,
    }));
  }
}

/** Adds counts into metrics; every count in a run moves through here so the invariant can hold. */
export function addCounts(metrics: RunMetrics, counts: Counts): void {
  for (const [key, value] of Object.entries(counts)) metrics[key] = (metrics[key] ?? 0) + (value ?? 0);
}

export function countChanges(changes: PlannedChange[]): { added: number; updated: number } {
  let added = 0;
  for (const change of changes) if (change.kind === 'added') added += 1;
  return { added, updated: changes.length - added };
}

/** fetched = added + updated + unchanged + quarantined (DESIGN §4), plus what a rollback undid. */
export function invariantHolds(metrics: RunMetrics): boolean {
  return metrics.fetched === recordsAccounted(metrics);
}
