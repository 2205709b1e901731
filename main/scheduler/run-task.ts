import type { RunEvent, RunStatus, RunSummary } from '../../shared/run.js';
import { environmentFailure, notResumedWhenBusy, runUpdate, StopAsked, taskContinuation, type BatchSettings, type UpdateOptions } from '../engine/index.js';
import { anomalyHold, booleanFlag, haltAsked, haltStop, haltText, MidRunKills, refuseWhileHalted, resolveRunFlags, runOptionsFromFlags, type ExplicitRunOptions, type FlaggedRunOptions, type FlagValues, type Halt } from '../flags/index.js';
import { openSource, type RecordSource, type SourceOptions } from '../sources/index.js';
import { snapshotBeforeRun, type RetentionPolicy, type SnapshotRequest } from '../backup/index.js';
import { historicalJudge } from '../validation/index.js';
import type { Store } from '../store/index.js';
import { guardAfterRun } from '../rollouts/index.js';
import { logger } from '../logging/index.js';
import { redactedMessage } from '../../shared/redact.js';
import { notifyRunOutcome, type Notifier } from './notify.js';
import { catchUpTask, coverageGapNotification, type CoverageGapWarning } from './catch-up.js';
import type { ScheduledTask } from './task-store.js';

const log = logger('rollouts');
const catchUpLog = logger('scheduler');
const flagLog = logger('flags');

export interface FlaggedUpdateRequest extends ExplicitRunOptions {
  store: Store;
  source: RecordSource;
  /** Undefined only for a resume whose caller named no task (`update --resume` without `--task`): it goes on as its run's task. */
  task: string | null | undefined;
  notifier?: Notifier;
  clock?: () => Date;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  resumeRunId?: number;
  /** Who started the run, named in its writer-lock row (UpdateOptions.operator). */
  operator?: string;
  /** The task's run whose resume, which covered its window, this run follows at once: it lists from where that ended (`catchUpTask`), and its row names that run. */
  afterResumeOf?: number;
  /**
   * Snapshots follow the policy (main/backup/snapshot-policy.ts) unless this says otherwise: true
   * forces one (`--snapshot`), false skips it (`--no-snapshot`), as does ENABLE_SNAPSHOTS off.
   */
  snapshots?: boolean;
  /** Applied after a snapshot the run takes; default DEFAULT_RETENTION (count, age and total size). */
  retention?: RetentionPolicy;
  /** `--full-integrity-check`: read the whole database before the run even when the file is as the last verified run left it. */
  fullIntegrityCheck?: boolean;
  extra?: Partial<UpdateOptions>;
}

/**
 * One update run with the flags in force for its task: they choose the path (batch or
 * all-or-nothing, batch size, isolation), are stored with the run, and decide what is notified.
 * They are read once, at the start; only a kill reaches the run while it goes (MidRunKills says why),
 * at each batch boundary and at the end, where it is judged, held and notified.
 */
export async function runFlaggedUpdate(request: FlaggedUpdateRequest): Promise<{ summary: RunSummary; flags: FlagValues }> {
  try {
    return await flaggedUpdate(request);
  } catch (error) {
    // A full disk before the run exists (its lock row, its row): no run to stop as interrupted, the clear error, not an unexpected one.
    throw environmentFailure(request.store, error);
  }
}

async function flaggedUpdate(request: FlaggedUpdateRequest): Promise<{ summary: RunSummary; flags: FlagValues }> {
  // From the first read, not only from runUpdate's lock: its integrity check and flag reads came first,
  // unchecked, so a -shm made immutable after another process's commit ended the update with SIGBUS there.
  request.store.refuseWritesOnceGone();
  const { flags, kills, task } = await flagsToGoOnWith(request);
  await refuseWhileHalted(request.store, task ?? null, request.resumeRunId);
  const halting = haltable(request.signal);
  const explicit = { mode: request.mode, batchSize: request.batchSize };
  const chosen = runOptionsFromFlags(kills.flags, explicit);
  const judge = request.extra?.judge ?? historicalJudge;
  const snapshot = snapshotRequest(request.snapshots, booleanFlag(flags, 'ENABLE_SNAPSHOTS'));
  // Before the lock and anything a run writes (issue 13 #5); the whole file is read only when the
  // policy needs it (main/store/sqlite/integrity.ts).
  const integrity = await request.store.checkIntegrity({ full: request.fullIntegrityCheck });
  // A resume lists the window its run recorded; a new run of a task reaches back over missed days.
  const { warning } = request.resumeRunId === undefined ? await catchUpTask(request.store, request.source, request.task ?? null, { afterResume: request.afterResumeOf !== undefined }) : { warning: null };
  // Said once: as the run's event to whoever listens (the CLI's progress display prints it), else in the log.
  if (warning && !request.onEvent) catchUpLog.warn(warning.message);
  let summary = await runUpdate({
    ...request.extra,
    store: request.store,
    source: request.source,
    mode: chosen.mode,
    batchSize: chosen.batchSize,
    isolate: chosen.isolate,
    batchCeiling: chosen.batchCeiling,
    betweenBatches: async (runId, nextBatch) => {
      // One read of the flags serves the kills and the halt (one round trip on PostgreSQL).
      const { changed, halt } = await kills.atBatchBoundary(runId, nextBatch, task ?? null);
      halting.stop(halt);
      return changed ? batchSettings(runOptionsFromFlags(kills.flags, explicit)) : null;
    },
    beforeCommitting: async (runId) => halting.stop(await kills.beforeCommitting(runId, task ?? null)),
    stopAsked: haltAsked(request.store, task ?? null),
    task,
    flags,
    resumeRunId: request.resumeRunId,
    afterResumeOf: request.afterResumeOf,
    operator: request.operator,
    clock: request.clock,
    signal: halting.signal,
    onEvent: warning ? warnOnStart(request.onEvent, warning) : request.onEvent,
    finalStatus: holdUnlessKilled(chosen, kills) ?? request.extra?.finalStatus,
    beforeRun: snapshotBeforeRun({ request: snapshot, integrity, retention: request.retention, clock: request.clock }),
    // Validation, the hold and the notification are the end's decisions: the kills are read once, at
    // the end of every run that ends (a failed one too, which is judged by no one), before it is judged.
    atEnd: (runId, status, mode) => kills.atEnd(runId, whyNotJudged(status, flags), mode),
    judge: booleanFlag(flags, 'ENABLE_HISTORICAL_VALIDATION') ? async (input) => (booleanFlag(kills.flags, 'ENABLE_HISTORICAL_VALIDATION') ? judge(input) : null) : undefined,
  });
  if (request.notifier) await notifyRunOutcome(request.notifier, summary, { notifyOnAnomaly: await anomalyNoticeAllowed(kills, summary) });
  // After the notices, so a kill that reached the run as they were sent is in the summary printed too.
  summary = await withKillsRecorded(request.store, summary, kills);
  if (request.notifier && warning) await request.notifier.notify(coverageGapNotification(warning, summary.runId));
  await guardRollout(request, summary);
  // Last, after the run's own writes and its rollout bookkeeping, so the identity recorded is the one the next run finds.
  await request.store.recordVerifiedRun();
  return { summary, flags };
}

/**
 * The run's summary with every kill that reached it, recorded on its row: the one place a finished
 * run's kills are made whole. On SQLite a halt that stopped an all-or-nothing run was recorded
 * inside the run's one transaction (the only connection is in it), and rolled back with it: `runs
 * show` said nothing of what stopped the run. A NOTIFY_ON_ANOMALY kill taken as the notices were
 * sent (anomalyNoticeAllowed) is on the row already (MidRunKills records what it takes), not yet in
 * the summary read at the run's end.
 */
async function withKillsRecorded(store: Store, summary: RunSummary, kills: MidRunKills): Promise<RunSummary> {
  if (kills.recorded.length <= (summary.flagChanges?.length ?? 0)) return summary;
  const flagChanges = [...kills.recorded];
  await store.annotateRun(summary.runId, { flagChanges }).catch((error: unknown) => {
    flagLog.warn(`run ${summary.runId}: the kills that reached it could not be recorded on it: ${redactedMessage(error)}`, { runId: summary.runId });
  });
  return { ...summary, flagChanges };
}

/**
 * NOTIFY_ON_ANOMALY for a finished run, read as its notices are sent: the run's own value (its
 * start flags and the kills that reached it), unless a kill placed since it was judged says no. The
 * one answer for `gatehouse update`, the scheduler and the console (which notifies from the run's
 * event: `MidRunKills.ofFinishedRun`).
 */
export async function anomalyNoticeAllowed(kills: MidRunKills, summary: RunSummary): Promise<boolean> {
  if (summary.validation?.verdict === 'anomalous' && booleanFlag(kills.flags, 'NOTIFY_ON_ANOMALY')) await kills.beforeNotices(summary.runId);
  return booleanFlag(kills.flags, 'NOTIFY_ON_ANOMALY');
}

/**
 * Says the warning as the run's own once it has an id, so the run's log and the console show it
 * with the run; without a notifier here (the console's engine thread), the console notifies from it.
 */
function warnOnStart(onEvent: ((event: RunEvent) => void) | undefined, warning: CoverageGapWarning): ((event: RunEvent) => void) | undefined {
  if (!onEvent) return undefined;
  return (event) => {
    onEvent(event);
    if (event.type === 'run-started') onEvent({ type: 'warning', runId: event.runId, cause: 'coverage-gap', ...warning });
  };
}

/**
 * The run's stop signal: its caller's, and HALT_UPDATES read at each batch boundary (and at an
 * all-or-nothing run's safe points). A halt stops the run through the stop path every stop takes
 * (after the batch it is in commits, interrupted and resumable; an all-or-nothing run's one
 * transaction rolled back whole), its reason naming the flag, who set it, when and why, in words and
 * as data (StopAsked: the run's `stop`, which the scheduler reads, never the words). Unreadable
 * flags throw where they are read: the run stops as interrupted, as for kills that cannot be read (MidRunKills).
 */
function haltable(signal: AbortSignal | undefined): { signal: AbortSignal; stop: (halt: Halt | null) => void } {
  const halt = new AbortController();
  return {
    signal: signal ? AbortSignal.any([signal, halt.signal]) : halt.signal,
    stop: (halted) => {
      if (halted && !halt.signal.aborted) halt.abort(new StopAsked(haltStop(halted), `by ${haltText(halted)},`));
    },
  };
}

function batchSettings(chosen: FlaggedRunOptions): BatchSettings {
  return { isolate: chosen.isolate, batchCeiling: chosen.batchCeiling };
}

/** Why a run that ended is not judged against earlier runs, or null when it is. */
function whyNotJudged(status: RunStatus, flags: FlagValues): string | null {
  if (status === 'failed') return 'the run failed';
  if (status === 'rolled_back') return 'the run was rolled back whole (all-or-nothing)';
  if (status !== 'success' && status !== 'partial') return `the run ended ${status}`;
  return booleanFlag(flags, 'ENABLE_HISTORICAL_VALIDATION') ? null : 'ENABLE_HISTORICAL_VALIDATION was off from the run\'s start';
}

/** BLOCK_ON_ANOMALY as the run started with it, unless a kill reached the run before it was judged. */
function holdUnlessKilled(chosen: FlaggedRunOptions, kills: MidRunKills): UpdateOptions['finalStatus'] {
  const hold = anomalyHold(chosen);
  return hold && ((status, validation) => (booleanFlag(kills.flags, 'BLOCK_ON_ANOMALY') ? hold(status, validation) : status));
}

/**
 * The flags a run goes by: a new run's, those in force for its task now. A resumed run goes on with
 * those it started with (stored with it) and the kills that reached it before it was interrupted: a
 * value set meanwhile waits for the next run, as it would have had the run not been interrupted, and
 * a kill placed meanwhile reaches it at the boundary it resumes from (runBatches), recorded on it as
 * every kill is. Taken from the flags now, a kill placed meanwhile turned isolation off (or batches
 * fixed) for the batches it wrote then with no word of it on the run, whose flags still said on; a
 * BLOCK_ON_ANOMALY set since held it.
 */
async function flagsToGoOnWith(request: FlaggedUpdateRequest): Promise<{ flags: FlagValues; kills: MidRunKills; task: string | null | undefined }> {
  const { store, resumeRunId } = request;
  const run = resumeRunId === undefined ? null : await notResumedWhenBusy(store, resumeRunId)(() => store.getRun(resumeRunId));
  // A resume that names no task goes on as its run's; one that names another is refused by openRun, before the run is touched.
  const task = request.task === undefined && run ? (run.task ?? null) : request.task;
  // A run stored without its flags (`{}`: written before runs kept them) goes on with those in force now.
  if (run?.flags && Object.keys(run.flags).length > 0) return { flags: run.flags as FlagValues, kills: MidRunKills.ofFinishedRun(store, run), task };
  const flags = await resolveRunFlags(store, task ?? null);
  return { flags, kills: new MidRunKills(store, flags, run?.flagChanges ?? []), task };
}

function snapshotRequest(asked: boolean | undefined, enabled: boolean): SnapshotRequest {
  if (asked === false) return { kind: 'skip', reason: 'skipped on request (--no-snapshot); the undo journal makes the run reversible' };
  if (asked === true) return { kind: 'force' };
  if (!enabled) return { kind: 'skip', reason: 'ENABLE_SNAPSHOTS is off; the undo journal makes the run reversible' };
  return { kind: 'policy' };
}

/**
 * Every run, headless or in the app, passes the open rollout's guardrails. A guardrail that cannot
 * be evaluated is said out loud, and never turns a finished run into a failed command.
 */
async function guardRollout(request: FlaggedUpdateRequest, summary: RunSummary): Promise<void> {
  try {
    const outcome = await guardAfterRun(request.store, summary, { notifier: request.notifier, clock: request.clock });
    // Without a notifier here (the console's engine thread), the console announces it from this event.
    const notice = outcome?.notice;
    if (notice) {
      const cause = notice.cause === 'rollout-held' ? 'rollout-held' : 'rollout-breach';
      request.onEvent?.({ type: 'warning', runId: summary.runId, message: `${notice.title.replace(/^Gatehouse: /, '')}: ${notice.body}`, cause, rolloutId: outcome.rollout.id });
    }
  } catch (error) {
    log.warn(`rollout guardrails not evaluated after run ${summary.runId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface TaskRunDependencies {
  notifier?: Notifier;
  clock?: () => Date;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** The historical validator (used when ENABLE_HISTORICAL_VALIDATION is on for the task); default historicalJudge. */
  judge?: UpdateOptions['judge'];
  /** For the task's source: the key and the wait budget its command was given (`--congress-key-file`, `--congress-max-wait`). */
  sourceOptions?: Pick<SourceOptions, 'apiKey' | 'maxWaitPerRequestMs' | 'congressBaseUrl'>;
  /** Test seam: where the task's records come from. */
  openTaskSource?: (task: ScheduledTask) => Promise<RecordSource>;
}

/** What a scheduled run of a task does: a new run, or the resume of its interrupted one (`Scheduler`). */
export interface TaskRunRequest {
  resumeRunId?: number;
  /** A new run right after the resume of the task's run (its id), which covered its window (FlaggedUpdateRequest.afterResumeOf). */
  afterResumeOf?: number;
  /** A person who runs the task now (`gatehouse tasks run`, the console): named in the lock instead of the scheduler. */
  operator?: string;
}

/** Who a scheduled run was started by, as its writer lock names it. */
export function schedulerOperator(task: string): string {
  return `the scheduler (task ${task})`;
}

/** Runs a scheduled task now, with its source, lookback and task-scoped flags; or resumes its run `resumeRunId`. */
export async function runTask(store: Store, task: ScheduledTask, deps: TaskRunDependencies = {}, request: TaskRunRequest = {}): Promise<RunSummary> {
  const source = deps.openTaskSource
    ? await deps.openTaskSource(task)
    : await openSource(task.source, { ...deps.sourceOptions, lookbackDays: task.lookbackDays, now: deps.clock });
  const { summary } = await runFlaggedUpdate({
    store,
    source,
    task: task.name,
    notifier: deps.notifier,
    clock: deps.clock,
    signal: deps.signal,
    onEvent: deps.onEvent,
    resumeRunId: request.resumeRunId,
    afterResumeOf: request.afterResumeOf,
    operator: request.operator ?? schedulerOperator(task.name),
    extra: { judge: deps.judge, continuation: taskContinuation(task.name, task.source), resumeByTask: true },
  });
  return summary;
}
