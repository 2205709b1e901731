import type { RunMetrics } from '../../../shared/run.js';
import { feedbackReview, runOrigin, type HistoryEntry, type RunOrigin, type ValidationResult } from '../../../shared/validation.js';
import type { ReportedRun, Store } from '../../store/index.js';
import { judgeRun } from './cache.js';
import { daysFor, MIN_HISTORY_RUNS, type JudgeOptions } from './model.js';
import { dayNumberOf, type CongressCalendar, type DayInfo } from './calendar.js';

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
  const history = await historyFor(input.store, input.startedAt, input.task);
  const stored = input.runId === undefined ? null : await input.store.getRun(input.runId);
  return judgeRun(history, { startedAt: input.startedAt, metrics: input.metrics, origin: stored ? originOf(stored) : 'production' }, options);
}

async function historyFor(store: Store, before: string, task: string | null): Promise<HistoryEntry[]> {
  if (task !== null) {
    const own = await store.validationHistory({ before, task });
    if (own.length >= MIN_HISTORY_RUNS) return own;
  }
  return store.validationHistory({ before });
}

/** Whether a stored run may train the validator: the same rule as Store.validationHistory. */
export function trainsValidator(run: ReportedRun): boolean {
  return (run.status === 'success' || run.status === 'partial') && run.review !== 'confirmed';
}

/** A stored run as a history entry, with what the model learns from feedback. */
export function historyEntryOf(run: ReportedRun): HistoryEntry {
  return { startedAt: run.startedAt, metrics: run.metrics, review: feedbackReview(run.review), verdict: run.validation?.verdict ?? null, origin: originOf(run) };
}

/** How the validator's calendar sees a day: weekday, recess, first days back, near a boundary. */
export function calendarDay(iso: string, calendar?: CongressCalendar): DayInfo {
  return daysFor(calendar).info(dayNumberOf(iso));
}
