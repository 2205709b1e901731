import type { Rejection } from '../../shared/record.js';
import type { BatchCounts, BatchRecord, BatchStatus } from '../../shared/run.js';
import { recordRefusedIn, withPlannedRelated, writtenCountViolations, type BatchRuleViolation, type NewQuarantineEntry, type PlannedChange, type WriteTx } from '../store/index.js';
import { redactedMessage } from '../../shared/redact.js';
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
 * checkpoint together. A batch that fails is rolled back and, with isolation on, written again
 * with savepoints around its parts, so only the failing records are quarantined.
 */
export class BatchCommitter {
  /**
   * Set after a batch that had to be isolated: the chunk its savepoints took. The next batch is
   * then written in savepoints from the start (`isolate` with no failed try), since data that
   * held a bad record in the last few thousand likely holds one in the next: its whole try would
   * fail at its first bad part, after writing every part before it, and be rolled back. A batch
   * that proves clean sends the next one back to the whole try.
   */
  private savepointChunk: number | null = null;

  constructor(private readonly run: RunContext) {}

  async commit(pending: PendingBatch): Promise<BatchRecord> {
    const started = this.run.clock();
    const seq = this.run.state.batchSeq + 1;
    if (this.savepointChunk !== null && this.run.isolate && pending.changes.length > 0) return this.isolate(seq, pending, null, started);
    try {
      return await this.run.transactionOnce(async (tx) => {
        await this.rejectEarlierWrites(tx, pending);
        const counts = countChanges(pending.changes);
        await this.writeChecked(tx, seq, pending.changes);
        // Parts committed under isolation before a restart belong to this batch's row too.
        const outcome = withCarried(this.run.state.openBatch, { ...counts, retries: 0, quarantined: 0 });
        const batch = this.batchRecord(seq, pending, outcome, this.run.state.openBatch !== null, started, null);
        await this.closeBatch(tx, pending, batch, { ...counts, fetched: pending.changes.length }, pending.changes);
        return batch;
      });
    } catch (error) {
      if (this.run.isRunFault(error)) throw error;
      return this.isolate(seq, pending, { error }, started);
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
    await this.run.transactionOnce((tx) => this.closeBatch(tx, pending, batch, {}, []));
    return batch;
  }

  /**
   * The batch row (none when nothing was written), its quarantine entries and the checkpoint that
   * moves past it. `counts` are what this transaction adds to the run, `written` the changes it
   * wrote; parts committed during isolation added their own.
   */
  private async closeBatch(tx: WriteTx, pending: PendingBatch, batch: BatchRecord | null, counts: Counts, written: readonly PlannedChange[]): Promise<void> {
    const { state, runId } = this.run;
    const plannedRelated = state.plannedRelated === null ? null : withPlannedRelated(state.plannedRelated, written);
    await tx.addQuarantine(pending.quarantineEntries(runId, batch?.seq ?? null));
    // With the checkpoint, in its transaction: a resume by identity skips exactly what the checkpoint counts.
    if (pending.handled.length > 0) await tx.recordHandled(runId, pending.handled);
    if (batch) await tx.recordBatch(batch);
    const metrics = { ...state.metrics };
    addCounts(metrics, {
      ...counts,
      fetched: (counts.fetched ?? 0) + pending.rejected.length + pending.unchanged,
      unchanged: pending.unchanged,
      quarantined: (counts.quarantined ?? 0) + pending.rejected.length,
      fetchErrors: pending.fetchErrors,
      duplicates: pending.duplicates,
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
      plannedRelated,
    });
    this.run.afterCommit(() => {
      Object.assign(state, { metrics, batchCounts, batchSeq, nextPosition, openBatch: null, plannedRelated });
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

  /**
   * A failed batch is written again in one transaction with savepoints (`writeInSavepoints`): a
   * change the database refuses is rolled back alone and quarantined with its reason, the others
   * commit together with the batch row and the checkpoint. With isolation off, the whole batch is
   * quarantined instead. `failedTry` null: the batch was not tried whole (see `savepointChunk`),
   * so this is its first write — no retry, and `committed` when nothing was refused.
   */
  private async isolate(seq: number, pending: PendingBatch, failedTry: { error: unknown } | null, started: Date): Promise<BatchRecord> {
    const isolationOff = this.run.isolate ? null : failureReason(failedTry?.error, null, 'the batch failed and record isolation is off');
    return this.run.transactionOnce(async (tx) => {
      if (failedTry === null) await this.rejectEarlierWrites(tx, pending);
      const chunk = failedTry === null ? this.savepointChunk! : isolationChunk(failedTry.error, pending.changes);
      const { refused, firstError } = isolationOff === null ? await this.writeInSavepoints(tx, seq, pending.changes, chunk, failedTry !== null) : { refused: new Map(pending.changes.map((change) => [change, isolationOff])), firstError: failedTry!.error };
      const writtenChanges = pending.changes.filter((change) => !refused.has(change));
      const written = countChanges(writtenChanges);
      await tx.addQuarantine(this.refusedEntries(seq, pending.changes, refused));
      // Parts committed under the older halving isolation before a restart belong to this batch's row too.
      const retries = failedTry !== null && this.run.isolate ? 1 : 0;
      const outcome = withCarried(this.run.state.openBatch, { ...written, quarantined: refused.size, retries });
      const error = failedTry?.error ?? firstError;
      const isolated = failedTry !== null || refused.size > 0 || this.run.state.openBatch !== null;
      const batch = this.batchRecord(seq, pending, outcome, isolated, started, error === undefined ? null : redactedMessage(error));
      await this.closeBatch(tx, pending, batch, { ...written, quarantined: refused.size, fetched: pending.changes.length }, writtenChanges);
      this.run.afterCommit(() => {
        this.savepointChunk = this.run.isolate && refused.size > 0 ? chunk : null;
      });
      return batch;
    });
  }

  /**
   * Writes the changes a chunk per savepoint, halving a chunk that fails again down to single changes;
   * returns the changes the database refused, with the reason. Chunks, not single changes, at first:
   * SQLite copies every page a savepoint's writes touch to its statement journal, once per savepoint.
   * Not halves of the whole batch: a grown batch holds a bad record every hundred or so at 1 % bad,
   * and its halves would fail, each after writing up to its first bad record, for six levels down
   * (SQLite, 100k records at 1 % bad: 7.2 s with chunks, 11.2 s with halves). `chunk` comes from
   * `isolationChunk`. `firstError` is the first refusal met, for the batch row of a batch not tried whole.
   * A change is quarantined only when refused alone after an earlier try (`triedWhole`: the batch's),
   * so a refusal met once does not decide its fate, wherever the batch's bounds fell.
   */
  private async writeInSavepoints(tx: WriteTx, seq: number, changes: PlannedChange[], chunk: number, triedWhole: boolean): Promise<{ refused: Map<PlannedChange, Rejection>; firstError: unknown }> {
    const refused = new Map<PlannedChange, Rejection>();
    let firstError: unknown;
    /** The error that refused `part`, or null when all of it was written. */
    const attempt = async (part: PlannedChange[]): Promise<{ error: unknown } | null> => {
      try {
        await tx.savepoint(() => this.writeChecked(tx, seq, part));
        // Written on a second try alone: its first refusal no longer counts.
        if (part.length === 1) refused.delete(part[0]!);
        return null;
      } catch (error) {
        if (this.run.isRunFault(error)) throw error;
        firstError ??= error;
        if (part.length === 1) refused.set(part[0]!, refusal(error, part[0]!));
        return { error };
      }
    };
    /**
     * Whether every change of `part` was written. A part known to fail (a right half whose left
     * half wrote, when their chunk failed) is split without being tried whole.
     */
    const isolateIn = async (part: PlannedChange[], knownToFail = false): Promise<boolean> => {
      if (!knownToFail || part.length === 1) {
        const failure = await attempt(part);
        if (failure === null || part.length === 1) return failure === null;
        await isolateFailed(part, failure.error);
      } else await halve(part);
      return false;
    };
    /**
     * `part`, refused with `error`. When the error names one of its changes, that change is tried
     * alone first (`refusedAsNamed`): refused alone, it is quarantined with the error it got alone
     * and the rest is written without it — or, `deferRest`, returned unwritten for the caller to
     * write with what follows. Written alone, the refusal was not its own (it happened once, or
     * another change of the part caused it): the part is halved in its own order.
     */
    const isolateFailed = async (part: PlannedChange[], error: unknown, deferRest = false): Promise<PlannedChange[]> => {
      const named = firstNamedChange(error, part);
      if (named !== undefined && (await this.refusedAsNamed(tx, seq, named, refused))) {
        const rest = part.filter((change) => change !== named);
        if (deferRest) return rest;
        const restFailure = await attempt(rest);
        // A single change's try that failed has already put it among the refused.
        if (restFailure !== null && rest.length > 1) await isolateFailed(rest, restFailure.error);
        return [];
      }
      await halve(part);
      return [];
    };
    const halve = async (part: PlannedChange[]): Promise<void> => {
      const middle = Math.ceil(part.length / 2);
      const leftWritten = await isolateIn(part.slice(0, middle));
      await isolateIn(part.slice(middle), leftWritten);
    };
    /**
     * A chunk, after what an earlier chunk's named refusal left unwritten (`carried`, already tried
     * once, in the batch's order before it); returns what this one's leaves. Written with the next
     * chunk, that rest costs no statement of its own: on PostgreSQL at 1 % bad, one write in six.
     */
    const isolateChunk = async (carried: PlannedChange[], next: PlannedChange[]): Promise<PlannedChange[]> => {
      const part = [...carried, ...next];
      const failure = await attempt(part);
      if (failure === null) return [];
      if (part.length > 1) return isolateFailed(part, failure.error, true);
      // A chunk of one change not tried before was its first try: it gets the second one a larger chunk's change gets.
      if (carried.length === 0 && !triedWhole) await isolateIn(part);
      return [];
    };
    let carried: PlannedChange[] = [];
    for (let at = 0; at < changes.length || carried.length > 0; ) {
      // A rest already a chunk long goes alone: no part grows past two chunks.
      const next = carried.length >= chunk ? [] : changes.slice(at, at + chunk);
      at += next.length;
      carried = await isolateChunk(carried, next);
    }
    return { refused, firstError };
  }

  /**
   * PostgreSQL names the row it refused ("Failing row contains (eventId, …)", "Key (event_id)=(…)"),
   * so isolation tries the change the error names alone before any halving (about eight tries per
   * bad record): refused, it joins `refused` with the error it got alone and true is returned.
   * Written alone, the name misled (the eventId showed up as some other value), or the refusal was
   * a passing one or another change's: that try is rolled back, so the part is written in its own
   * order, and halving finds a bad change, if any, as it would have.
   */
  private async refusedAsNamed(tx: WriteTx, seq: number, named: PlannedChange, refused: Map<PlannedChange, Rejection>): Promise<boolean> {
    try {
      await tx.savepoint(async () => {
        await this.writeChecked(tx, seq, [named]);
        throw new MisledByName();
      });
    } catch (error) {
      if (error instanceof MisledByName) return false;
      if (this.run.isRunFault(error)) throw error;
      refused.set(named, refusal(error, named));
      return true;
    }
    return false;
  }

  /** In the batch's order: isolation may find a part's refused changes last to first. */
  private refusedEntries(seq: number, changes: PlannedChange[], refused: Map<PlannedChange, Rejection>): NewQuarantineEntry[] {
    return changes.flatMap((change) => {
      const reason = refused.get(change);
      if (reason === undefined) return [];
      return [{ runId: this.run.runId, batchSeq: seq, eventId: change.hearing.eventId, sourcePosition: change.position, reasons: [reason], raw: quarantinedRaw(change.raw) }];
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

/**
 * Changes per savepoint when a failed batch is written again. Each chunk costs its round trips
 * (PostgreSQL: the savepoint, the witnesses, the rows), and a failed chunk its rows written for
 * nothing plus the tries that find its bad change: about eight halvings when the database names no
 * row (SQLite), so chunks of 16 leave most of them clean at 1 % bad; one (the named change alone,
 * the rest going with the next chunk) when the error that failed the batch named one of its changes, so larger chunks.
 * Not much larger: at 1 % bad the rows a failed try writes for nothing (≈ a chunk per bad record)
 * cost more than the statements a smaller chunk adds. PostgreSQL, 100k records at 1 % bad, named,
 * six alternated rounds, median wall (client + server CPU): chunks of 16 29.0 s (26.5 s), 24
 * 26.0 s (24.8 s), 32 29.8 s (27.9 s); clean 18.5 s (17.2 s). SQLite's dirty CPU is the same at 24
 * and 32 (median 6.1 and 6.2 s of four). At 20k, earlier: 48 ≈ 14 s, 64 ≈ 16.3 s, 100 ≈ 26.7 s.
 */
function isolationChunk(batchFailure: unknown, changes: PlannedChange[]): number {
  return firstNamedChange(batchFailure, changes) === undefined ? 16 : 24;
}

/** Thrown to roll back a change written alone because an error named it, when it proved good. */
class MisledByName extends Error {}

/**
 * The change of `part` the refusal names; undefined when it names none, or when the part is a
 * single change (nothing to narrow). Named by the writer, when it knows whose statement failed
 * (SQLite's writes one record's statements at a time: `recordRefusedIn`), or else by the error's
 * detail, as a whole word, first: that is where PostgreSQL puts the refused row, while a message
 * (a trigger's, SQLite's) may name anything. Neither: the refusal is halved.
 */
export function firstNamedChange(error: unknown, part: PlannedChange[]): PlannedChange | undefined {
  if (part.length < 2) return undefined;
  const writing = recordRefusedIn(error);
  const byWriter = writing === undefined ? undefined : part.find((change) => change.hearing.eventId === writing);
  if (byWriter !== undefined) return byWriter;
  const detail = (error as { detail?: unknown } | null)?.detail;
  if (typeof detail !== 'string') return undefined;
  let first: { change: PlannedChange; at: number } | undefined;
  for (const change of part) {
    const at = wordIndex(detail, change.hearing.eventId);
    if (at >= 0 && (first === undefined || at < first.at)) first = { change, at };
  }
  return first?.change;
}

/** Where `word` first occurs in `text` with no letter or digit either side; -1 when nowhere. */
function wordIndex(text: string, word: string): number {
  if (word.length === 0) return -1;
  const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (!isWordChar(text[at - 1]) && !isWordChar(text[at + word.length])) return at;
  }
  return -1;
}

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

/** Why the database refused `change`, written alone. */
function refusal(error: unknown, change: PlannedChange): Rejection {
  return failureReason(error, change.hearing.eventId, 'the database refused the write');
}

function failureReason(error: unknown, eventId: string | null, fallback: string): Rejection {
  if (error instanceof BatchRuleFailure) {
    const own = error.violations.find((v) => v.eventId === eventId) ?? error.violations[0];
    if (own) return own.reason;
  }
  return { code: 'WRITE_FAILED', message: `${fallback}: ${redactedMessage(error)}` };
}
