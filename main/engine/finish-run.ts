import os from 'node:os';
import type { Surface } from '../../shared/errors.js';
import { allQuarantinedWords, listingIncomplete, statusEarned, stillMovingWords, type RunEvent, type RunMetrics, type RunStatus, type RunStop, type RunSummary, type SourceWarning } from '../../shared/run.js';
import type { ValidationResult } from '../../shared/validation.js';
import { canceledRunReason, isCanceledByServer, isStorePartMissing, notAllThere, storePartMissing, WriterLockLost, type Store } from '../store/index.js';
import { redactedMessage } from '../../shared/redact.js';
import { formatCount } from '../../shared/plural.js';
import type { Execution } from './execute-run.js';
import { STALE_LOCK_MS } from './lock-heartbeat.js';
import { resumable } from './open-run.js';
import type { RunPlanner } from './planner.js';
import { reconcileRun } from './reconcile.js';
import { FETCHED_PART_NOT_KEPT, FetchedPartNotKept } from './batch-loop.js';
import { faultOf } from './run-context.js';
import { invariantHolds, type CommittedState } from './run-state.js';
import type { UpdateOptions } from './run-update.js';

/**
 * A database that stays busy or unreachable when the run's end is written (a session outside the
 * writer lock holding the file, the connection gone) cannot take the run row either: what was
 * committed stands, and the row, still `running`, is marked interrupted by the next writer, so the
 * operator gets an interrupted summary naming the resume, not an unexpected error — or, when the
 * run's schema or a table of it was dropped under it, saying that no resume can continue it.
 */
export async function finishOrLeaveToNextWriter(options: UpdateOptions, run: Execution, end: RunEnd): Promise<RunSummary> {
  const { error } = end;
  try {
    return await finishRun(options, run, end);
  } catch (failure) {
    // A run a dropped table or schema stopped stays beyond any resume, whatever then kept its end from being written (a busy file).
    const carryOn = error?.endsWith(NOT_RESUMABLE_WITHOUT_STORE_PART) ? NOT_RESUMABLE_WITHOUT_STORE_PART : continuation(options, run.runId);
    const stoppedBy = runFault({ ...options, continuation: carryOn }, failure, run.runId);
    if (stoppedBy === null) throw failure;
    // The run's own stop, when it had one: its end not being written is no more what stopped it.
    const stop = end.stop ?? faultStop(options.store, failure);
    if (isStorePartMissing(failure)) return recordedByNextWriter(options, run, endLostWithStorePart(options, run.runId, error, failure), stop);
    return recordedByNextWriter(options, run, endNotRecorded(error, stoppedBy, carryOn), stop);
  }
}

/**
 * How a run ended, as finishRun records it: `stop`, what stopped it short (an interrupted run's:
 * RunSummary.stop); `databaseFault`, that it stopped because its database failed under it.
 */
export interface RunEnd {
  status: RunStatus;
  error: string | null;
  stop: RunStop | null;
  databaseFault?: boolean;
}

const NO_RECORD_BLAMED = 'nothing was blamed on a record';

/**
 * How a run ends whose end could not be written because its schema, or a table of it, is gone
 * (isStorePartMissing): its row went with it, or stays in a database every command refuses until it
 * is restored, so no `--resume` can continue it and none is offered. A run the same drop stopped
 * already said the database is not all there: the end's write adds only what it met, in brackets.
 */
function endLostWithStorePart(options: Pick<UpdateOptions, 'store' | 'continuation'>, runId: number, error: string | null, failure: unknown): string {
  const { store } = options;
  const carryOn = `${NO_RECORD_BLAMED} ${NOT_RESUMABLE_WITHOUT_STORE_PART}`;
  if (error === null) return `the run's end could not be recorded: ${faultReason(store, failure)}; ${carryOn}`;
  const why = withoutCarryOn(error, continuation(options, runId));
  const notRecorded = why.includes(notAllThere(store.location)) ? `could not be recorded either (${redactedMessage(failure)})` : `could not be recorded: ${faultReason(store, failure)}`;
  return `${why}; the run's end ${notRecorded}; ${carryOn}`;
}

/** How a run's reason ends in place of the resume when its end was lost with a dropped part of its store (endLostWithStorePart). */
export const NOT_RESUMABLE_WITHOUT_STORE_PART = '— it cannot be resumed from what is left of the database';

/** A run's reason without what runFault ends it with (no record blamed, the resume or that none can work), or the resume alone. */
function withoutCarryOn(error: string, carryOn: string): string {
  const endings = [carryOn, NOT_RESUMABLE_WITHOUT_STORE_PART].flatMap((end) => [`; ${NO_RECORD_BLAMED} ${end}`, ` ${end}`]);
  const ending = endings.find((end) => error.endsWith(end)) ?? '';
  return error.slice(0, error.length - ending.length);
}

/**
 * The reason of a run whose end could not be written: why it ended (a stop, its own fault), which
 * the operator needs as much as that the end is not stored, then why it is not, said once when it is
 * the same fault; what runFault ends every reason with (no record blamed, the resume) once, at the end.
 */
function endNotRecorded(error: string | null, notRecorded: string, carryOn: string): string {
  if (error === null) return `the run's end could not be recorded: ${notRecorded}`;
  const tail = `; ${NO_RECORD_BLAMED} ${carryOn}`;
  const why = withoutCarryOn(error, carryOn);
  // The fault that ended the run (a file that stayed busy) kept its end from being written too.
  if (notRecorded.endsWith(tail) && why.endsWith(notRecorded.slice(0, -tail.length))) return `${why}; the run's end could not be recorded either${tail}`;
  return `${why}; the run's end could not be recorded: ${notRecorded}`;
}

/**
 * A fault that is not the records' — a connection lost beyond the retries, a full or failing disk,
 * a lost writer lock, a source that stopped answering — stops the run as `interrupted` (resumable)
 * with this one-line reason; null for anything else, which fails the run. A source that failed
 * part-way decides the status when what it had fetched could not be kept either: its reason first.
 * `notRetried`: why the fault had no retries (an all-or-nothing update), said after it.
 */
export function runFault(options: Pick<UpdateOptions, 'store' | 'continuation'>, failure: unknown, runId: number, notRetried?: string): string | null {
  const { store } = options;
  const failed = failure instanceof FetchedPartNotKept ? failure.sourceFailure : failure;
  const reason = faultReason(store, failed, notRetried === undefined);
  if (reason === null) return null;
  const carryOn = lostAStorePart(failure) ? NOT_RESUMABLE_WITHOUT_STORE_PART : continuation(options, runId);
  return `${reason}${notKept(store, failure)}${notRetried === undefined ? '' : `; ${notRetried}`}; ${NO_RECORD_BLAMED} ${carryOn}`;
}

/**
 * Whether the run met a table or schema of its store dropped under it (isStorePartMissing), also
 * when that was the commit after its source failed. Such a store is refused as every command opens
 * it (missingTables), the resume too, until it is restored: no `--resume` is offered that cannot work.
 */
function lostAStorePart(failure: unknown): boolean {
  return failure instanceof FetchedPartNotKept ? isStorePartMissing(failure.commitFailure) || isStorePartMissing(failure.sourceFailure) : isStorePartMissing(failure);
}

/**
 * What stopped a run that `failure` interrupted (one runFault words): the source, the database
 * (unreachable or busy past the retries), its lost writer lock, or the environment. Null for a
 * record's failure, which stops no run short.
 */
export function faultStop(store: Store, failure: unknown): RunStop | null {
  if (lostTheLock(failure)) return { kind: 'fault', fault: 'writer-lock' };
  const fault = faultOf(store, failure instanceof FetchedPartNotKept ? failure.sourceFailure : failure);
  if (fault === 'record') return null;
  return { kind: 'fault', fault: fault === 'source' ? 'source' : fault === 'transient' ? 'database' : 'environment' };
}

/** Why a run failed (not a fault of `runFault`'s), on one line, with what it could not keep. */
export function failureMessage(store: Store, failure: unknown): string {
  return failure instanceof FetchedPartNotKept ? `${redactedMessage(failure.sourceFailure)}${notKept(store, failure)}` : redactedMessage(failure);
}

function notKept(store: Store, failure: unknown): string {
  if (!(failure instanceof FetchedPartNotKept)) return '';
  return `; ${FETCHED_PART_NOT_KEPT}: ${faultReason(store, failure.commitFailure) ?? redactedMessage(failure.commitFailure)}`;
}

/**
 * Whose fault a failure is and what it said, on one line; null for a record's. `retried`: whether the
 * failed work had the run's series of retries, or was tried once (notResumedWhenBusy without one).
 */
export function faultReason(store: Store, failure: unknown, retried = true): string | null {
  const fault = faultOf(store, failure);
  if (fault === 'record') return null;
  // A dropped schema or table says "relation … does not exist": said as the database it is missing from.
  const said = isStorePartMissing(failure) ? storePartMissing(store.backend, store.location, (failure as Error).message, failure) : failure;
  const message = redactedMessage(said).replace(/\s+/g, ' ').trim();
  // A statement the server canceled (its statement_timeout) was neither unreachable nor busy: a resume fails alike until the setting is raised.
  if (isCanceledByServer(failure)) return canceledRunReason(message);
  const busy = retried ? 'the database stayed unreachable or busy after retries' : 'the database was unreachable or busy';
  const cause = failure instanceof WriterLockLost
    ? null
    : fault === 'source' ? 'the source failed' : fault === 'transient' ? busy : 'the database environment failed';
  return `${cause === null ? '' : `${cause}: `}${message}`;
}

/** The failure that cost the run its writer lock, if one did: also a commit after the source failed. */
export function lostTheLock(failure: unknown): boolean {
  return (failure instanceof FetchedPartNotKept ? failure.commitFailure : failure) instanceof WriterLockLost;
}

/** How an interrupted run's reason ends, as stored and as the command line prints it: the command that continues it. */
export function resumeHint(runId: number): string {
  return `— resume with --resume ${runId}`;
}

/** How this run's reason ends when it is interrupted: its own words (UpdateOptions.continuation), else the resume. */
export function continuation(options: Pick<UpdateOptions, 'continuation'>, runId: number): string {
  const own = options.continuation;
  return typeof own === 'function' ? own(runId) : own ?? resumeHint(runId);
}

/**
 * How a scheduled task's interrupted run's reason ends, run by `gatehouse tasks run`, the scheduler
 * or the console: the task's next scheduled time resumes it (runTaskResumingInterrupted, as `tasks run`
 * and the console's Run of the task do), and the whole command that does it sooner — `--resume N`
 * alone is a flag of `update`, which also needs the source.
 */
export function taskContinuation(task: string, source: string): (runId: number) => string {
  return (runId) => `— task ${task}'s next scheduled run resumes it; sooner: ${resumeCommand(runId, source)}`;
}

/** The whole command that resumes run `runId` of `source` from a terminal, the source quoted for a POSIX shell. */
export function resumeCommand(runId: number, source: string): string {
  return `gatehouse update --resume ${runId} --source '${source.replaceAll("'", "'\\''")}'`;
}

function sooner(runId: number): string {
  return `; sooner: gatehouse update --resume ${runId} --source `;
}

/**
 * A run's stored reason as `surface` words it. The console resumes a run with its page's Resume run
 * button (the terminal command beside it), so there the command line's `--resume N` becomes words that
 * fit it; the command line keeps its command. Other reasons read the same everywhere.
 */
export function reasonFor<R extends string | null | undefined>(reason: R, runId: number, surface: Surface): R | string {
  const command = resumeHint(runId);
  if (typeof reason !== 'string' || surface === 'cli') return reason;
  if (reason.endsWith(command)) return `${reason.slice(0, -command.length)}— it can be resumed`;
  // A task's run (taskContinuation): the scheduler's part reads the same, the command becomes the page's Resume run.
  const taskCommand = reason.lastIndexOf(sooner(runId));
  if (taskCommand !== -1 && /— task .+'s next scheduled run resumes it$/.test(reason.slice(0, taskCommand))) return `${reason.slice(0, taskCommand)}, or it can be resumed now`;
  return reason;
}

/**
 * A run event as `surface` words it: the console's engine streams a finished run's summary to the
 * page and hands it to the desktop notices, and a run whose end the next writer records says why
 * in a warning — each with the reason reasonFor gives that surface, as the run page has it.
 */
export function eventFor(event: RunEvent, surface: Surface): RunEvent {
  if (event.type === 'run-finished') return { ...event, summary: { ...event.summary, error: reasonFor(event.summary.error, event.runId, surface) } };
  if (event.type === 'warning' && event.runId !== null) return { ...event, message: reasonFor(event.message, event.runId, surface) };
  return event;
}

/**
 * Who or what asked the run to stop ("by Ada from the console", "by SIGTERM to gatehouse update
 * (pid 41)"), as whoever aborted its signal gave it: the stored reason names them, so support does
 * not go looking for a signal nobody sent.
 */
export function stoppedBy(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof StopAsked) return reason.message;
  return typeof reason === 'string' ? reason : 'on request';
}

/**
 * A stop that says what asked it, given as a run's signal's reason (`abort(new StopAsked(…))`):
 * HALT_UPDATES (main/scheduler/run-task.ts). `message`: who or what, as the run's reason words it
 * (stoppedBy). A plain string reason is a stop requested by whoever it names.
 */
export class StopAsked extends Error {
  constructor(
    readonly stop: RunStop,
    words: string,
  ) {
    super(words);
    this.name = 'StopAsked';
  }
}

/** What stopped a run whose signal was aborted (RunSummary.stop): a StopAsked's own, else a request by whoever the reason names. */
export function stopAskedOf(signal: AbortSignal | undefined): RunStop {
  const reason: unknown = signal?.reason;
  return reason instanceof StopAsked ? reason.stop : { kind: 'request', by: stoppedBy(signal) };
}

/** After losing the lock, the run row may be written only by whoever holds it: us again, if nobody took it. */
export async function retakeLock(options: UpdateOptions, run: Execution): Promise<boolean> {
  const { store } = options;
  await store.releaseWriterLock();
  const again = await store.acquireWriterLock({ runId: run.runId, pid: process.pid, host: os.hostname(), operator: options.operator ?? null }, { now: (options.lockClock ?? run.clock)(), staleAfterMs: STALE_LOCK_MS });
  return again.acquired;
}

/**
 * Another writer holds the lock now, or the database cannot take the run's end: this run writes
 * nothing more, and stopped for its database (RunSummary.databaseFault). The next writer marks it interrupted as it starts (an orphan: its lock is gone); the
 * summary says what this process knows — the run row as stored, or, when the database cannot even
 * be read (the server gone), the run as this process started it.
 */
export async function recordedByNextWriter(options: UpdateOptions, run: Execution, error: string, stop: RunStop | null): Promise<RunSummary> {
  const recorded = await storedRun(options, run).catch((failure: unknown) => {
    if (runFault(options, failure, run.runId) === null) throw failure;
    return startedRun(options, run);
  });
  const metrics = finalMetrics(run);
  const summary: RunSummary = { ...recorded, status: 'interrupted', error, metrics, batches: run.state.batchCounts, finishedAt: run.clock().toISOString(), ...sourceWarnings(options), ...(stop ? { stop } : {}), databaseFault: true };
  run.emit({ type: 'warning', runId: run.runId, message: error });
  run.emit({ type: 'run-finished', runId: run.runId, summary });
  return summary;
}

async function storedRun(options: UpdateOptions, run: Execution): Promise<Omit<RunSummary, 'status' | 'metrics' | 'batches' | 'finishedAt'>> {
  const { batchList: _batches, ...recorded } = (await run.retry(() => options.store.getRun(run.runId)))!;
  return recorded;
}

/** The run as this process started it (this segment's start, for a resume), when its row cannot be read. */
function startedRun(options: UpdateOptions, run: Execution): Omit<RunSummary, 'status' | 'metrics' | 'batches' | 'finishedAt'> {
  return {
    runId: run.runId,
    mode: run.mode,
    batchSize: run.batchSize,
    task: options.task ?? null,
    source: options.source.description,
    startedAt: run.startedAt.toISOString(),
    validation: null,
    flags: options.flags ?? {},
  };
}

/**
 * The run's metrics as its summary gives them: every run's carries the same keys, in either mode, so
 * a count is 0 in a run that had none of it (fetched nothing, wrote in batches, began before the count
 * was kept) rather than absent — and in the same order: spread from the run's counts, an
 * all-or-nothing run (which counts `rolledBack` as it goes) printed `rolledBack` before `fetchErrors`
 * and `duplicates`, a batch run after them, so `runs list` mixed two layouts.
 */
function finalMetrics(run: Execution): RunMetrics {
  const { fetched, added, updated, unchanged, quarantined, durationMs: _counted, fetchErrors, duplicates, rolledBack, ...more } = run.state.metrics;
  return { fetched, added, updated, unchanged, quarantined, durationMs: elapsedMs(run), fetchErrors: fetchErrors ?? 0, duplicates: duplicates ?? 0, rolledBack: rolledBack ?? 0, ...more };
}

/**
 * What the source noticed while this segment read it, as the summary's last key and only when there
 * is something, so a clean run's summary stays the run as `runs show` reads it back, key for key.
 * For a run whose row cannot be read or written (`recordedByNextWriter`); a run that finishes keeps
 * it with its row (`keepSourceWarnings`).
 */
function sourceWarnings(options: Pick<UpdateOptions, 'source'>): { sourceWarnings?: SourceWarning[] } {
  const warnings = options.source.warnings?.() ?? [];
  return warnings.length === 0 ? {} : { sourceWarnings: warnings };
}

/**
 * What the source noticed while this segment read it, kept with the run after what earlier segments
 * of a resumed run noticed, so `runs show` and the console's run detail say it as `update` did; and
 * returned, all of it, for the run's status (statusEarned). Nothing noticed writes nothing. Read
 * once, then written as a whole: a retried write adds nothing twice.
 */
async function keepSourceWarnings(options: UpdateOptions, run: Execution): Promise<SourceWarning[]> {
  const noticed = options.source.warnings?.() ?? [];
  // Only a resumed run has earlier segments to read.
  if (noticed.length === 0 && options.resumeRunId === undefined) return [];
  const earlier = (await run.retry(() => options.store.getRun(run.runId)))?.sourceWarnings ?? [];
  if (noticed.length === 0) return earlier;
  const sourceWarnings = [...earlier, ...noticed];
  await run.retry(() => options.store.annotateRun(run.runId, { sourceWarnings }));
  return sourceWarnings;
}

/** Earlier segments plus this one. */
export function elapsedMs(run: Pick<Execution, 'priorDurationMs' | 'startedAt' | 'clock'>): number {
  return run.priorDurationMs + Math.max(0, run.clock().getTime() - run.startedAt.getTime());
}

/** Why a run failed without an error: every record was quarantined. Says what was expected and found. */
export function nothingStored(state: CommittedState, planner: RunPlanner): string {
  const top = planner.mostCommonRejection();
  const all = allQuarantinedWords(state.metrics.fetched);
  return top === null ? all : `${all}; most often ${top.code} (${formatCount(top.count)}), e.g. ${top.example}`;
}

/** The status a going run's counts earn; what no count shows (its listing, its reconciliation) is judged at its end (finishRun). */
export function statusFromCounts(state: CommittedState): RunStatus {
  return statusEarned({ metrics: state.metrics });
}

async function finishRun(options: UpdateOptions, run: Execution, end: RunEnd): Promise<RunSummary> {
  const { store } = options;
  let { status, error } = end;
  const metrics = finalMetrics(run);
  if (!invariantHolds(metrics)) {
    status = 'failed';
    error = `run accounting does not add up: fetched ${metrics.fetched} ≠ added ${metrics.added} + updated ${metrics.updated} + unchanged ${metrics.unchanged} + quarantined ${metrics.quarantined}`;
  }
  // Every segment's: a resumed run whose earlier segment may have missed meetings is judged as catch-up reads it.
  const sourceWarnings = await keepSourceWarnings(options, run);
  const incomplete = status === 'success' ? listingIncomplete(sourceWarnings) : undefined;
  if (incomplete) {
    // Exit 3, not 0 (statusEarned): an automation reading only the exit code learns that meetings may be missing.
    error = `${listingIncompleteReason(incomplete)}: meetings may be missing, so its window is not counted as covered (a task's next run lists it again)`;
  }
  if (status === 'success' || status === 'partial') {
    const reconciliation = await reconcileRun(store, run.runId, metrics);
    await store.annotateRun(run.runId, { reconciliation });
    if (!reconciliation.ok) {
      error = [error, `reconciliation after the last batch failed: ${reconciliation.problems.join('; ')}`].filter(Boolean).join('; ');
      run.emit({ type: 'warning', runId: run.runId, message: error });
    }
    status = statusEarned({ metrics, sourceWarnings, reconciliation });
  }
  if (status !== 'interrupted') await options.atEnd?.(run.runId, status, run.mode);
  let validation: ValidationResult | null = null;
  if (options.judge && (status === 'success' || status === 'partial')) {
    try {
      validation = await options.judge({ store, runId: run.runId, startedAt: run.runStartedAt, task: options.task ?? null, metrics });
    } catch (judgeError) {
      run.emit({ type: 'warning', runId: run.runId, message: `historical validation failed: ${(judgeError as Error).message}` });
    }
  }
  if (options.finalStatus) status = options.finalStatus(status, validation);
  const stop = status === 'interrupted' ? end.stop : null;
  const finished = { status, finishedAt: run.clock().toISOString(), metrics, batchCounts: run.state.batchCounts, validation, error, resumable: resumable(store, { status, error }), stop };
  await run.retry(() => store.finishRun(run.runId, finished));
  const detail = await run.retry(() => store.getRun(run.runId));
  const { batchList: _batches, ...stored } = detail!;
  const summary: RunSummary = end.databaseFault ? { ...stored, databaseFault: true } : stored;
  run.emit({ type: 'run-finished', runId: run.runId, summary });
  return summary;
}

/**
 * Why the source's listing may be incomplete, without what follows from it. A warning stored before
 * it said which listings were still moving (a resume of such a run) is quoted whole.
 */
function listingIncompleteReason(warning: SourceWarning): string {
  const still = warning.stillMovingOnLastPass;
  return still ? `Congress.gov's listing ${stillMovingWords(still)}` : warning.message;
}
