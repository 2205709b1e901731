/**
 * The work of one rollback inside its transaction: refusals, conflicts, the undo a page at a time, the
 * event (rollback.ts says what it promises).
 */
import { conflictChoice, type ConflictPolicy, type HearingUndo, type RollbackConflict, type RollbackReportView as RollbackReport } from '../../shared/api-operations.js';
import { GatehouseError, type Surface } from '../../shared/errors.js';
import { conflictError, conflictOf, describeTarget, policyDecision, policyOutcomes, refusalError, refusalOf, summarizeConflicts, undoesHearing } from './rollback-decision.js';
import { describeOutcome, emptyReport, eventFields } from './rollback-report.js';
import type { JournalEntry, JournalOutcome, JournalPosition, PageUndos, RollbackCounts, UndoTarget, UndoTx } from './undo-journal.js';
import { counted } from '../../shared/plural.js';
import { removedByRestore, runDoesNotExist } from '../store/index.js';

export interface RollbackLimits {
  pageSize: number;
  listed: number;
}

export interface RollbackProgress {
  phase: 'checking conflicts' | 'undoing hearings';
  done: number;
  total: number;
}

/** A request rollback.ts has checked. */
export interface CheckedRequest {
  runId: number;
  batchSeq: number | null;
  dryRun: boolean;
  reason: string | null;
  onConflict: ConflictPolicy;
  /** null only in a dry run asked by no one named. */
  operator: string | null;
  limits: RollbackLimits;
  /** The run's newest rollback event when the confirmed preview was read (null: none); undefined: not checked. */
  previewedAfterEvent: number | null | undefined;
  /** Who reads the report's message: the CLI (its flags) or the console (its dialog's choices). */
  surface: Surface;
}

type TransactionRequest = CheckedRequest & { canResume: (run: { status: string; error: string | null }) => boolean };

export async function rollbackInTransaction(tx: UndoTx, request: TransactionRequest, at: string, progress: (progress: RollbackProgress) => void): Promise<RollbackReport> {
  const target: UndoTarget = { runId: request.runId, batchSeq: request.batchSeq };
  const what = describeTarget(target);
  if (request.previewedAfterEvent !== undefined) await refuseRolledBackSincePreview(tx, request.runId, request.previewedAfterEvent);
  const stored = await tx.run(request.runId);
  const run = stored ? { ...stored, rowGone: false } : await runFromJournalAlone(tx, target);
  if (target.batchSeq !== null && !run.batches.some((b) => b.seq === target.batchSeq)) {
    const seqs = run.batches.map((b) => b.seq);
    throw new GatehouseError('NOT_FOUND', `run ${request.runId} has no batch ${target.batchSeq}${seqs.length ? ` (its batches: ${seqs[0]}–${seqs.at(-1)})` : ' (it has no batches)'}`);
  }
  const report = Object.assign(emptyReport(request, at), { runRowGone: run.rowGone });
  const created = await tx.pendingCreatedRows(target);
  const total = await tx.pendingHearingCount(target);
  const refusal = refusalOf(target, run, { resumable: request.canResume(run), pending: total > 0 || created.length > 0 });
  if (refusal?.refused) throw refusalError(refusal);
  if (refusal) return Object.assign(report, { nothingToDo: true, message: refusal.message });
  if (total === 0 && created.length === 0) return markedRolledBackUnchanged(tx, report, what);

  progress({ phase: 'checking conflicts', done: 0, total });
  const { pageSize, listed } = request.limits;
  const { conflicts, onlySkippedConflicts } = await findConflicts(tx, { ...target, task: run.task }, { total, pageSize }, progress);
  const facts = { conflicted: conflicts.size, clean: total - conflicts.size, onlySkippedConflicts, createdRows: created.length };
  report.conflictSummary = summarizeConflicts(conflicts.values());
  report.policies = policyOutcomes(facts, report.conflictSummary);
  const decision = policyDecision(request.onConflict, facts);
  if (decision.nothingToDo) return onlySkippedLeft(report, total, what, request.surface);
  report.conflicts = [...conflicts.values()].slice(0, listed);
  report.conflictsNotListed = conflicts.size - report.conflicts.length;
  if (decision.refused) {
    if (!request.dryRun) throw conflictError(what, [...conflicts.values()], report.policies);
    report.wouldRefuse = true;
  }
  const keptBefore = await tx.keptCreatedRows();
  const outcomes = new Map<JournalOutcome, number[]>();
  const consumed = (journalId: number, outcome: JournalOutcome) => {
    const ids = outcomes.get(outcome);
    if (ids) ids.push(journalId);
    else outcomes.set(outcome, [journalId]);
  };
  let done = 0;
  progress({ phase: 'undoing hearings', done, total });
  // Newest first, a page of before-images at a time: the hearings go back in reverse order of writing.
  for (let page = await nextPage(tx, target, pageSize, null); page.length > 0; page = await nextPage(tx, target, pageSize, page.at(-1)!)) {
    // A target writes each hearing once, so the page's undos commute: they are applied together.
    const undos: PageUndos = { deletions: [], restorations: [], left: [] };
    for (const entry of page) {
      const undo = undoHearing(entry, conflicts.get(entry.id) ?? null, request.onConflict, report.counts, undos);
      if (report.hearings.length < listed) report.hearings.push(undo);
      else report.hearingsNotListed += 1;
      consumed(entry.id, undo.outcome);
    }
    await tx.undoHearings(undos);
    progress({ phase: 'undoing hearings', done: (done += page.length), total });
  }
  // Newest first, the target's own created rows and those earlier rollbacks kept together: a subcommittee goes before its parent.
  const undoneFirst = [...created, ...keptBefore].sort((a, b) => b.id - a.id);
  const keptBeforeIds = new Set(keptBefore.map((entry) => entry.id));
  const createdOutcomes = await tx.deleteCreatedRows(undoneFirst);
  for (const [index, entry] of undoneFirst.entries()) {
    const outcome = createdOutcomes[index]!;
    // One an earlier rollback kept stays that rollback's unless this one is what frees it.
    if (keptBeforeIds.has(entry.id) && outcome !== 'deleted') continue;
    report.createdRows.push({ entity: entry.entity as 'committee' | 'witness', key: entry.key, outcome });
    if (outcome === 'deleted') report.counts.createdRowsDeleted += 1;
    if (outcome === 'kept') report.counts.createdRowsKept += 1;
    consumed(entry.id, outcome === 'kept' ? 'created-kept' : 'created-deleted');
  }
  await finishRollback(tx, report, outcomes);
  report.message = describeOutcome(report, what, request.surface);
  return report;
}

/**
 * A teammate's rollback of the run between this preview and its confirmation: what was previewed
 * is no longer what would happen (less, or nothing), so the operator reads the preview again.
 * Asked inside the rollback's transaction, under its writer lock: a rollback another console
 * commits just before this one takes the lock is seen, not raced.
 */
async function refuseRolledBackSincePreview(tx: UndoTx, runId: number, previewedAfterEvent: number | null): Promise<void> {
  const newest = await tx.newestEvent(runId);
  if (newest === null || newest.id === previewedAfterEvent) return;
  const what = newest.batchSeq === null ? 'the whole run' : `batch ${newest.batchSeq}`;
  throw new GatehouseError('CONFLICT', `run ${runId} changed since this preview: ${newest.operator} rolled back ${what} at ${newest.at}${newest.reason ? ` (${newest.reason})` : ''}; nothing was rolled back now`, {
    hint: 'read the new preview, then confirm again if anything is left to roll back',
  });
}

/**
 * A run whose row was deleted outside Gatehouse (a DBA, a damaged restore) while its undo journal
 * stayed: "run N does not exist" left support no way to undo writes the journal still records. The
 * rollback goes by the journal alone (its batches, no task, never running: a running run holds the
 * writer lock this rollback takes), and says so in its report and its audit. Nothing left to undo
 * is still NOT_FOUND, saying what the journal shows.
 */
async function runFromJournalAlone(tx: UndoTx, target: UndoTarget) {
  const { runId, batchSeq } = target;
  const journal = await tx.journalOfRun(runId);
  if (journal.pendingBatches.length === 0) throw await runNotFound(tx, runId, journal.recorded);
  if (batchSeq !== null && !journal.pendingBatches.includes(batchSeq)) {
    throw new GatehouseError('NOT_FOUND', `run ${runId}'s row is gone (deleted outside Gatehouse) and its undo journal holds nothing left to undo for batch ${batchSeq} (batches with writes left: ${journal.pendingBatches.join(', ')}); nothing was changed`, {
      hint: { cli: `roll back one of those batches, or the whole run (--run ${runId} without --batch)`, console: 'roll back one of those batches, or the whole run' },
    });
  }
  const batches = journal.pendingBatches.map((seq) => ({ seq, status: 'committed' }));
  return { status: 'unknown', error: null, task: null, batches, rowGone: true };
}

/** A run a restore took away is said to be so, with the restore, not as an id that never was. */
async function runNotFound(tx: UndoTx, runId: number, journalRecorded: boolean): Promise<GatehouseError> {
  const restore = await tx.restoreThatRemoved(runId);
  if (!restore && journalRecorded) {
    return new GatehouseError('NOT_FOUND', `run ${runId} does not exist: its row was deleted outside Gatehouse, and every write its undo journal recorded has been rolled back; nothing to roll back`, {
      hint: { cli: `gatehouse rollback --list --run ${runId} shows who rolled it back, when and why`, console: 'its rollback events say who rolled it back, when and why' },
    });
  }
  if (!restore) return runDoesNotExist(runId);
  return new GatehouseError('NOT_FOUND', `${removedByRestore(runId, restore)}; nothing to roll back`, {
    hint: {
      cli: 'see gatehouse backups restores, and its rollback events (gatehouse rollback --list --run ID), which outlive the restore',
      console: 'see the restores on the Backups page; the run\'s rollback events outlive the restore',
    },
  });
}

function nextPage(tx: UndoTx, target: UndoTarget, pageSize: number, from: JournalPosition | null): Promise<JournalEntry[]> {
  return tx.pendingHearingPage(target, { order: 'desc', from, limit: pageSize, images: true });
}

/**
 * Every pending hearing write in conflict, found a page at a time before anything is undone (a
 * refused rollback changes nothing), and whether every pending write is one an earlier rollback
 * skipped and is still in conflict.
 */
async function findConflicts(tx: UndoTx, target: UndoTarget & { task: string | null }, pages: { total: number; pageSize: number }, progress: (progress: RollbackProgress) => void) {
  const { total, pageSize } = pages;
  const conflicts = new Map<number, RollbackConflict>();
  let onlySkippedConflicts = true;
  let checked = 0;
  let from: JournalPosition | null = null;
  for (;;) {
    const page = await tx.pendingHearingPage(target, { order: 'asc', from, limit: pageSize, images: false });
    if (page.length === 0) break;
    const later = await tx.laterHearingWrites(page);
    const hashes = await tx.currentHashes(page.map((entry) => entry.key));
    const changedOtherwise = page.filter((entry) => !later.has(entry.id) && hashes.get(entry.key) !== entry.afterHash);
    const undone = await tx.undoneSinceWritten(changedOtherwise);
    // Every entry, not only those changed since: a later write can leave a hearing exactly as a forced rollback of an earlier run put it back, and undoing that write would quietly bring back the rolled-back version.
    const undoneImages = await tx.beforeImagesUndone(page);
    for (const entry of page) {
      const context = { targetTask: target.task, undoneBy: undone.get(entry.id) ?? null, bringsBack: undoneImages.get(entry.id) ?? null };
      const conflict = conflictOf(entry, later.get(entry.id) ?? [], hashes.get(entry.key) ?? null, context);
      if (conflict) conflicts.set(entry.id, conflict);
      onlySkippedConflicts &&= entry.skippedBefore && conflict !== null;
    }
    from = page.at(-1)!;
    progress({ phase: 'checking conflicts', done: (checked += page.length), total });
  }
  return { conflicts, onlySkippedConflicts };
}

function undoHearing(
  entry: JournalEntry,
  conflict: RollbackConflict | null,
  policy: ConflictPolicy,
  counts: RollbackCounts,
  undos: PageUndos,
): HearingUndo {
  const action = entry.before === null ? 'delete' : 'restore';
  // Keys in the contract's order (hearingUndoSchema): `rollback --json` prints this, and must read as the API's report.
  const undo = (outcome: HearingUndo['outcome']): HearingUndo => ({ eventId: entry.key, batchSeq: entry.batchSeq, action, outcome, conflict });
  if (!undoesHearing(policy, conflict)) {
    counts.skipped += 1;
    undos.left.push(entry.key);
    return undo('skipped');
  }
  if (conflict) counts.forced += 1;
  if (entry.before === null) {
    undos.deletions.push(entry.key);
    counts.deleted += 1;
    return undo('deleted');
  }
  undos.restorations.push(entry.before);
  counts.restored += 1;
  return undo('restored');
}

/** The event and the marks of what was consumed; a dry run (which writes nothing) only says whether the run would end rolled back. */
async function finishRollback(tx: UndoTx, report: RollbackReport, outcomes: Map<JournalOutcome, number[]>): Promise<void> {
  const wholeRun = report.batchSeq === null;
  report.runRolledBack = wholeRun || !(await tx.othersLeftInRun(report.runId, report.batchSeq!));
  if (report.dryRun) return;
  const eventId = await tx.recordEvent(eventFields(report));
  await tx.markJournal(outcomes, eventId);
  await tx.markBatchesRolledBack(report.runId, wholeRun ? null : [report.batchSeq!]);
  if (report.runRolledBack) await tx.markRunRolledBack(report.runId);
  report.eventId = eventId;
}

/** A run that changed nothing still leaves the validator history when support rolls it back. */
async function markedRolledBackUnchanged(tx: UndoTx, report: RollbackReport, what: string): Promise<RollbackReport> {
  report.runRolledBack = true;
  if (!report.dryRun) {
    report.eventId = await tx.recordEvent(eventFields(report));
    await tx.markBatchesRolledBack(report.runId, null);
    await tx.markRunRolledBack(report.runId);
  }
  report.message = `${what} changed no rows; ${report.dryRun ? 'it would be' : 'it is now'} marked rolled_back`;
  return report;
}

/** What an earlier skip left standing is still in conflict: nothing changes unless support forces it. */
function onlySkippedLeft(report: RollbackReport, skipped: number, what: string, surface: Surface): RollbackReport {
  report.nothingToDo = true;
  report.message = `${what} was already rolled back except ${counted(skipped, 'conflicting hearing')} left as ${skipped === 1 ? 'it is' : 'they are'} by ${conflictChoice('skip', surface)}; nothing to do (${conflictChoice('force', surface)} restores ${skipped === 1 ? 'it' : 'them'})`;
  return report;
}
