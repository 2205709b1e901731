import type { Surface, SurfaceHint } from '../../shared/errors.js';
import { listingIncomplete, type RunStatus, type RunSummary } from '../../shared/run.js';
import { catchUpHorizon, catchUpSourceDescription, lastCatchUpFor, listedEveryCongressSitting, MAX_LOOKBACK_DAYS, recordedWindow, type RecordSource } from '../sources/index.js';
import type { Store } from '../store/index.js';
import type { Notification } from './notify-channels.js';

/**
 * Runs whose window counts as listed. A partial run listed its whole window; what it could not
 * write is quarantined or in a failed batch with its reason, never silent (and not counting it would
 * have a task with one bad record a day reach back further every run). A held run's writes stand
 * until someone rolls it back. A rolled-back run's writes were undone, a failed one's listing may not
 * have finished, and an interrupted one is resumed over its own recorded window: none of them
 * covers anything, so the next run reaches back past them. A run of these must also have listed
 * every Congress sitting in its window, and not have warned that its listing may have missed
 * meetings (`listingIncomplete`: it ends partial, but its window is not covered) (`lastCoveringRun`).
 */
export const COVERING_STATUSES: readonly RunStatus[] = ['success', 'partial', 'held'];

/** A task's run that cannot list every day since its last covering run (level error), or cannot tell (warning). */
export interface CoverageGapWarning {
  task: string;
  level: 'warning' | 'error';
  message: string;
}

export interface CatchUpOutcome {
  /** Said with the run and as a notification (`coverageGapNotification`); null when the window needed no warning. */
  warning: CoverageGapWarning | null;
}

/** How a span Congress.gov cannot list is filled, as each surface words it: a command, or the console's Start run. */
const LOAD_FROM_A_FILE: SurfaceHint = {
  cli: 'load them with `gatehouse update --source file:PATH`',
  console: 'load them from a file with Start run on the Runs page (Source file:PATH, or Upload a file…)',
};

/** A coverage gap's message as `surface` words it: the console starts the load with its Start run, not a command. */
export function coverageGapFor(message: string, surface: Surface): string {
  return surface === 'cli' ? message : message.replace(LOAD_FROM_A_FILE.cli, LOAD_FROM_A_FILE.console);
}

/** How many covering runs the lookup reads at a time while it passes over runs that did not list everything. */
const COVERING_RUNS_PAGE = 20;

/**
 * Reaches a task's new run back to where its last covering run's window ended (a source that offers
 * `catchUp`, i.e. congress), so runs missed for longer than the lookback lose no updates. A task
 * without such a run keeps its plain lookback; one whose recorded window cannot be read does too,
 * with a warning. `afterResume`: the run follows at once the resume of the task's interrupted run,
 * which has just listed its whole window again, so it lists only from where that coverage ends
 * (`continueFrom`) rather than its whole lookback a second time.
 */
export async function catchUpTask(store: Store, source: RecordSource, task: string | null, options: { afterResume?: boolean } = {}): Promise<CatchUpOutcome> {
  const listing = source.listing;
  if (task === null || !listing?.catchUp) return { warning: null };
  let last: RunSummary | undefined;
  try {
    last = await lastCoveringRun(store, { task, source: source.description, horizon: listing.catchUpHorizon });
  } catch (error) {
    // A row whose window is not JSON at all (written by hand, a damaged file): the run still goes.
    return unreadable(task, `its last run cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  // None, or one recorded before runs recorded their windows: the plain lookback, as for a first run.
  if (!last?.sourceWindow) return { warning: null };
  const until = recordedWindow(last.sourceWindow)?.to;
  if (!until) return unreadable(task, `run ${last.runId}'s recorded window cannot be read`);
  const uncovered = options.afterResume && listing.continueFrom ? listing.continueFrom(until) : listing.catchUp(until);
  if (!uncovered) return { warning: null };
  const since = listedEveryCongressSitting(last.sourceWindow)
    ? `the last covering run, ${last.runId}, ended at ${uncovered.from}`
    : `no run in the last ${MAX_LOOKBACK_DAYS} days listed every Congress sitting, and the newest before them, ${last.runId}, ended at ${uncovered.from} without doing so: the span may begin earlier`;
  // No option reaches further: `--lookback-days` stops at 90 too, and `--congress` lists that Congress over the lookback.
  const message =
    `task ${task}: updates to ${source.description} from ${uncovered.from} to ${uncovered.to} were listed by no run ` +
    `(${since}) and this run lists only from ${uncovered.to}, the most one run reaches back (${MAX_LOOKBACK_DAYS} days). ` +
    `Gatehouse cannot list that span from Congress.gov: obtain those meetings another way and ${LOAD_FROM_A_FILE.cli}, or accept the gap`;
  return { warning: { task, level: 'error', message } };
}

/**
 * The task's newest run that covers its window, paging back past runs that listed only part of it
 * (`--congress` of one Congress, one of the two across 3 January): their windows end later than
 * what was really listed. A run recorded without a window, or with one that cannot be read, ends the
 * search too: the caller says what it makes of them.
 *
 * The paging stops at the horizon (runs started since it: a run's window ends when its source
 * opened, before the run started). Any run that ended before it widens the window to the horizon
 * and no further, so past it one row is read — the newest run, which says where the gap began — not
 * the thousands a task that listed one Congress for months would have.
 */
async function lastCoveringRun(store: Store, scope: { task: string; source: string; horizon: string | undefined }): Promise<RunSummary | undefined> {
  const { task, source, horizon } = scope;
  const runs = { task, source, status: [...COVERING_STATUSES] };
  let after: number | undefined;
  for (;;) {
    const page = await store.listRuns({ ...runs, since: horizon, limit: COVERING_RUNS_PAGE, after });
    const found = page.find((run) => !listingIncomplete(run.sourceWarnings) && (!run.sourceWindow || !recordedWindow(run.sourceWindow) || listedEveryCongressSitting(run.sourceWindow)));
    if (found) return found;
    if (page.length < COVERING_RUNS_PAGE) break;
    after = page.at(-1)!.runId;
  }
  if (horizon === undefined) return undefined;
  const [beyond] = await store.listRuns({ ...runs, until: horizon, limit: 1 });
  return beyond;
}

/**
 * What a task's run that could not start (the writer lock held, the source not opened) leaves
 * unlisted, for its failure notice: it recorded no run, and the next run's catch-up says nothing
 * until the gap passes what one run reaches back. Null for a source without a catch-up (file, synthetic).
 */
export async function gapLeftByFailedStart(store: Store, task: { name: string; source: string; lookbackDays: number }, now: Date): Promise<string | null> {
  const source = catchUpSourceDescription(task.source);
  if (source === null) return null;
  const horizon = catchUpHorizon(now);
  const last = await lastCoveringRun(store, { task: task.name, source, horizon: horizon.toISOString() });
  const until = last?.sourceWindow ? recordedWindow(last.sourceWindow)?.to : undefined;
  if (!last || !until) return `updates to ${source} over the last ${task.lookbackDays} days were listed by no run of the task`;
  const since = `updates to ${source} since ${until.toISOString()}, where run ${last.runId}'s window ended, are listed by no run yet`;
  const reachable = lastCatchUpFor(until);
  return reachable.getTime() > now.getTime()
    ? `${since}; the next run of the task lists them if it starts before ${reachable.toISOString()} (${MAX_LOOKBACK_DAYS} days on)`
    : `${since}; those before ${horizon.toISOString()} are beyond the ${MAX_LOOKBACK_DAYS} days one run reaches back, and the next run will say so`;
}

function unreadable(task: string, why: string): CatchUpOutcome {
  const message = `task ${task}: ${why}, so this run lists only its lookback; updates from before it that no run listed may be missing`;
  return { warning: { task, level: 'warning', message } };
}

/** The one notification of a coverage gap, sent where the run was started from: with a notifier, or by the console from the run's event. */
export function coverageGapNotification(warning: CoverageGapWarning, runId: number | null): Notification {
  return {
    cause: 'coverage-gap',
    subject: warning.task,
    level: warning.level,
    title: `Gatehouse: task ${warning.task} cannot list every missed day`,
    body: warning.message,
    ...(runId === null ? {} : { runId }),
  };
}
