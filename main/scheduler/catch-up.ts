import type { RunStatus, RunSummary, SourceWindow } from '../../shared/run.js';
import { MAX_LOOKBACK_DAYS, type RecordSource } from '../sources/index.js';
import type { Store } from '../store/index.js';
import { logger } from '../logging/index.js';
import type { Notification } from './notify-channels.js';

const log = logger('scheduler');

/**
 * Runs whose window counts as listed. A partial run listed its whole window; what it could not
 * write is quarantined or in a failed batch with its reason, never silent (and not counting it would
 * have a task with one bad record a day reach back further every run). A held run's writes stand
 * until someone rolls it back. A rolled-back run's writes were undone, a failed one's listing may not
 * have finished, and an interrupted one is resumed over its own recorded window: none of them
 * covers anything, so the next run reaches back past them.
 */
export const COVERING_STATUSES: readonly RunStatus[] = ['success', 'partial', 'held'];

export interface CatchUpOutcome {
  /** Said in the run's log and as a notification; null when the window needed no warning. */
  warning: { message: string; notification: Notification } | null;
}

/**
 * Reaches a task's new run back to where its last covering run's window ended (a source that offers
 * `catchUp`, i.e. congress), so runs missed for longer than the lookback lose no updates. A task
 * without such a run keeps its plain lookback; one whose recorded window cannot be read does too,
 * with a warning.
 */
export async function catchUpTask(store: Store, source: RecordSource, task: string | null): Promise<CatchUpOutcome> {
  const outcome = await reachBack(store, source, task);
  if (outcome.warning) log.warn(outcome.warning.message);
  return outcome;
}

async function reachBack(store: Store, source: RecordSource, task: string | null): Promise<CatchUpOutcome> {
  const catchUp = source.listing?.catchUp;
  if (task === null || !catchUp) return { warning: null };
  let last: RunSummary | undefined;
  try {
    [last] = await store.listRuns({ task, source: source.description, status: [...COVERING_STATUSES], limit: 1 });
  } catch (error) {
    // A row whose window is not JSON at all (written by hand, a damaged file): the run still goes.
    return unreadable(task, `its last run cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  // None, or one recorded before runs recorded their windows: the plain lookback, as for a first run.
  if (!last?.sourceWindow) return { warning: null };
  const until = windowEnd(last.sourceWindow);
  if (until === null) return unreadable(task, `run ${last.runId}'s recorded window cannot be read`);
  const uncovered = catchUp.call(source.listing, until);
  if (!uncovered) return { warning: null };
  // No option reaches further: `--lookback-days` stops at 90 too, and `--congress` lists that Congress over the lookback.
  const message =
    `task ${task}: updates to ${source.description} from ${uncovered.from} to ${uncovered.to} were listed by no run ` +
    `(the last covering run, ${last.runId}, ended at ${uncovered.from}) and this run lists only from ${uncovered.to}, the most one run reaches back (${MAX_LOOKBACK_DAYS} days). ` +
    'Gatehouse cannot list that span from Congress.gov: obtain those meetings another way and load them with `gatehouse update --source file:PATH`, or accept the gap';
  return { warning: { message, notification: gapNotification(task, message, 'error') } };
}

function unreadable(task: string, why: string): CatchUpOutcome {
  const message = `task ${task}: ${why}, so this run lists only its lookback; updates from before it that no run listed may be missing`;
  return { warning: { message, notification: gapNotification(task, message, 'warning') } };
}

/** Where a recorded window ended; null for one missing or unreadable (text that is not an instant, from after to). */
function windowEnd(window: SourceWindow | null | undefined): Date | null {
  if (!window || typeof window.from !== 'string' || typeof window.to !== 'string') return null;
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  if (Number.isNaN(from) || Number.isNaN(to) || from > to) return null;
  return new Date(to);
}

function gapNotification(task: string, body: string, level: 'warning' | 'error'): Notification {
  return { cause: 'coverage-gap', subject: task, level, title: `Gatehouse: task ${task} cannot list every missed day`, body };
}
