import type { Rejection } from '../../shared/record.js';
import type { BatchCounts, BatchRecord, BatchStatus } from '../../shared/run.js';
import { writtenCountViolations, type BatchRuleViolation, type NewQuarantineEntry, type PlannedChange, type WriteTx } from '../store/index.js';
import { redactSecrets } from '../../shared/redact.js';
import { quarantinedRaw } from './quarantine-raw.js';
import type { RunContext } from './run-context.js';
import { addCounts, checkpointMetrics, countChanges, type Counts, type OpenBatch, type PendingBatch } from './run-state.js';

/** Thrown inside a batch transaction when a batch rule fails, so the transaction rolls back. */
export class BatchRuleFailure extends Error {
  constructor(readonly violations: BatchRuleViolation[]) {
    super(violations.map((v) => v.reason.message).join('; '));
    this.name = 'BatchRuleFailure';
  }
}

/**
 * Commits one batch as one transaction: rows, undo journal, quarantine entries, batch row and
 * checkpoint together. A batch that fails is rolled back and, with isolation on, split and
 * retried until the failing records are found (Spring Batch's "scan").
 */
export class BatchCommitter {
  constructor(private readonly run: RunContext) {}

  async commit(pending: PendingBatch): Promise<BatchRecord> {
    const started = this.run.clock();
    const seq = this.run.state.batchSeq + 1;
    try {
      return await this.run.withTransientRetry(() =>
        this.run.transaction(async (tx) => {
          await this.rejectEarlierWrites(tx, pending);
          const counts = countChanges(pending.changes);
          await this.writeChecked(tx, seq, pending.changes);
          // Parts committed under isolation before a restart belong to this batch's row too.
          const outcome = withCarried(this.run.state.openBatch, { ...counts, retries: 0, quarantined: 0 });
          const batch = this.batchRecord(seq, pending, outcome, this.run.state.openBatch !== null, started, null);
          await this.closeBatch(tx, pending, batch, { ...counts, fetched: pending.changes.length });
          return batch;
        }),
      );
    } catch (error) {
      if (this.run.isRunFault(error)) throw error;
      return this.isolate(seq, pending, error, started);
    }
  }

  /** Writes and checks the counts written; throws (so the transaction rolls back) when a batch rule fails. */
  async writeChecked(tx: WriteTx, seq: number, changes: PlannedChange[]): Promise<void> {
    if (changes.length === 0) return;
    const violations = writtenCountViolations(changes, await tx.writeHearings(this.run.runId, seq, changes));
    if (violations.length > 0) throw new BatchRuleFailure(violations);
  }

  /** An eventId this run already committed in an earlier batch is a duplicate: quarantine it. */
  private async rejectEarlierWrites(tx: WriteTx, pending: PendingBatch): Promise<void> {
    if (pending.changes.length === 0) return;
    const violations = await tx.findEarlierWrites(this.run.runId, pending.changes.map((c) => c.hearing.eventId));
    for (const violation of violations) pending.rejectChange(violation.eventId!, violation.reason);
  }

  /**
   * Unchanged and rejected records with no change to write still move the checkpoint. A batch left
   * open by a restart during isolation, whose every change was already committed, closes here.
   */
  async checkpointWithoutChanges(pending: PendingBatch): Promise<BatchRecord | null> {
    const carried = this.run.state.openBatch;
    const batch = carried ? this.batchRecord(this.run.state.batchSeq + 1, pending, carried, true, this.run.clock(), null) : null;
    await this.run.withTransientRetry(() => this.run.transaction((tx) => this.closeBatch(tx, pending, batch, {})));
    return batch;
  }

  /**
   * The batch row (none when nothing was written), its quarantine entries and the checkpoint that
   * moves past it. `counts` are what this transaction adds to the run; parts committed during
   * isolation added their own.
   */
  private async closeBatch(tx: WriteTx, pending: PendingBatch, batch: BatchRecord | null, counts: Counts): Promise<void> {
    const { state, runId } = this.run;
    await tx.addQuarantine(pending.quarantineEntries(runId, batch?.seq ?? null));
    if (batch) await tx.recordBatch(batch);
    const metrics = { ...state.metrics };
    addCounts(metrics, {
      ...counts,
      fetched: (counts.fetched ?? 0) + pending.rejected.length + pending.unchanged,
      unchanged: pending.unchanged,
      quarantined: (counts.quarantined ?? 0) + pending.rejected.length,
      fetchErrors: pending.fetchErrors,
    });
    const batchCounts = batch ? countBatch(state.batchCounts, batch.status) : state.batchCounts;
    const batchSeq = batch?.seq ?? state.batchSeq;
    const nextPosition = this.span(pending).last + 1;
    await tx.saveCheckpoint({
      runId,
      batchSeq,
      nextPosition,
      metrics: checkpointMetrics(metrics, null, this.run.elapsedMs()),
      batchCounts,
      positionsDoneInBatch: [],
      updatedAt: this.run.clock().toISOString(),
    });
    this.run.afterCommit(() => {
      Object.assign(state, { metrics, batchCounts, batchSeq, nextPosition, openBatch: null });
      state.doneInBatch.clear();
    });
  }

  /** Where the batch lies in the source, positions committed by its parts before a restart included. */
  private span(pending: PendingBatch): { first: number; last: number } {
    const { doneInBatch, nextPosition } = this.run.state;
    let last = pending.lastPosition;
    for (const position of doneInBatch) last = Math.max(last, position);
    const first = doneInBatch.size > 0 ? nextPosition : pending.firstPosition;
    return { first, last: Math.max(last, nextPosition - 1) };
  }

  private async isolate(seq: number, pending: PendingBatch, firstError: unknown, started: Date): Promise<BatchRecord> {
    const outcome: OpenBatch = withCarried(this.run.state.openBatch, NOTHING);
    const changes = pending.changes;
    if (this.run.isolate) {
      await this.scan(seq, changes, firstError, outcome);
    } else {
      const reason = failureReason(firstError, null, 'the batch failed and record isolation is off');
      await this.quarantinePart(seq, changes, reason, outcome);
    }
    const error = redactSecrets(firstError instanceof Error ? firstError.message : String(firstError));
    const batch = this.batchRecord(seq, pending, outcome, true, started, error);
    // The parts already committed their rows and counts; this transaction closes the batch.
    await this.run.withTransientRetry(() => this.run.transaction((tx) => this.closeBatch(tx, pending, batch, {})));
    return batch;
  }

  /** Splits a failing set in halves until each failure is one record; every other record commits. */
  private async scan(seq: number, changes: PlannedChange[], error: unknown, outcome: OpenBatch): Promise<void> {
    if (changes.length === 1) {
      const reason = failureReason(error, changes[0]!.hearing.eventId, 'the database refused the write');
      await this.quarantinePart(seq, changes, reason, outcome);
      return;
    }
    const middle = Math.ceil(changes.length / 2);
    for (const part of [changes.slice(0, middle), changes.slice(middle)]) {
      outcome.retries += 1;
      try {
        await this.run.withTransientRetry(() => this.commitPart(seq, part, outcome));
      } catch (partError) {
        if (this.run.isRunFault(partError)) throw partError;
        await this.scan(seq, part, partError, outcome);
      }
    }
  }

  private async commitPart(seq: number, part: PlannedChange[], outcome: OpenBatch): Promise<void> {
    const counts = countChanges(part);
    const after = { ...outcome, added: outcome.added + counts.added, updated: outcome.updated + counts.updated };
    await this.run.transaction(async (tx) => {
      await this.writeChecked(tx, seq, part);
      await this.savePartCheckpoint(tx, part, counts, after);
    });
    Object.assign(outcome, after);
  }

  private async quarantinePart(seq: number, part: PlannedChange[], reason: Rejection, outcome: OpenBatch): Promise<void> {
    const entries: NewQuarantineEntry[] = part.map((change) => ({
      runId: this.run.runId,
      batchSeq: seq,
      eventId: change.hearing.eventId,
      sourcePosition: change.position,
      reasons: [reason],
      raw: quarantinedRaw(change.raw),
    }));
    const after = { ...outcome, quarantined: outcome.quarantined + part.length };
    await this.run.withTransientRetry(() =>
      this.run.transaction(async (tx) => {
        await tx.addQuarantine(entries);
        await this.savePartCheckpoint(tx, part, { quarantined: part.length }, after);
      }),
    );
    Object.assign(outcome, after);
  }

  /**
   * A part of a batch under isolation commits with a checkpoint that lists its positions, so a
   * run killed mid-isolation resumes without writing or counting those records again.
   */
  private async savePartCheckpoint(tx: WriteTx, part: PlannedChange[], counts: Counts, openBatch: OpenBatch): Promise<void> {
    const { state, runId } = this.run;
    const metrics = { ...state.metrics };
    addCounts(metrics, { ...counts, fetched: part.length });
    const done = new Set(state.doneInBatch);
    for (const change of part) done.add(change.position);
    await tx.saveCheckpoint({
      runId,
      batchSeq: state.batchSeq,
      nextPosition: state.nextPosition,
      metrics: checkpointMetrics(metrics, openBatch, this.run.elapsedMs()),
      batchCounts: state.batchCounts,
      positionsDoneInBatch: [...done],
      updatedAt: this.run.clock().toISOString(),
    });
    this.run.afterCommit(() => {
      Object.assign(state, { metrics, doneInBatch: done, openBatch: { ...openBatch } });
    });
  }

  /**
   * The batch row. `counts` cover every change of the batch (its parts committed under isolation
   * included); a batch isolated at any point — before a restart too — is `isolated`, or `failed`
   * when none of its changes could be written.
   */
  private batchRecord(seq: number, pending: PendingBatch, counts: OpenBatch, isolated: boolean, started: Date, error: string | null): BatchRecord {
    const finished = this.run.clock();
    const planned = counts.added + counts.updated + counts.quarantined;
    const status: BatchStatus = !isolated ? 'committed' : counts.quarantined === planned ? 'failed' : 'isolated';
    const { first, last } = this.span(pending);
    return {
      runId: this.run.runId,
      seq,
      status,
      planned,
      written: counts.added + counts.updated,
      added: counts.added,
      updated: counts.updated,
      quarantined: pending.rejected.length + counts.quarantined,
      retries: counts.retries,
      durationMs: Math.max(0, finished.getTime() - started.getTime()),
      error,
      firstPosition: first,
      lastPosition: last,
      finishedAt: finished.toISOString(),
    };
  }
}

const NOTHING: OpenBatch = { added: 0, updated: 0, quarantined: 0, retries: 0 };

/** This batch's counts plus those its parts committed before a restart. */
function withCarried(carried: OpenBatch | null, counts: OpenBatch): OpenBatch {
  if (!carried) return { ...counts };
  return {
    added: carried.added + counts.added,
    updated: carried.updated + counts.updated,
    quarantined: carried.quarantined + counts.quarantined,
    retries: carried.retries + counts.retries,
  };
}

function countBatch(counts: BatchCounts, status: BatchStatus): BatchCounts {
  const next = { ...counts, total: counts.total + 1 };
  if (status === 'committed') next.succeeded += 1;
  else if (status === 'isolated') next.isolated += 1;
  else next.failed += 1;
  return next;
}

function failureReason(error: unknown, eventId: string | null, fallback: string): Rejection {
  if (error instanceof BatchRuleFailure) {
    const own = error.violations.find((v) => v.eventId === eventId) ?? error.violations[0];
    if (own) return own.reason;
  }
  const message = error instanceof Error ? redactSecrets(error.message) : String(error);
  return { code: 'WRITE_FAILED', message: `${fallback}: ${message}` };
}
