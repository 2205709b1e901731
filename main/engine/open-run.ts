import { GatehouseError, type Surface } from '../../shared/errors.js';
import type { RunDetailView } from '../../shared/api.js';
import { DEFAULT_BATCH_SIZE, type RunMode, type RunSummary, type SourceWindow } from '../../shared/run.js';
import { fingerprintChanges, type RecordSource, type ResumeByIdentity } from '../sources/index.js';
import { COPIED_RUNNING, type Store, unknownRun } from '../store/index.js';
import { counted } from '../../shared/plural.js';
import { checkBatchSize } from './batch-sizes.js';
import { EventIdSet } from './event-id-set.js';
import { addEventIdsTakenBefore, addEventIdsTakenByIdentity } from './taken-before.js';
import { faultReason, reasonFor } from './finish-run.js';
import { faultOf } from './run-context.js';
import { freshState, stateFromCheckpoint, type CommittedState } from './run-state.js';
import { writtenOnce, type Retry } from './transient-retry.js';
import type { UpdateOptions } from './run-update.js';

// A run's opening: a new run's row, or a resumed run's checkpoint, window and handled keys, refused when it cannot resume safely.

export interface OpenedRun {
  runId: number;
  state: CommittedState;
  mode: RunMode;
  batchSize: number;
  /** When this segment started: a resumed run is timed as the sum of its segments. */
  startedAt: Date;
  /**
   * When the run began, as stored: its first segment's start, also for a resume. The historical
   * validator judges the run by it (its weekday, recess, history before it), as it does the stored
   * run whenever it is judged again, not by the day the run was resumed on.
   */
  runStartedAt: string;
  /** The duration of the run's earlier segments (0 for a new run). */
  priorDurationMs: number;
  /** Filled by `readWhatItTook` on a resume, before the first batch. */
  eventIdsInRun: EventIdSet;
  /**
   * A resume's reading of what its run took before it stopped. Its row is `running` again from
   * reopenRun on, so executeRun calls this inside the run's own ending (as it does its snapshot's
   * note): a database that stays busy or unreachable here ends the run interrupted, with its reason,
   * not as an unexpected error leaving the row `running`. Absent for a new run.
   */
  readWhatItTook?: () => Promise<WhatItTook>;
}

/** What a resumed run took before its stop, as its planner and source need it. */
export interface WhatItTook {
  /** The committees the record rules know at the checkpoint, when the items before it were judged again; else those stored. */
  knownCommittees?: Set<string>;
  /** A resume of a run over a re-listed source: its window and the keys its batches handled. */
  resume?: ResumeByIdentity;
}

export async function openRun(options: UpdateOptions, clock: () => Date, owner: { pid: number; host: string }, retry: Retry): Promise<OpenedRun> {
  const { store, source } = options;
  const startedAt = clock();
  if (options.resumeRunId !== undefined) return resumeRun(options, options.resumeRunId, startedAt, owner, retry);
  const mode = options.mode ?? 'batch';
  const batchSize = checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE);
  const run = {
    mode,
    batchSize,
    task: options.task ?? null,
    source: source.description,
    startedAt: startedAt.toISOString(),
    ...owner,
    flags: options.flags ?? {},
    resumedFrom: null,
    sourceFingerprint: source.fingerprint ?? null,
    sourceWindow: source.listing?.window ?? null,
    startedBy: options.operator ?? null,
    afterResumeOf: options.afterResumeOf ?? null,
  };
  const runId = await writtenOnce(retry, () => store.createRun(run), async () => {
    const found = await store.runCreatedFor(run);
    return found === null ? null : { value: found };
  });
  return { runId, state: freshState(), mode, batchSize, startedAt, runStartedAt: startedAt.toISOString(), priorDurationMs: 0, eventIdsInRun: new EventIdSet() };
}

async function resumeRun(options: UpdateOptions, runId: number, startedAt: Date, owner: { pid: number; host: string }, untilBusyGaveUp: Retry): Promise<OpenedRun> {
  const { store, source } = options;
  const retry = notResumedWhenBusy(store, runId, untilBusyGaveUp);
  const run = await retry(() => store.getRun(runId));
  if (!run) throw await noRunToResume(store, runId);
  refuseUnresumable(store, run);
  if (run.source !== source.description) throw otherSourceRefusal(run);
  refuseOtherTask(run, options.task);
  const checkpoint = await retry(() => store.getCheckpoint(runId));
  refuseChangedSource(run, source, checkpoint?.nextPosition ?? 0);
  const window = source.listing ? recordedWindow(run, source.listing) : null;
  await retry(() => store.reopenRun(runId, owner, options.resumeByTask ? run.batches.total : null));
  const state = checkpoint ? stateFromCheckpoint(checkpoint) : freshState();
  // A run stopped by a signal recorded its whole duration; a killed one only up to its last checkpoint.
  const priorDurationMs = Math.max(state.metrics.durationMs, run.metrics.durationMs);
  const eventIdsInRun = new EventIdSet();
  const readWhatItTook = () => whatItTook(options, runId, state, window, eventIdsInRun, retry);
  return { runId, state, mode: run.mode, batchSize: run.batchSize, startedAt, runStartedAt: run.startedAt, priorDurationMs, eventIdsInRun, readWhatItTook };
}

/**
 * A run is judged on its task's history and stored under its task: resumed as another task's, it was
 * judged on that task's history while its row still named its own. Undefined: the caller named none.
 */
function refuseOtherTask(run: RunSummary, task: string | null | undefined): void {
  const own = run.task ?? null;
  if (task === undefined || (task ?? null) === own) return;
  const asked = task === null ? 'without a task' : `as task ${task}`;
  if (own === null) throw new GatehouseError('USAGE', `run ${run.runId} belongs to no task and cannot be resumed ${asked}; resume it without --task`);
  throw new GatehouseError('USAGE', `run ${run.runId} is a run of task ${own} and cannot be resumed ${asked}; resume it with --task ${own}, or without --task`);
}

/**
 * `--resume N` given another source than the run read, refused before the run is touched. A task's
 * resume words it for tasks (runTaskResumingInterrupted): there the source is the task's, not a flag.
 */
export function otherSourceRefusal(run: Pick<RunSummary, 'runId' | 'source'>): GatehouseError {
  return new GatehouseError('USAGE', `run ${run.runId} read ${run.source}; resume it with the same --source`);
}

/**
 * `--resume N` (or the console's Resume) of a run that is not there. A run's row is never deleted by
 * Gatehouse, so when its checkpoint, batches or quarantined records remain, the row was deleted
 * outside it: said so, with what was found and what can still be done, where "run N does not exist"
 * alone read as a mistyped id. The resume cannot go on without the row (its source, mode and window).
 */
export async function noRunToResume(store: Store, runId: number): Promise<GatehouseError> {
  const remains = await store.remainsOfRun(runId).catch(() => null);
  const found = [
    remains?.checkpoint ? 'its checkpoint' : null,
    remains?.batches ? counted(remains.batches, 'batch', 'batches') : null,
    remains?.quarantined ? counted(remains.quarantined, 'quarantined record') : null,
  ].filter((part) => part !== null);
  if (found.length === 0) return unknownRun(store.queries.db, runId);
  const redo = `the hearings run ${runId} wrote are found stored and not written again`;
  return new GatehouseError('NOT_FOUND', `run ${runId} does not exist: its row was deleted outside Gatehouse, and a resume cannot go on without it (what remains of the run: ${listed(found)}); nothing was changed`, {
    hint: {
      cli: `run the update again without --resume (${redo}), or restore a snapshot taken before the row was deleted (gatehouse backups list, gatehouse restore) and resume run ${runId} then`,
      console: `start the update again (${redo}), or restore a snapshot taken before the row was deleted (Backups page) and resume run ${runId} then`,
    },
  });
}

function listed(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
}

/**
 * A resume's reads before its row is `running` again (the run, its checkpoint) and its reopening: a
 * database that stays busy or unreachable through them leaves the run as it was, interrupted and
 * resumable, and is said as the run's own database faults are (finish-run.ts faultReason) — not as
 * PostgreSQL's lock wait, LOCK_HELD, which reads as another run holding the writer lock (exit 5).
 * No run took place: DB_UNREACHABLE, as when the database cannot be reached at all. `retry`: the
 * run's series of retries; absent, one try (a caller reading the run before runUpdate).
 */
export function notResumedWhenBusy(store: Store, runId: number, retry?: Retry): Retry {
  return async (work) => {
    try {
      return await (retry ? retry(work) : work());
    } catch (failure) {
      if (faultOf(store, failure) !== 'transient') throw failure;
      const hint = failure instanceof GatehouseError && failure.hints !== undefined ? failure.hints : 'resume it again once the database answers';
      // Tried once, it is not said to have outlasted retries it never had.
      throw new GatehouseError('DB_UNREACHABLE', `run ${runId} was not resumed: ${faultReason(store, failure, retry !== undefined)}; it is still interrupted, nothing was changed`, { hint, cause: failure });
    }
  };
}

/** The eventIds the run took before its checkpoint (into `eventIdsInRun`), and what its resume skips. */
async function whatItTook(options: UpdateOptions, runId: number, state: CommittedState, window: SourceWindow | null, eventIdsInRun: EventIdSet, retry: Retry): Promise<WhatItTook> {
  const { store, source } = options;
  await retry(() => store.addEventIdsWrittenByRun(runId, eventIdsInRun));
  // Every eventId read before the checkpoint was written unless some were found unchanged or set aside.
  const notAllWritten = state.metrics.unchanged + state.metrics.quarantined > 0;
  const knownCommittees = !source.listing && state.nextPosition > 0 && notAllWritten
    ? await addEventIdsTakenBefore(source, state.nextPosition, eventIdsInRun, await retry(() => store.knownCommitteeCodes({ exceptCreatedBy: runId })))
    : undefined;
  if (window === null) return { knownCommittees };
  // Compact for a decimal key (a bare eventId, recorded before keys named the chamber); a Congress.gov run handles thousands at most.
  const handled = new EventIdSet();
  const handledTimes = new Map<string, number>();
  await retry(() => {
    handledTimes.clear();
    return store.addKeysHandledByRun(runId, {
      add(key) {
        handled.add(key);
        const eventId = source.listing!.eventIdOfKey(key);
        if (eventId !== null) handledTimes.set(eventId, (handledTimes.get(eventId) ?? 0) + 1);
      },
    });
  });
  await retry(() => addEventIdsTakenByIdentity(store, runId, handledTimes, eventIdsInRun));
  return { knownCommittees, resume: { window, handled } };
}

/** Why a new run is the way out of a refused resume, as every surface says it. */
const NEW_RUN_IS_SAFE = 'records already stored are classified unchanged, nothing is written twice';

/**
 * The window a run over a re-listed source (congress) listed when it started. The resume lists
 * that window again, of the Congresses the run listed, and skips by key what the run handled; a
 * window computed now would be another one (a day later, a day's meetings fewer at its start; after
 * 3 January of an odd year, a new Congress). Only a Congress the operator named (`--congress`) and
 * the run did not list is refused. A run recorded before windows were, or whose window cannot be
 * read, cannot be resumed by identity, and by position it would lose meetings and quarantine stored
 * ones as duplicates of themselves: refused, before it is touched.
 */
function recordedWindow(run: RunSummary, now: NonNullable<RecordSource['listing']>): SourceWindow {
  const window = run.sourceWindow;
  const readable = window && !Number.isNaN(Date.parse(window.from)) && !Number.isNaN(Date.parse(window.to)) && Date.parse(window.from) <= Date.parse(window.to);
  if (window && readable && now.congressNamed && congressesText(window) !== congressesText(now.window)) {
    throw new GatehouseError('CONFLICT', `run ${run.runId} cannot be resumed: it listed the ${congressesText(window)}, and this source lists the ${congressesText(now.window)}`, {
      hint: `resume it without --congress (a resume lists what its run listed), or start a new run for the ${congressesText(now.window)}`,
    });
  }
  if (window && readable) return window;
  const what = window ? `its recorded window (${window.from} to ${window.to}) cannot be read` : 'it did not record the window it listed (it began before this version of Gatehouse)';
  throw new GatehouseError('CONFLICT', `run ${run.runId} cannot be resumed: ${what}`, {
    hint: {
      cli: `a resume re-lists ${run.source} and skips what the run handled by eventId within that window; start a new run with the same --source instead (${NEW_RUN_IS_SAFE})`,
      console: `a resume re-lists ${run.source} and skips what the run handled by eventId within that window; start a new run of ${run.source} with Start run on the Runs page instead (${NEW_RUN_IS_SAFE})`,
    },
  });
}

/** "119th Congress", or "118th and 119th Congress" for a window across a new one. */
function congressesText(window: SourceWindow): string {
  const congresses = window.congresses && window.congresses.length > 0 ? window.congresses : [window.congress];
  return `${congresses.map(ordinal).join(' and ')} Congress`;
}

function ordinal(congress: number | null | undefined): string {
  if (congress === null || congress === undefined) return 'unnamed';
  const tens = congress % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[congress % 10] ?? 'th';
  return `${congress}${suffix}`;
}

/**
 * A resume skips the items the run already read by position, so it is right only over the same
 * file: one replaced, reordered or appended to would have other records skipped, stored twice or
 * never read, with no warning. Every byte is hashed, so a same-size edit of the middle with its
 * modified time put back is refused, and a file only touched resumes; a run recorded before whole
 * hashes is refused on a new modified time, which is all it can tell such an edit by (fingerprintChanges).
 * A new run is always safe: what is already stored is classified unchanged. Runs recorded before
 * fingerprints (null) resume as before.
 */
function refuseChangedSource(run: RunSummary, source: RecordSource, itemsRead: number): void {
  const recorded = run.sourceFingerprint;
  if (!recorded) return;
  const changes = source.fingerprint ? fingerprintChanges(recorded, source.fingerprint) : ['it can no longer be fingerprinted'];
  if (changes.length === 0) return;
  const skipped = `the resume would skip the first ${itemsRead.toLocaleString('en-US')} items of the file by position, which are no longer the ones the run read`;
  throw new GatehouseError('CONFLICT', `run ${run.runId} cannot be resumed: ${run.source} changed since the run started (${changes.join('; ')})`, {
    hint: {
      cli: `${skipped}; start a new run with the same --source instead (${NEW_RUN_IS_SAFE})`,
      console: `${skipped}; start a new run of ${run.source} with Start run on the Runs page instead (${NEW_RUN_IS_SAFE})`,
    },
  });
}

/**
 * Runs recorded before transient faults stopped runs as interrupted ended `failed` with the
 * driver's message ("terminating connection due to administrator command"): the same classifier
 * reads it, so such a run resumes from its last checkpoint like an interrupted one.
 */
function failedOnLostConnection(store: Store, run: { status: string; error?: string | null }): boolean {
  return run.status === 'failed' && typeof run.error === 'string' && store.classifyError(new Error(run.error)) === 'transient';
}

/**
 * Whether `update --resume` takes the run: what keeps the keys its batches handled. A run whose
 * process is gone (processGone) is interrupted, stored `running` only until a writer takes over its
 * lock — as the resume does first.
 */
export function resumable(store: Store, run: { status: string; error?: string | null; processGone?: object }): boolean {
  if (endedByStagingCopy(run)) return false;
  return run.status === 'interrupted' || run.processGone !== undefined || failedOnLostConnection(store, run);
}

/**
 * A run the source had under way when a staging copy was made, which the copy ended interrupted
 * (endCopiedRuns): it goes on on the source. Resumed in the copy, it would run the source's update
 * into staging, on top of the batches the copy holds of it.
 */
function endedByStagingCopy(run: { error?: string | null }): boolean {
  return run.error === COPIED_RUNNING;
}

/** Refuses a resume the run cannot take, in the words `update --resume` and the console's Resume both give. */
export function refuseUnresumable(store: Store, run: { runId: number; status: string; error?: string | null; processGone?: object }): void {
  if (endedByStagingCopy(run)) {
    throw new GatehouseError('CONFLICT', `run ${run.runId} was copied from the source while it was still running there, and this staging copy ended it: it is not resumed here (it would run the source's update into staging); resume it on the source database, with gatehouse update --db SOURCE --resume ${run.runId}; nothing was changed`);
  }
  if (!resumable(store, run)) {
    throw new GatehouseError('CONFLICT', `run ${run.runId} is ${run.status}; only an interrupted run can be resumed (or one that failed on a lost connection)`);
  }
}

/**
 * One run with its batches and whether it can be resumed, its reason worded for `surface`;
 * `runs show` and the console's runs.get add what a rollback of it would refuse (main/backup).
 */
export async function runDetail(store: Store, runId: number, surface: Surface): Promise<Omit<RunDetailView, 'rollbackRefusals' | 'statusReasons'>> {
  const run = await store.getRun(runId);
  if (!run) throw await unknownRun(store.queries.db, runId);
  return { ...run, error: reasonFor(run.error, runId, surface), resumable: resumable(store, run) };
}
