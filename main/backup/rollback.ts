import {
  CONFLICT_POLICIES,
  type ConflictPolicy,
  type CreatedRowUndo,
  type HearingUndo,
  type RollbackConflict,
  type RollbackRefusalView as RollbackRefusal,
  type RollbackReportView as RollbackReport,
} from '../../shared/api-operations.js';
import { GatehouseError, type Surface } from '../../shared/errors.js';
import { environmentFailure } from '../engine/busy-refusal.js';
import { resumable } from '../engine/open-run.js';
import { canceledByServer, CommitOutcomeUnknown, WriterLockLost, type LockHolder, type Store } from '../store/index.js';
import { consoleStop, settleOrphanedRuns, withWriterLock } from './lock.js';
import { checkedOperator, MAX_REASON_LENGTH } from './operator.js';
import { rollbackInTransaction, type CheckedRequest, type RollbackLimits, type RollbackProgress } from './rollback-apply.js';
import { rollbackOperation } from './attempts.js';
import { describeTarget, stillRunningError } from './rollback-decision.js';
import { rollbackAttemptDetail } from './rollback-report.js';
import { undoJournal } from './undo-journal.js';

/**
 * Rollback of a run or of one batch, from the undo journal.
 *
 * Semantics (what support staff can rely on):
 * - Hearings the target wrote are put back in reverse order of writing: an updated hearing gets its
 *   before-image (the hearing row and all its related rows, exactly as stored), an added one is
 *   deleted. Committees and witnesses the target created are deleted afterwards, unless another
 *   hearing (or a subcommittee) still refers to them, or a before-image of another write that still
 *   stands names them (rolling that write back puts them back in use): then they are kept and
 *   reported as kept. A later rollback that undoes the last hearing still using a kept row deletes
 *   it then, and reports it as its own deletion: rolling back batch 1 and then the rest of the run,
 *   or a run and then the later run that linked its new committee, leaves none of them behind.
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
 *   to do while they are still in conflict and says so, writing nothing and recording no rollback event
 *   (its writer attempt's detail says "nothing was rolled back: " and why, as for a run already
 *   rolled back; the CLI exits as the skip that undid nothing did); with
 *   `force` (or once the conflict is gone) they are undone then, so a skip never strands them.
 * - One batch of a run that can still be resumed (interrupted, or failed on a lost connection) is
 *   refused, dry run too: the resume skips what the run did, by position or by handled key, so the
 *   records whose writes the rollback undid would be skipped and lost. Support resumes the run first
 *   and rolls the batch back once it has ended, or rolls back the whole run (which ends it).
 * - A dry run makes the same decisions from the same journal pages, writing nothing (which created
 *   rows are still referenced is read as the undos would leave the links), so what it lists is
 *   exactly what the rollback would do, and no writer waits for it.
 */
export { CONFLICT_POLICIES, type ConflictPolicy, type CreatedRowUndo, type HearingUndo, type RollbackConflict, type RollbackRefusal, type RollbackReport };
export type { RollbackLimits, RollbackProgress } from './rollback-apply.js';
export { withRollbackRefusals } from './rollback-decision.js';
export { leftAllStanding, nothingRolledBackBecause, undidNothing } from './rollback-report.js';

export interface RollbackRequest {
  runId: number;
  batchSeq?: number | null;
  dryRun?: boolean;
  reason?: string | null;
  onConflict?: ConflictPolicy;
  /**
   * Who asked; defaults to the OS user. null: no one was named (a browser session that has not
   * named itself), which only a dry run may be: its report then names no one, not whoever started
   * the server.
   */
  operator?: string | null;
  clock?: () => Date;
  /** Told as hearings are checked and undone, so a console can show how far a long rollback got. */
  onProgress?: (progress: RollbackProgress) => void;
  /** Who reads the report's message: the CLI's flags (the default) or the console's dialog choices. */
  surface?: Surface;
  /**
   * The run's newest rollback event when the preview being confirmed was read (null: none): a
   * rollback of the run recorded since refuses this one with CONFLICT. Undefined: not checked.
   */
  previewedAfterEvent?: number | null;
  /** Journal entries per page and hearings (and conflicts) the report lists; tests make them small. */
  limits?: RollbackLimits;
}


/**
 * A rollback of a million hearings held every journal entry, its before-image and its line of the
 * report at once (1.6 GB); it now holds a page of entries, the conflicts, and the report's first
 * `listed` hearings.
 */
const DEFAULT_LIMITS: RollbackLimits = { pageSize: 10_000, listed: 10_000 };

function checkRequest(request: RollbackRequest): CheckedRequest {
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
  const dryRun = request.dryRun ?? false;
  if (request.operator === null && !dryRun) throw new GatehouseError('USAGE', 'a rollback names the operator who asked for it; nothing was changed', { hint: 'name the operator (--operator NAME, or the console\'s name for this session)' });
  const operator = request.operator === null ? null : checkedOperator(request.operator);
  const limits = request.limits ?? DEFAULT_LIMITS;
  const whole = (n: number, least: number) => Number.isSafeInteger(n) && n >= least;
  if (!whole(limits.pageSize, 1) || !whole(limits.listed, 0)) {
    throw new GatehouseError('USAGE', `rollback limits must be whole numbers, a page of at least 1 entry: got pageSize ${limits.pageSize}, listed ${limits.listed}`);
  }
  const { previewedAfterEvent } = request;
  if (previewedAfterEvent != null && (!Number.isSafeInteger(previewedAfterEvent) || previewedAfterEvent < 1)) {
    throw new GatehouseError('USAGE', `the previewed rollback event must be a whole number ≥ 1 or null, got ${previewedAfterEvent}`);
  }
  return { runId, batchSeq, dryRun, reason, onConflict, operator, limits, previewedAfterEvent, surface: request.surface ?? 'cli' };
}

/** Rolls back a run or one batch (or, with dryRun, reports what that would do). */
export async function rollback(store: Store, request: RollbackRequest): Promise<RollbackReport> {
  const checked = checkRequest(request);
  const clock = request.clock ?? (() => new Date());
  const progress = request.onProgress ?? (() => undefined);
  const canResume = (run: { status: string; error: string | null }) => resumable(store, run);
  let at = '';
  // The report as the transaction finished it, before its COMMIT: what a rollback whose answer was lost did, if it was committed.
  let drafted: RollbackReport | null = null;
  const work = () => {
    at = clock().toISOString();
    drafted = null;
    return undoJournal(store).transaction(async (tx) => (drafted = await rollbackInTransaction(tx, { ...checked, canResume }, at, progress)), { dryRun: checked.dryRun });
  };
  const target = describeTarget({ runId: checked.runId, batchSeq: checked.batchSeq });
  // A dry run writes nothing that survives, so it may look while an update runs.
  if (checked.dryRun) {
    await markRunInterruptedIfOrphaned(store, checked.runId, clock);
    return work()
      .catch((error: unknown) => lookUnderTheLock(store, clock, checked, work, error))
      .catch((error: unknown) => Promise.reject(canceledByServer(`preview of the rollback of ${target} failed`, 'a preview changes nothing', error) ?? error));
  }
  const operation = rollbackOperation({ runId: checked.runId, batchSeq: checked.batchSeq });
  let answerLost: string | null = null;
  const successDetail = (report: RollbackReport) => [answerLost, rollbackAttemptDetail(report)].filter((said) => said !== null).join('; ') || null;
  // The reason is kept in the attempt too: a rollback that fails or dies writes no rollback event, and its audit must still say why.
  // The run it targets holding the lock is refused in its preview's words (refusalOf), not as some other writer.
  const refusedBy = (holder: LockHolder) => (holder.runId === checked.runId ? stillRunningError(checked.runId, consoleStop(holder)) : null);
  const purpose = { action: `roll back ${target}`, refusedBy, operation, operator: checked.operator ?? undefined, audited: true, reason: checked.reason ?? undefined, successDetail };
  // Failed inside the attempt, so its audit says what failed as the operator is told it, and one whose answer was lost is asked after first.
  const applied = () => work().catch(async (error: unknown) => {
    if (!isConnectionLost(store, error)) throw rollbackFailure(store, target, error);
    const { report, lost } = await connectionLostDuring(store, checked, { at, drafted }, error);
    answerLost = lost;
    return Object.assign(report, { message: `${report.message} (${lost})` });
  });
  return withWriterLock(store, clock, purpose, applied).catch((error: unknown) => {
    // The lock's own message is a run's ("resume the run"); a rollback is one transaction, so nothing of it was committed.
    if (!(error instanceof WriterLockLost)) throw error;
    throw new GatehouseError('INTERRUPTED', `rollback of ${target} stopped: ${error.message}; nothing was changed`, {
      hint: 'run the rollback again once no other writer holds the database',
      cause: error,
    });
  });
}

/** A PostgreSQL connection dropped (not a schema dropped, nor a SQLite file gone: the rollback's COMMIT is then local and its outcome known). */
function isConnectionLost(store: Store, error: unknown): error is GatehouseError {
  return store.backend === 'postgres' && error instanceof GatehouseError && error.code === 'DB_UNREACHABLE' && !(error instanceof WriterLockLost) && store.classifyError(error.cause ?? error) === 'transient';
}

/**
 * The connection went while the rollback's one transaction was open — at worst at its COMMIT, which
 * the server may have run without the answer coming back. The rollback is then all there or not at
 * all, but the client cannot tell which from the error: it asks again, on a new connection, for the
 * rollback event that transaction wrote (its id, known before the COMMIT), and takes what it finds as
 * the outcome. Committed: the rollback's report, as if the answer had come (its attempt succeeded,
 * its notice sent), with `lost` saying what happened. Not committed, or not known: the error saying which.
 */
async function connectionLostDuring(store: Store, request: CheckedRequest, tried: { at: string; drafted: RollbackReport | null }, error: GatehouseError): Promise<{ report: RollbackReport; lost: string }> {
  const what = describeTarget({ runId: request.runId, batchSeq: request.batchSeq });
  // Cut at its COMMIT or before, the rollback asks below which it was: the connection's own words, not "cannot be told".
  const connection = error instanceof CommitOutcomeUnknown && error.cause instanceof GatehouseError ? error.cause : error;
  const lost = `the connection to the database was lost during the rollback of ${what} (${connection.message})`;
  const { at, drafted } = tried;
  // Not cut at its COMMIT (its work or what came before had not finished): none was sent, and the transaction went with the connection.
  const notCommitted = () => new GatehouseError('DB_UNREACHABLE', `${lost}; it was not committed: nothing was changed`, { hint: 'run the rollback again', cause: connection });
  if (drafted === null || !(error instanceof CommitOutcomeUnknown)) throw notCommitted();
  // One that found nothing to do wrote nothing: its report stands whatever became of its COMMIT.
  const eventId = drafted.eventId;
  if (eventId === null) return { report: drafted, lost: `${lost}; it had written nothing` };
  const recorded = await undoJournal(store)
    .listEvents({ runId: request.runId, since: at, limit: 100 })
    .then((events) => events.some((event) => event.id === eventId))
    .catch(() => undefined);
  // Its cause stays the COMMIT's unknown outcome: the attempt is left unfinished, not failed (asAttempt).
  if (recorded === undefined) {
    throw new GatehouseError('DB_UNREACHABLE', `${lost}; whether it was committed is not known yet, the database not answering after: it is one transaction, so all of it was if rollback event ${eventId} is among the run's rollback events, and none of it otherwise`, {
      hint: `once the database answers, \`gatehouse rollback --list --run ${request.runId}\` shows rollback event ${eventId} (at ${at}) if it was committed; run the rollback again only if it is not there`,
      cause: error,
    });
  }
  if (!recorded) throw notCommitted();
  return { report: drafted, lost: `${lost}; it was committed all the same, before the answer could come back: rollback event ${eventId} is stored` };
}

/**
 * A write of the rollback the database refused for reasons of its own — a trigger raising, a CHECK
 * constraint or foreign key added outside Gatehouse (NOT VALID: the rows stood, their before-images
 * do not pass) — reached support as "unexpected error: …", exit 1, as if Gatehouse had broken. Said
 * as a failed restore is: what failed and that, the rollback being one transaction, nothing was
 * rolled back. Gatehouse's own refusals (conflicts, a run not found: "nothing was changed") and the
 * environment's faults keep their words (environmentFailure: DB_NOT_WRITABLE, DB_UNREACHABLE), and a
 * busy database is left for the boundary to name its writer (busyWriteRefusal).
 */
const REFUSED_BY_DATABASE = 'a trigger, constraint or rule added to the database outside Gatehouse refused the rows the rollback puts back or removes: remove or correct it';

function rollbackFailure(store: Store, target: string, error: unknown): unknown {
  const canceled = canceledByServer(`rollback of ${target} failed`, 'it is one transaction: nothing was rolled back', error);
  if (canceled) return canceled;
  if (error instanceof GatehouseError || store.classifyError(error) === 'transient') return error;
  const said = environmentFailure(store, error);
  const failed = `rollback of ${target} failed`;
  if (said instanceof GatehouseError) return new GatehouseError(said.code, `${failed}: ${said.message}; nothing was rolled back`, { hint: said.hints, cause: error });
  return new GatehouseError('DB_NOT_WRITABLE', `${failed}: the database refused a write of it (${(error as Error).message}); nothing was rolled back`, {
    hint: {
      cli: `${REFUSED_BY_DATABASE}, then run the rollback again (--dry-run lists what it would do)`,
      console: `${REFUSED_BY_DATABASE}, then roll back again (the preview lists what it would do)`,
    },
    cause: error,
  });
}

/**
 * A dry run reads a snapshot beside any writer's open transaction; one that still finds the database
 * busy (a restore swapping the tables or the file under it) fails after the wait with a bare
 * "database is locked". It then asks for the writer lock: a held lock is refused with the holder
 * named (run, pid, host) and a hint; a free one means the writer has ended, and the dry run is made
 * again under the lock.
 */
async function lookUnderTheLock(store: Store, clock: () => Date, request: CheckedRequest, work: () => Promise<RollbackReport>, error: unknown): Promise<RollbackReport> {
  if (store.classifyError(error) !== 'transient') throw error;
  const target = describeTarget({ runId: request.runId, batchSeq: request.batchSeq });
  return withWriterLock(store, clock, { action: `preview the rollback of ${target}`, operation: `a preview of the rollback of ${target}`, operator: request.operator ?? undefined }, work);
}

/**
 * A preview takes no lock, so for a run still marked running whose writer is gone it would tell
 * support to stop a process that no longer exists: settle such runs first.
 */
async function markRunInterruptedIfOrphaned(store: Store, runId: number, clock: () => Date): Promise<void> {
  if ((await store.getRun(runId))?.status === 'running') await settleOrphanedRuns(store, clock);
}
