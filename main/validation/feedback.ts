import type { AnomalousRunView } from '../../shared/api-validation.js';
import { GatehouseError } from '../../shared/errors.js';
import { statusEarned, type RunStatus, type RunSummary } from '../../shared/run.js';
import { ANOMALY_REVIEWS, EXPECTED_REASON_KINDS, type AnomalyReview } from '../../shared/validation.js';
import { type FoldedRun, type Store, type WholeRunRollback, unknownRun } from '../store/index.js';
import { foldIsOpen } from './anomaly-folds.js';
import { type RunReview, runReviews } from './reviews.js';

/**
 * Operator feedback on the historical validator (issue 5). One vocabulary, everywhere:
 * - `expected`: the anomaly is real but normal (a weekly, monthly or seasonal pattern, a known
 *   event). The run stays in the training history, and the reports count it as a confirmed
 *   false positive.
 * - `confirmed`: the run really was wrong. It leaves the training history so it cannot widen
 *   the band the next runs are judged by.
 * Rolled-back runs leave the history by their status; a held run is out until it is accepted.
 */
export { ANOMALY_REVIEWS, EXPECTED_REASON_KINDS, type AnomalyReview, type ExpectedReasonKind } from '../../shared/validation.js';

export interface MarkRequest {
  runId: number;
  as: string;
  /** Required for `expected`: which pattern explains it. */
  reasonKind?: string;
  reason: string;
  operator: string;
  at?: string;
  /**
   * The id of the newest expected/confirmed/reopened review of the anomaly's runs the operator saw
   * (null: none). When given, a review written meanwhile refuses this mark with CONFLICT instead
   * of being overridden; undefined marks whatever the run's review is now.
   */
  expectedReviewId?: number | null;
}

function requireReason(reason: string): string {
  if (reason.trim() === '') throw new GatehouseError('USAGE', '--reason must say why (it is recorded with the review)');
  return reason.trim();
}

async function requireRun(store: Store, runId: number): Promise<RunSummary> {
  const run = await store.getRun(runId);
  if (!run) throw await unknownRun(store.queries.db, runId);
  return run;
}

export async function markAnomaly(store: Store, request: MarkRequest): Promise<RunReview> {
  const mark = checkMark(request);
  const run = await requireRun(store, request.runId);
  requireAnomalous(run);
  // A review applies to the whole fold (each anomalous run stores its own): every run of the change is the same anomaly.
  const at = request.at ?? new Date().toISOString();
  const fold = await store.reports.withTheirFolds([run.runId]);
  const expected = request.expectedReviewId === undefined ? [] : [{ runId: run.runId, latestReviewId: request.expectedReviewId }];
  const reviews = await runReviews(store).addMany(fold.map((runId) => ({ runId, ...mark, operator: request.operator, at })), expected);
  return reviews.find((review) => review.runId === run.runId)!;
}

/** What a bulk mark of one run was based on: the newest mark of its anomaly the operator saw (null: none), as `expectedReviewId` is for one mark. */
export interface RunExpectation {
  runId: number;
  latestReviewId: number | null;
}

/**
 * Bulk review: one reason for many anomalous runs, written in one transaction with one audit row
 * per run, so a refusal for any run (missing, not anomalous, reviewed by someone else since the
 * review it was expected to have) leaves every run as it was.
 */
export async function markAnomalies(store: Store, request: Omit<MarkRequest, 'runId' | 'expectedReviewId'> & { runIds: number[]; expected?: readonly RunExpectation[] }): Promise<RunReview[]> {
  const mark = checkMark(request);
  const runIds = [...new Set(request.runIds)];
  const expected = request.expected ?? [];
  const strays = expected.filter((e) => !runIds.includes(e.runId)).map((e) => e.runId);
  if (strays.length > 0) throw new GatehouseError('USAGE', `a review is expected of run${strays.length === 1 ? '' : 's'} ${strays.join(', ')}, which ${strays.length === 1 ? 'is' : 'are'} not among the runs to mark`);
  if (new Set(expected.map((e) => e.runId)).size < expected.length) throw new GatehouseError('USAGE', 'each run takes one expected review');
  for (const runId of runIds) requireAnomalous(await requireRun(store, runId));
  const at = request.at ?? new Date().toISOString();
  // Each expectation is checked against its own anomaly's runs: another run's newer mark is not a review of this one.
  const folds = await store.reports.foldsOf(runIds);
  const checks = expected.map((e) => ({ ...e, foldRunIds: folds.get(e.runId) ?? [e.runId] }));
  const marked = [...new Set(runIds.flatMap((runId) => folds.get(runId) ?? [runId]))];
  return runReviews(store).addMany(marked.map((runId) => ({ runId, ...mark, operator: request.operator, at })), checks);
}

/** Undo of expected/confirmed marks (e.g. a bulk review): each run gets back its earlier review state, audited. */
export async function undoMarks(store: Store, request: { reviewIds: number[]; reason: string; operator: string; at?: string }): Promise<RunReview[]> {
  const reason = requireReason(request.reason);
  return runReviews(store).undoMarks([...new Set(request.reviewIds)], { reason, operator: request.operator, at: request.at ?? new Date().toISOString() });
}

function checkMark(request: Pick<MarkRequest, 'as' | 'reasonKind' | 'reason'>): { action: AnomalyReview; reasonKind: string | null; reason: string } {
  if (!(ANOMALY_REVIEWS as readonly string[]).includes(request.as)) {
    throw new GatehouseError('USAGE', `--as must be one of ${ANOMALY_REVIEWS.join(', ')}, got "${request.as}"`);
  }
  const as = request.as as AnomalyReview;
  const reasonKind = request.reasonKind?.trim() || null;
  if (as === 'expected' && (reasonKind === null || !(EXPECTED_REASON_KINDS as readonly string[]).includes(reasonKind))) {
    throw new GatehouseError('USAGE', `an expected anomaly needs a reason kind: ${EXPECTED_REASON_KINDS.join(' | ')}${reasonKind ? `, got "${reasonKind}"` : ''}`, {
      hint: { cli: 'pass --reason-kind KIND', console: 'choose why it was expected (reasonKind)' },
    });
  }
  if (as === 'confirmed' && reasonKind !== null) {
    throw new GatehouseError('USAGE', 'a reason kind applies to expected anomalies only', { hint: { cli: 'leave --reason-kind out to mark it confirmed', console: 'leave reasonKind out to mark it confirmed' } });
  }
  return { action: as, reasonKind, reason: requireReason(request.reason) };
}

function requireAnomalous(run: RunSummary): void {
  if (run.validation?.verdict !== 'anomalous') {
    throw new GatehouseError('CONFLICT', `run ${run.runId} was not flagged anomalous (verdict: ${run.validation?.verdict ?? 'none'}); only anomalies can be marked`);
  }
}

/** The status a held run would have had without BLOCK_ON_ANOMALY: a partial one stays partial, whatever made it so. */
function statusBeforeHold(run: RunSummary): RunStatus {
  return statusEarned(run);
}

/**
 * Lets a run held by BLOCK_ON_ANOMALY stand: it gets back the status it earned and joins the
 * training history. The other way out is `gatehouse rollback --run ID`.
 */
export async function acceptHeldRun(store: Store, request: { runId: number; reason: string; operator: string; at?: string }): Promise<{ review: RunReview; status: RunStatus }> {
  const reason = requireReason(request.reason);
  const run = await requireRun(store, request.runId);
  const refusal = new GatehouseError('CONFLICT', `run ${run.runId} is ${run.status}; only a held run can be accepted`, {
    hint: run.status === 'held' ? undefined : { cli: 'held runs are listed by `gatehouse runs list --status held`', console: 'the Runs page lists the held runs with Status: held' },
  });
  if (run.status !== 'held') throw refusal;
  const status = statusBeforeHold(run);
  const review = await runReviews(store).add({ runId: run.runId, action: 'accepted', reasonKind: null, reason, operator: request.operator, at: request.at ?? new Date().toISOString() }, status);
  if (!review) throw await changedWhileAccepting(store, run.runId);
  return { review, status };
}

/**
 * The run was held when the accept read it and is not when its write ran: a rollback (or another
 * accept) committed in between — on PostgreSQL the accept waits for a rollback's lock on the run,
 * then finds it rolled back. Said as that, not as "run R is held; only a held run can be accepted".
 */
async function changedWhileAccepting(store: Store, runId: number): Promise<GatehouseError> {
  const now = await requireRun(store, runId);
  const rolledBack = now.status === 'rolled_back';
  return new GatehouseError('CONFLICT', `run ${runId} was held when this accept began, and is ${now.status} now: ${rolledBack ? 'a rollback of it' : 'another change to it'} was committed first; nothing was accepted`, {
    hint: rolledBack
      ? { cli: `see who rolled it back: gatehouse rollback --list --run ${runId}`, console: "the run's page lists its rollbacks: who, when and why" }
      : { cli: `look at the run now (gatehouse runs show ${runId}), then decide again`, console: "look at the run's page now, then decide again" },
  });
}

/** Open anomalies (folds, as the list shows them), whenever they ran: an old change nobody has reviewed is still open. */
export async function countOpenAnomalies(store: Store): Promise<number> {
  return store.reports.countOpenFolds();
}

/**
 * Open anomalies, newest first: the runs of one change fold into one entry (issue 10 item 3) with
 * the run that raised it, how many runs it has lasted, and the last of them. `open` keeps the
 * folds with a run nobody has reviewed yet. Each anomalous run stores its fold, so a page is read
 * by SQL: by the raising run's (startedAt, runId), the order the folds are listed in, from the run
 * `after` names on.
 */
export async function listAnomalousRuns(store: Store, options: { open: boolean; limit: number; after?: number }): Promise<AnomalousRunView[]> {
  const cursor = options.after === undefined ? undefined : await requireRun(store, options.after);
  const listed = await store.reports.folds({ open: options.open, limit: options.limit, before: cursor });
  // The reviews of the runs listed, not every review ever written.
  const byRun = new Map<number, RunReview[]>();
  for (const review of await runReviews(store).list({ runIds: listed.flatMap((runs) => runs.map((r) => r.runId)) })) {
    byRun.set(review.runId, [...(byRun.get(review.runId) ?? []), review]);
  }
  const rollbacks = await store.reports.wholeRunRollbacks(listed.flatMap((runs) => runs.filter((r) => r.status === 'rolled_back').map((r) => r.runId)));
  return listed.map((runs) => {
    const first = runs[0]!;
    const last = runs.at(-1)!;
    return {
      runId: first.runId,
      task: first.task ?? null,
      status: first.status,
      startedAt: first.startedAt,
      // Closed: every run is reviewed or rolled back whole; the review is the newest run's that has one (none: all rolled back).
      review: foldIsOpen({ runs }) ? null : ([...runs].reverse().find((r) => r.review !== null)?.review ?? null),
      anomalies: first.validation?.anomalies ?? [],
      reviews: runs.flatMap((r) => byRun.get(r.runId) ?? []).sort((a, b) => a.id - b.id),
      runCount: runs.length,
      runIds: runs.map((r) => r.runId),
      lastRunId: last.runId,
      lastStartedAt: last.startedAt,
      rolledBack: rolledBackRuns(runs, rollbacks),
    };
  });
}

/**
 * The fold's runs rolled back whole, by their status now (a restore that brought a run's rows back brings its status back
 * too, and the anomaly is open again though its rollback event is kept), with the newest rollback event of them.
 */
function rolledBackRuns(runs: readonly FoldedRun[], rollbacks: ReadonlyMap<number, WholeRunRollback>): AnomalousRunView['rolledBack'] {
  const runIds = runs.filter((run) => run.status === 'rolled_back').map((run) => run.runId);
  if (runIds.length === 0) return null;
  const newest = runIds.flatMap((runId) => rollbacks.get(runId) ?? []).sort((a, b) => b.eventId - a.eventId)[0];
  return { runIds, eventId: newest?.eventId ?? null, operator: newest?.operator ?? null, at: newest?.at ?? null, reason: newest?.reason ?? null };
}
