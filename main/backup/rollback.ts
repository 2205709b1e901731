import {
  CONFLICT_POLICIES,
  type ConflictPolicy,
  type CreatedRowUndo,
  type HearingUndo,
  type RollbackConflict,
  type RollbackRefusalView as RollbackRefusal,
  type RollbackReportView as RollbackReport,
} from '../../shared/api-operations.js';
import { GatehouseError } from '../../shared/errors.js';
import { resumable } from '../engine/open-run.js';
import { WriterLockLost, type Store } from '../store/index.js';
import { settleOrphanedRuns, withWriterLock } from './lock.js';
import { checkedOperator, MAX_REASON_LENGTH } from './operator.js';
import { undoJournal, type JournalEntry, type JournalOutcome, type JournalPosition, type PageUndos, type RollbackCounts, type UndoTarget, type UndoTx } from './undo-journal.js';

/**
 * Rollback of a run or of one batch, from the undo journal.
 *
 * Semantics (what support staff can rely on):
 * - Hearings the target wrote are put back in reverse order of writing: an updated hearing gets its
 *   before-image (the hearing row and all its related rows, exactly as stored), an added one is
 *   deleted. Committees and witnesses the target created are deleted afterwards, unless another
 *   hearing (or a subcommittee) still refers to them, or a before-image of another write that still
 *   stands names them (rolling that write back puts them back in use): then they are kept and
 *   reported as kept.
 * - A hearing is in conflict when a later write that has not been rolled back touched it (a later
 *   run, or a later batch of the same run), or when its stored content hash is no longer the hash
 *   the target wrote (changed outside the journal, e.g. a restore). By default a rollback with any
 *   conflict is refused and changes nothing. `skip` leaves conflicting hearings as they are now and
 *   restores the rest; `force` restores the before-image anyway, discarding the later change.
 * - Everything happens in ONE transaction, together with the rollback event (who, when, what, why)
 *   and the status changes: the batch or batches become `rolled_back`; the run becomes
 *   `rolled_back` when the whole run was targeted or no journal row of it is left to undo. A
 *   rolled-back run leaves the validator's training history.
 * - Skipped hearings stay pending: rolling back the same target again without `force` finds nothing
 *   to do while they are still in conflict and says so, writing nothing and recording no event; with
 *   `force` (or once the conflict is gone) they are undone then, so a skip never strands them.
 * - One batch of a run that can still be resumed (interrupted, or failed on a lost connection) is
 *   refused, dry run too: the resume skips what the run did, by position or by handled key, so the
 *   records whose writes the rollback undid would be skipped and lost. Support resumes the run first
 *   and rolls the batch back once it has ended, or rolls back the whole run (which ends it).
 * - A dry run does the same work inside a transaction that is then rolled back, so what it lists is
 *   exactly what the rollback would do (including which created rows are still referenced).
 */
export { CONFLICT_POLICIES, type ConflictPolicy, type CreatedRowUndo, type HearingUndo, type RollbackConflict, type RollbackRefusal, type RollbackReport };

export interface RollbackRequest {
  runId: number;
  batchSeq?: number | null;
  dryRun?: boolean;
  reason?: string | null;
  onConflict?: ConflictPolicy;
  /** Who asked; defaults to the OS user. */
  operator?: string;
  clock?: () => Date;
  /** Told as hearings are checked and undone, so a console can show how far a long rollback got. */
  onProgress?: (progress: RollbackProgress) => void;
  /** Journal entries per page and hearings (and conflicts) the report lists; tests make them small. */
  limits?: RollbackLimits;
}

export interface RollbackLimits {
  pageSize: number;
  listed: number;
}

/**
 * A rollback of a million hearings held every journal entry, its before-image and its line of the
 * report at once (1.6 GB); it now holds a page of entries, the conflicts, and the report's first
 * `listed` hearings.
 */
const DEFAULT_LIMITS: RollbackLimits = { pageSize: 10_000, listed: 10_000 };

export interface RollbackProgress {
  phase: 'checking conflicts' | 'undoing hearings';
  done: number;
  total: number;
}

function checkRequest(request: RollbackRequest): Required<Omit<RollbackRequest, 'clock' | 'onProgress' | 'limits'>> & { limits: RollbackLimits } {
  const { runId } = request;
  if (!Number.isSafeInteger(runId) || runId < 1) throw new GatehouseError('USAGE', `run id must be a whole number ≥ 1, got ${runId}`);
  const batchSeq = request.batchSeq ?? null;
  if (batchSeq !== null && (!Number.isSafeInteger(batchSeq) || batchSeq < 1)) {
    throw new GatehouseError('USAGE', `batch number must be a whole number ≥ 1, got ${batchSeq}`);
  }
  const onConflict = request.onConflict ?? 'refuse';
  if (!(CONFLICT_POLICIES as readonly string[]).includes(onConflict)) {
    throw new GatehouseError('USAGE', `on-conflict must be one of ${CONFLICT_POLICIES.join(', ')}, got "${String(onConflict)}"`);
  }
  const reason = request.reason?.trim() || null;
  if (reason !== null && reason.length > MAX_REASON_LENGTH) throw new GatehouseError('USAGE', `reason is longer than ${MAX_REASON_LENGTH} characters`);
  const operator = checkedOperator(request.operator);
  const limits = request.limits ?? DEFAULT_LIMITS;
  const whole = (n: number, least: number) => Number.isSafeInteger(n) && n >= least;
  if (!whole(limits.pageSize, 1) || !whole(limits.listed, 0)) {
    throw new GatehouseError('USAGE', `rollback limits must be whole numbers, a page of at least 1 entry: got pageSize ${limits.pageSize}, listed ${limits.listed}`);
  }
  return { runId, batchSeq, dryRun: request.dryRun ?? false, reason, onConflict, operator, limits };
}

/** Rolls back a run or one batch (or, with dryRun, reports what that would do). */
export async function rollback(store: Store, request: RollbackRequest): Promise<RollbackReport> {
  const checked = checkRequest(request);
  const clock = request.clock ?? (() => new Date());
  const progress = request.onProgress ?? (() => undefined);
  const canResume = (run: { status: string; error: string | null }) => resumable(store, run);
  const work = () => undoJournal(store).transaction((tx) => rollbackInTransaction(tx, { ...checked, canResume }, clock().toISOString(), progress), { dryRun: checked.dryRun });
  // A dry run writes nothing that survives, so it may look while an update runs.
  if (checked.dryRun) {
    await markRunInterruptedIfOrphaned(store, checked.runId, clock);
    return work().catch((error: unknown) => lookUnderTheLock(store, clock, checked, work, error));
  }
  return withWriterLock(store, clock, 'rollback', work).catch((error: unknown) => {
    // The lock's own message is a run's ("resume the run"); a rollback is one transaction, so nothing of it was committed.
    if (!(error instanceof WriterLockLost)) throw error;
    throw new GatehouseError('INTERRUPTED', `rollback of ${describeTarget({ runId: checked.runId, batchSeq: checked.batchSeq })} stopped: ${error.message}; nothing was changed`, {
      hint: 'run the rollback again once no other writer holds the database',
      cause: error,
    });
  });
}

/**
 * A dry run looks between an update's transactions; on SQLite one that finds the database inside
 * another writer's transaction (an all-or-nothing run, a long batch) fails after the busy timeout
 * with a bare "database is locked". It then asks for the writer lock: a held lock is refused with
 * the holder named (run, pid, host) and a hint; a free one means the transaction has ended, and
 * the dry run is made again under the lock.
 */
async function lookUnderTheLock(store: Store, clock: () => Date, request: CheckedRequest, work: () => Promise<RollbackReport>, error: unknown): Promise<RollbackReport> {
  if (store.classifyError(error) !== 'transient') throw error;
  return withWriterLock(store, clock, `preview the rollback of ${describeTarget({ runId: request.runId, batchSeq: request.batchSeq })}`, work);
}

/**
 * A preview takes no lock, so for a run still marked running whose writer is gone it would tell
 * support to stop a process that no longer exists: settle such runs first.
 */
async function markRunInterruptedIfOrphaned(store: Store, runId: number, clock: () => Date): Promise<void> {
  if ((await store.getRun(runId))?.status === 'running') await settleOrphanedRuns(store, clock);
}

type CheckedRequest = ReturnType<typeof checkRequest>;

type TransactionRequest = CheckedRequest & { canResume: (run: { status: string; error: string | null }) => boolean };

async function rollbackInTransaction(tx: UndoTx, request: TransactionRequest, at: string, progress: (progress: RollbackProgress) => void): Promise<RollbackReport> {
  const target: UndoTarget = { runId: request.runId, batchSeq: request.batchSeq };
  const what = describeTarget(target);
  const run = await tx.run(request.runId);
  if (!run) throw new GatehouseError('NOT_FOUND', `run ${request.runId} does not exist`, { hint: 'see gatehouse runs list' });
  if (target.batchSeq !== null && !run.batches.some((b) => b.seq === target.batchSeq)) {
    const seqs = run.batches.map((b) => b.seq);
    throw new GatehouseError('NOT_FOUND', `run ${request.runId} has no batch ${target.batchSeq}${seqs.length ? ` (its batches: ${seqs[0]}–${seqs.at(-1)})` : ' (it has no batches)'}`);
  }
  const report = emptyReport(request, at);
  const created = await tx.pendingCreatedRows(target);
  const total = await tx.pendingHearingCount(target);
  const refusal = refusalOf(target, run, { resumable: request.canResume(run), pending: total > 0 || created.length > 0 });
  if (refusal?.refused) throw new GatehouseError('CONFLICT', `${refusal.message}; nothing was changed`, { hint: refusal.hint });
  if (refusal) return Object.assign(report, { nothingToDo: true, message: refusal.message });
  if (total === 0 && created.length === 0) return markedRolledBackUnchanged(tx, report, what);

  progress({ phase: 'checking conflicts', done: 0, total });
  const { pageSize, listed } = request.limits;
  const { conflicts, onlySkippedConflicts } = await findConflicts(tx, target, { total, pageSize }, progress);
  if (request.onConflict !== 'force' && created.length === 0 && onlySkippedConflicts) return onlySkippedLeft(report, total, what);
  report.conflicts = [...conflicts.values()].slice(0, listed);
  report.conflictsNotListed = conflicts.size - report.conflicts.length;
  if (conflicts.size > 0 && request.onConflict === 'refuse') {
    if (!request.dryRun) throw conflictError(what, [...conflicts.values()]);
    report.wouldRefuse = true;
  }
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
    const undos: PageUndos = { deletions: [], restorations: [] };
    for (const entry of page) {
      const undo = undoHearing(entry, conflicts.get(entry.id) ?? null, request.onConflict, report.counts, undos);
      if (report.hearings.length < listed) report.hearings.push(undo);
      else report.hearingsNotListed += 1;
      consumed(entry.id, undo.outcome);
    }
    await tx.undoHearings(undos);
    progress({ phase: 'undoing hearings', done: (done += page.length), total });
  }
  for (const entry of created.reverse()) {
    const outcome = await tx.deleteCreatedRow(entry.entity as 'committee' | 'witness', entry.key);
    report.createdRows.push({ entity: entry.entity as 'committee' | 'witness', key: entry.key, outcome });
    if (outcome === 'deleted') report.counts.createdRowsDeleted += 1;
    if (outcome === 'kept') report.counts.createdRowsKept += 1;
    consumed(entry.id, outcome === 'kept' ? 'created-kept' : 'created-deleted');
  }
  await finishRollback(tx, report, outcomes);
  report.message = describeOutcome(report, what);
  return report;
}

function nextPage(tx: UndoTx, target: UndoTarget, pageSize: number, from: JournalPosition | null): Promise<JournalEntry[]> {
  return tx.pendingHearingPage(target, { order: 'desc', from, limit: pageSize, images: true });
}

/**
 * Every pending hearing write in conflict, found a page at a time before anything is undone (a
 * refused rollback changes nothing), and whether every pending write is one an earlier rollback
 * skipped and is still in conflict.
 */
async function findConflicts(tx: UndoTx, target: UndoTarget, pages: { total: number; pageSize: number }, progress: (progress: RollbackProgress) => void) {
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
    for (const entry of page) {
      const conflict = conflictOf(entry, later.get(entry.id) ?? [], hashes.get(entry.key) ?? null);
      if (conflict) conflicts.set(entry.id, conflict);
      onlySkippedConflicts &&= entry.skippedBefore && conflict !== null;
    }
    from = page.at(-1)!;
    progress({ phase: 'checking conflicts', done: (checked += page.length), total });
  }
  return { conflicts, onlySkippedConflicts };
}

function conflictOf(entry: JournalEntry, later: { runId: number }[], currentHash: string | null): RollbackConflict | null {
  const laterRuns = [...new Set(later.map((write) => write.runId))];
  if (laterRuns.length === 0 && currentHash === entry.afterHash) return null;
  const message = laterRuns.length > 0
    ? `hearing ${entry.key} was changed again by run ${laterRuns.join(', ')}`
    : currentHash === null
      ? `hearing ${entry.key} no longer exists`
      : `hearing ${entry.key} changed since this write (content hash differs)`;
  return { eventId: entry.key, laterRuns, expectedHash: entry.afterHash, currentHash, message };
}

function undoHearing(
  entry: JournalEntry,
  conflict: RollbackConflict | null,
  policy: ConflictPolicy,
  counts: RollbackCounts,
  undos: PageUndos,
): HearingUndo {
  const action = entry.before === null ? 'delete' : 'restore';
  const base = { eventId: entry.key, batchSeq: entry.batchSeq, action, conflict } as const;
  // Under refuse only a dry run gets here with conflicts: it shows the rest as the skip would.
  if (conflict && policy !== 'force') {
    counts.skipped += 1;
    return { ...base, outcome: 'skipped' };
  }
  if (conflict) counts.forced += 1;
  if (entry.before === null) {
    undos.deletions.push(entry.key);
    counts.deleted += 1;
    return { ...base, outcome: 'deleted' };
  }
  undos.restorations.push(entry.before);
  counts.restored += 1;
  return { ...base, outcome: 'restored' };
}

async function finishRollback(tx: UndoTx, report: RollbackReport, outcomes: Map<JournalOutcome, number[]>): Promise<void> {
  const wholeRun = report.batchSeq === null;
  report.runRolledBack = wholeRun || !(await tx.othersLeftInRun(report.runId, report.batchSeq!));
  const eventId = await tx.recordEvent(eventFields(report));
  await tx.markJournal(outcomes, eventId);
  await tx.markBatchesRolledBack(report.runId, wholeRun ? null : [report.batchSeq!]);
  if (report.runRolledBack) await tx.markRunRolledBack(report.runId);
  report.eventId = report.dryRun ? null : eventId;
}

/** A run that changed nothing still leaves the validator history when support rolls it back. */
async function markedRolledBackUnchanged(tx: UndoTx, report: RollbackReport, what: string): Promise<RollbackReport> {
  report.runRolledBack = true;
  const eventId = await tx.recordEvent(eventFields(report));
  await tx.markBatchesRolledBack(report.runId, null);
  await tx.markRunRolledBack(report.runId);
  report.eventId = report.dryRun ? null : eventId;
  report.message = `${what} changed no rows; ${report.dryRun ? 'it would be' : 'it is now'} marked rolled_back`;
  return report;
}

/** What an earlier skip left standing is still in conflict: nothing changes unless support forces it. */
function onlySkippedLeft(report: RollbackReport, skipped: number, what: string): RollbackReport {
  report.nothingToDo = true;
  report.message = `${what} was already rolled back except ${skipped} conflicting hearing(s) left as they are by --on-conflict skip; nothing to do (--on-conflict force restores them)`;
  return report;
}

function describeTarget(target: UndoTarget): string {
  return target.batchSeq === null ? `run ${target.runId}` : `batch ${target.batchSeq} of run ${target.runId}`;
}

function emptyReport(request: CheckedRequest, at: string): RollbackReport {
  return {
    runId: request.runId,
    batchSeq: request.batchSeq,
    dryRun: request.dryRun,
    onConflict: request.onConflict,
    operator: request.operator,
    at,
    reason: request.reason,
    nothingToDo: false,
    wouldRefuse: false,
    runRolledBack: false,
    eventId: null,
    message: '',
    counts: { restored: 0, deleted: 0, skipped: 0, forced: 0, createdRowsDeleted: 0, createdRowsKept: 0 },
    conflicts: [],
    conflictsNotListed: 0,
    hearings: [],
    hearingsNotListed: 0,
    createdRows: [],
  };
}

function eventFields(report: RollbackReport) {
  return {
    runId: report.runId,
    batchSeq: report.batchSeq,
    operator: report.operator,
    at: report.at,
    reason: report.reason,
    onConflict: report.onConflict,
    ...report.counts,
    runRolledBack: report.runRolledBack,
  };
}

interface RunState {
  status: string;
  batches: { seq: number; status: string }[];
}

/** `refused`: the rollback throws CONFLICT; otherwise it finds nothing to do and says so. */
type Refusal = Omit<RollbackRefusal, 'batchSeq'> & { refused: boolean };

/**
 * Why rolling back the target would be refused or find nothing to do, from what is known before any
 * journal page is read. The rollback asks it, and so does runs.get (rollbackRefusals), so the console
 * never offers a rollback the API then refuses. Conflicts with later writes are not here: the
 * rollback's dry run lists them, and skip or force takes the rollback through them.
 */
function refusalOf(target: UndoTarget, run: RunState, facts: { resumable: boolean; pending: boolean }): Refusal | null {
  const what = describeTarget(target);
  if (run.status === 'running') {
    return { refused: true, message: `run ${target.runId} is still running; stop it (or let it finish) before rolling it back`, hint: 'what it committed stays; roll it back once it has stopped' };
  }
  // One batch of a resumable run: its resume would skip, and so lose, the records the rollback undid.
  if (target.batchSeq !== null && facts.resumable) {
    return {
      refused: true,
      message: `refusing to roll back ${what}: the run is ${run.status} and can still be resumed, and a resume skips what its batches did, so the records whose writes this rollback undid would never be read again`,
      hint: `finish the run first (gatehouse update --resume ${target.runId} with its --source), then roll back the batch; or roll back the whole run (--run ${target.runId} without --batch), which ends it`,
    };
  }
  if (facts.pending) return null;
  const statusOfTarget = target.batchSeq === null ? run.status : run.batches.find((b) => b.seq === target.batchSeq)?.status;
  if (statusOfTarget === 'rolled_back') return { refused: false, message: `${what} was already rolled back; nothing to do`, hint: 'its rollback events say who rolled it back, when and why' };
  // A whole run that wrote nothing is still marked rolled_back (it leaves the validator's history).
  if (target.batchSeq === null) return null;
  return { refused: false, message: `${what} wrote no rows; nothing to roll back`, hint: 'its records were unchanged or quarantined; see the batch\'s counts' };
}

/**
 * The run and each of its batches whose rollback would be refused or find nothing to do, in the
 * rollback's own words (refusalOf): what runs.get and `runs show --json` add to a run's detail.
 */
export async function withRollbackRefusals<T extends { runId: number; status: string; resumable: boolean; batchList: RunState['batches'] }>(
  store: Store,
  run: T,
): Promise<T & { rollbackRefusals: RollbackRefusal[] }> {
  // A running run is refused whatever its journal holds, so the journal is not read while it grows.
  const pendingBatches = run.status === 'running' ? new Set<number>() : await undoJournal(store).batchesWithPendingWrites(run.runId);
  const state: RunState = { status: run.status, batches: run.batchList };
  const targets = [null, ...run.batchList.map((b) => b.seq)];
  const rollbackRefusals = targets.flatMap((batchSeq) => {
    const pending = batchSeq === null ? pendingBatches.size > 0 : pendingBatches.has(batchSeq);
    const refusal = refusalOf({ runId: run.runId, batchSeq }, state, { resumable: run.resumable, pending });
    return refusal ? [{ batchSeq, message: refusal.message, hint: refusal.hint }] : [];
  });
  return { ...run, rollbackRefusals };
}

const CONFLICTS_IN_MESSAGE = 5;

function conflictError(what: string, conflicts: RollbackConflict[]): GatehouseError {
  const shown = conflicts.slice(0, CONFLICTS_IN_MESSAGE).map((c) => c.message).join('; ');
  const more = conflicts.length > CONFLICTS_IN_MESSAGE ? ` and ${conflicts.length - CONFLICTS_IN_MESSAGE} more` : '';
  return new GatehouseError('CONFLICT', `refusing to roll back ${what}: ${conflicts.length} hearing(s) changed since: ${shown}${more}; nothing was changed`, {
    hint: 'see them with --dry-run; then --on-conflict skip (leave those as they are now) or --on-conflict force (restore them anyway)',
  });
}

/**
 * A rollback under --on-conflict skip where every hearing it would undo was changed again later:
 * it ran (the skips are recorded, so a forced rollback can still take them) but undid nothing.
 */
export function undidNothing(report: RollbackReport): boolean {
  const c = report.counts;
  return !report.nothingToDo && !report.wouldRefuse && c.skipped > 0 && c.restored + c.deleted + c.createdRowsDeleted === 0;
}

/** Said first, not as a count of zero among the others: support must not read it as done. */
function describeNothingUndone(report: RollbackReport, what: string): string {
  const laterRuns = [...new Set(report.conflicts.flatMap((c) => c.laterRuns))].sort((a, b) => a - b);
  const by = laterRuns.length > 0 ? ` (by run ${laterRuns.join(', ')})` : '';
  const head = report.dryRun ? `dry run: rolling back ${what} would undo nothing` : `rolling back ${what} undid nothing`;
  const kept = report.counts.createdRowsKept > 0 ? `; ${report.counts.createdRowsKept} created committee/witness row(s) kept (still referenced)` : '';
  const marked = report.runRolledBack ? `; run ${report.runId} ${report.dryRun ? 'would be' : 'is now'} marked rolled_back all the same` : '';
  return `${head}: all ${report.counts.skipped} hearing(s) it wrote were changed again later${by} and are left as they are by --on-conflict skip${kept}${marked}; --on-conflict force restores them`;
}

function describeOutcome(report: RollbackReport, what: string): string {
  if (undidNothing(report)) return describeNothingUndone(report, what);
  const c = report.counts;
  const verb = report.dryRun ? 'would restore' : 'restored';
  const parts = [
    `${verb} ${c.restored} hearing(s) to their earlier state`,
    `${report.dryRun ? 'would delete' : 'deleted'} ${c.deleted} hearing(s) it added`,
    `${c.createdRowsDeleted} created committee/witness row(s) ${report.dryRun ? 'would be ' : ''}deleted, ${c.createdRowsKept} kept (still referenced)`,
  ];
  if (c.skipped > 0) parts.push(`${c.skipped} conflicting hearing(s) ${report.dryRun ? 'would be ' : ''}left as they are now`);
  if (c.forced > 0) parts.push(`${c.forced} conflicting hearing(s) restored anyway`);
  const head = report.wouldRefuse
    ? `dry run: rolling back ${what} would be refused: ${report.conflicts.length} conflict(s); with --on-conflict skip it`
    : `${report.dryRun ? 'dry run: rolling back ' : 'rolled back '}${what}:`;
  const tail = report.runRolledBack ? `; run ${report.runId} ${report.dryRun ? 'would be' : 'is now'} rolled_back` : '';
  return `${head} ${parts.join(', ')}${tail}`;
}
