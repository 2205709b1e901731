import { median } from 'simple-statistics';
import type { RunMetrics } from '../../shared/run.js';
import type { HistoryEntry } from '../../shared/validation.js';
import { asRunMetrics, calendarDay } from '../validation/index.js';

const PARTS = ['added', 'updated', 'unchanged', 'quarantined'] as const;
const RECENT_SAME_WEEKDAY = 4;

function medianOf(values: number[]): number {
  return values.length === 0 ? 0 : Math.round(median(values));
}

/**
 * A day a trial may run on, and a clean run is measured on: in session and away from a recess
 * boundary, where the calendar (not the injection) would decide the verdict.
 */
export function awayFromRecess(iso: string): boolean {
  const day = calendarDay(iso);
  return !day.recess && !day.nearBoundary;
}

/**
 * What a clean run on `weekday` looks like in this history: the median of each accounting part
 * over the last few runs on that weekday (the validator reads a recent level, so the recent runs
 * are the fair yardstick), falling back to the last week when the weekday never ran. Only runs on
 * days like a trial's (awayFromRecess) count while the history has any: a history ending in a
 * recess otherwise made a session day's clean run recess-sized, and a fourfold spike of it smaller
 * than an ordinary session day.
 */
export function typicalRun(history: readonly HistoryEntry[], weekday: number, msPerRecord: number): RunMetrics {
  const inSession = history.filter((entry) => awayFromRecess(entry.startedAt));
  const pool = inSession.length > 0 ? inSession : history;
  const same = pool.filter((entry) => new Date(entry.startedAt).getUTCDay() === weekday).slice(-RECENT_SAME_WEEKDAY);
  const basis = (same.length > 0 ? same : pool.slice(-7)).map((entry) => asRunMetrics(entry.metrics));
  const out: RunMetrics = { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0 };
  for (const part of PARTS) out[part] = medianOf(basis.map((m) => m[part]));
  out.fetched = out.added + out.updated + out.unchanged + out.quarantined;
  out.durationMs = Math.round(out.fetched * msPerRecord);
  return out;
}

/** The busiest weekday's typical run: what a weekend burst brings on a quiet day. */
export function busyWeekday(history: readonly HistoryEntry[], msPerRecord: number): RunMetrics {
  const days = [1, 2, 3, 4, 5].map((weekday) => typicalRun(history, weekday, msPerRecord));
  return days.reduce((a, b) => (b.fetched > a.fetched ? b : a));
}

/** The history's pace in milliseconds per record (recent runs), so trial durations compare fairly. */
export function historyPace(history: readonly HistoryEntry[]): number {
  const paces = history
    .slice(-14)
    .map((entry) => asRunMetrics(entry.metrics))
    .filter((m) => m.fetched > 0)
    .map((m) => m.durationMs / m.fetched);
  return paces.length === 0 ? 1 : median(paces);
}
