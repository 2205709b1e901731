import type { HistoryEntry } from '../../../shared/validation.js';
import { DAY_MS, type CalendarDays, type DayInfo } from './calendar.js';

/**
 * One run placed on the calendar. Days are UTC dates of `startedAt`: what matters is that every
 * run of a task is placed the same way, and a daily task starts at about the same hour.
 */
export interface RunPoint {
  startedAt: string;
  time: number;
  info: DayInfo;
  metrics: Readonly<Record<string, number>>;
}

export function toPoint(entry: HistoryEntry, days: CalendarDays): RunPoint {
  const time = Date.parse(entry.startedAt);
  return { startedAt: entry.startedAt, time, info: days.info(Math.floor(time / DAY_MS)), metrics: entry.metrics };
}

/** History in time order; input order is not trusted (stores may page newest first). */
export function toPoints(history: readonly HistoryEntry[], days: CalendarDays): RunPoint[] {
  const points = history.map((entry) => toPoint(entry, days));
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.time < points[i - 1]!.time) return points.sort((a, b) => a.time - b.time);
  }
  return points;
}

/** Anything that carries run metrics: a history entry, a run point. */
export interface MetricsCarrier {
  metrics: Readonly<Record<string, number>>;
}

/** A missing metric reads as 0: older run rows may predate a counter. */
export function metricOf(point: MetricsCarrier, name: string): number {
  const value = point.metrics[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
