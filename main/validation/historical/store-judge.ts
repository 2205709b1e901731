import type { RunMetrics } from '../../../shared/run.js';
import { feedbackReview, runOrigin, VERDICTS, type HistoryEntry, type RunOrigin, type ValidationResult } from '../../../shared/validation.js';
import { trainingRunFilter, type JudgedRun, type Store } from '../../store/index.js';
import { judgeRun } from './cache.js';
import { runTime } from './history-prep.js';
import { daysFor, MIN_HISTORY_RUNS, type JudgeOptions } from './model.js';
import { dayNumberOf, type CongressCalendar, type DayInfo } from './calendar.js';

/** The live judge reads at most this many earlier runs, the latest (validationHistory's default). */
export const LIVE_HISTORY_RUNS = 2000;

/** What the engine hands its judge after the last batch (structurally the engine's JudgeInput). */
export interface StoredRunToJudge {
  store: Store;
  /** The run being judged, when it is stored already: its source tells a trial run from a production one. */
  runId?: number;
  startedAt: string;
  task: string | null;
  metrics: RunMetrics;
}

export function originOf(run: { source?: string | null }): RunOrigin {
  return runOrigin(run.source);
}

/**
 * The one historical judge every caller uses — `gatehouse update`, the scheduler, the console and
 * the demo seeding: the run's metrics against the stored runs before it that may train the
 * validator (success/partial, not confirmed-anomalous; rolled-back and held runs are out; trial
 * runs only for a trial run). A task with enough history of its own is judged against that
 * alone: a canary or a weekly task has its own rhythm, and mixing it with the daily feed would
 * blur both.
 */
export async function historicalJudge(input: StoredRunToJudge, options: JudgeOptions = {}): Promise<ValidationResult> {
  const history = await judgedHistory(input.store, { before: input.startedAt, task: input.task });
  const stored = input.runId === undefined ? null : await input.store.getRun(input.runId);
  return judgeRun(history, { startedAt: input.startedAt, metrics: input.metrics, origin: stored ? originOf(stored) : 'production' }, options);
}

/**
 * The history a run of `task` is judged against: the task's own when it holds MIN_HISTORY_RUNS
 * runs, every task's otherwise (and for a run of no task). A trial run as a task builds its clean
 * runs from the same history its judge reads.
 */
export async function judgedHistory(store: Pick<Store, 'queries'>, { before, task }: { before?: string; task: string | null }): Promise<HistoryEntry[]> {
  if (task !== null) {
    const own = await validationHistory(store, { before, task });
    if (ownHistoryEnough(own)) return own;
  }
  return validationHistory(store, { before });
}

/** Whether a task's own runs are history enough to judge it by them alone (else every task's runs judge it). */
export function ownHistoryEnough(own: readonly unknown[]): boolean {
  return own.length >= MIN_HISTORY_RUNS;
}

/**
 * The verdict historicalJudge would give `current` if `history` were the stored runs (all of them
 * finished and standing): judged, as there, against at most the LIVE_HISTORY_RUNS latest runs
 * before it that are not confirmed anomalies. What `gatehouse validate` answers, so that a run
 * judged from files is judged as `gatehouse update` judges it from the store.
 */
export function judgeAsStored(history: readonly HistoryEntry[], current: HistoryEntry, options: JudgeOptions = {}): ValidationResult {
  return judgeRun(latestReadable(history, current), current, options);
}

/**
 * How many of the runs given start at or after `current` does: the store would not have read them
 * (validationHistory's `before`), so no judgement learns from them, and a file that holds them is
 * told so rather than have them vanish from its count.
 */
export function runsNotBefore(history: readonly HistoryEntry[], current: HistoryEntry): number {
  const cutoff = runTime(current.startedAt);
  let count = 0;
  for (const entry of history) if (runTime(entry.startedAt) >= cutoff) count++;
  return count;
}

/** validationHistory's read, over runs in memory: the history itself (same array) whenever the read would keep all of it. */
function latestReadable(history: readonly HistoryEntry[], current: HistoryEntry): readonly HistoryEntry[] {
  const cutoff = runTime(current.startedAt);
  const readable = (entry: HistoryEntry): boolean => entry.review !== 'confirmed' && runTime(entry.startedAt) < cutoff;
  let count = 0;
  let inOrder = true;
  let previous = -Infinity;
  for (const entry of history) {
    if (!readable(entry)) continue;
    count++;
    const time = runTime(entry.startedAt);
    if (time < previous) inOrder = false;
    previous = time;
  }
  if (count <= LIVE_HISTORY_RUNS) return history;
  // Oldest first already (as nearly every caller gives them): the latest are the last, read from the
  // end, with no copy, tag or sort of a history of hundreds of thousands of runs to find them.
  if (inOrder) return latestInOrder(history, readable);
  return history
    .filter(readable)
    .map((entry, index) => ({ entry, index, time: runTime(entry.startedAt) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .slice(-LIVE_HISTORY_RUNS)
    .map(({ entry }) => entry);
}

/** The LIVE_HISTORY_RUNS last readable runs of a history in time order, in that order. */
function latestInOrder(history: readonly HistoryEntry[], readable: (entry: HistoryEntry) => boolean): HistoryEntry[] {
  const latest: HistoryEntry[] = [];
  for (let index = history.length - 1; index >= 0 && latest.length < LIVE_HISTORY_RUNS; index--) {
    if (readable(history[index]!)) latest.push(history[index]!);
  }
  return latest.reverse();
}

/** Past runs that may train the historical validator, oldest first: the rule of trainsValidator, in SQL. */
export async function validationHistory(store: Pick<Store, 'queries'>, options: { before?: string; task?: string | null; limit?: number } = {}): Promise<HistoryEntry[]> {
  const rows = await store.queries.db
    .selectFrom('runs')
    .select(['startedAt', 'metricsJson', 'review', 'verdict', 'source'])
    .where(trainingRunFilter)
    .$if(options.before !== undefined, (q) => q.where('startedAt', '<', options.before!))
    .$if(options.task !== undefined && options.task !== null, (q) => q.where('task', '=', options.task!))
    .orderBy('startedAt', 'desc')
    .limit(options.limit ?? LIVE_HISTORY_RUNS)
    .execute();
  return rows.reverse().map(historyEntryFromRun);
}

/**
 * The history entry of a run, with what the validator learns from feedback: the review
 * (`expected` re-baselines; confirmed runs never get here), the verdict stored when it was judged
 * (an unreviewed anomaly teaches less) and its origin (trial runs realised on staging never train
 * a production judgement).
 */
function historyEntryFromRun(run: { startedAt: string; metricsJson: string; review: string | null; verdict: string | null; source: string | null }): HistoryEntry {
  const verdict = (VERDICTS as readonly string[]).includes(run.verdict ?? '') ? (run.verdict as HistoryEntry['verdict']) : null;
  return { startedAt: run.startedAt, metrics: JSON.parse(run.metricsJson), review: feedbackReview(run.review), verdict, origin: runOrigin(run.source) };
}

/** Whether a stored run may train the validator: the same rule as validationHistory. */
export function trainsValidator(run: Pick<JudgedRun, 'status' | 'review' | 'partlyRolledBack'>): boolean {
  return (run.status === 'success' || run.status === 'partial') && run.review !== 'confirmed' && run.partlyRolledBack !== true;
}

/** A stored run as a history entry, with what the model learns from feedback. */
export function historyEntryOf(run: JudgedRun): HistoryEntry {
  return { startedAt: run.startedAt, metrics: run.metrics, review: feedbackReview(run.review), verdict: run.validation?.verdict ?? null, origin: originOf(run) };
}

/** How the validator's calendar sees a day: weekday, recess, first days back, near a boundary. */
export function calendarDay(iso: string, calendar?: CongressCalendar): DayInfo {
  return daysFor(calendar).info(dayNumberOf(iso));
}
