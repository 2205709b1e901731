/**
 * A time window in epoch milliseconds: what the History charts show (one range drives every chart,
 * the overview brush and the data tables, so zooming one zooms them all) and the part of a run the
 * batch timeline shows.
 */
export interface TimeRange {
  min: number;
  max: number;
}

export const DAY_MS = 86_400_000;
/** Closer than this, a daily chart shows one point: zooming further says nothing more. */
export const MIN_SPAN_MS = DAY_MS;

export const PRESETS = [
  { id: '7d', label: '7 days', days: 7 },
  { id: '30d', label: '30 days', days: 30 },
  { id: '90d', label: '90 days', days: 90 },
  { id: '1y', label: '1 year', days: 365 },
  { id: 'all', label: 'All', days: null },
] as const;
export type PresetId = (typeof PRESETS)[number]['id'];

/** Every run's time, with half a day either side so the first and last points are not on the edge. */
export function extentOf(times: readonly number[]): TimeRange | null {
  if (times.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) {
    min = Math.min(min, t);
    max = Math.max(max, t);
  }
  return { min: min - DAY_MS / 2, max: max + DAY_MS / 2 };
}

/** Keeps a range inside the extent and at least `minSpan` wide, moving it rather than cutting it. */
export function clampRange(range: TimeRange, extent: TimeRange, minSpan = MIN_SPAN_MS): TimeRange {
  const width = range.max - range.min;
  const span = Math.min(Math.max(width, minSpan), extent.max - extent.min);
  // Widened or narrowed around its middle; only moved when it would leave the extent.
  const preferred = span === width ? range.min : (range.min + range.max - span) / 2;
  const min = Math.min(Math.max(preferred, extent.min), extent.max - span);
  return { min, max: min + span };
}

/** The last `days` of the extent, or all of it. */
export function presetRange(preset: PresetId, extent: TimeRange): TimeRange {
  const days = PRESETS.find((p) => p.id === preset)?.days ?? null;
  if (days === null) return { ...extent };
  return clampRange({ min: extent.max - days * DAY_MS, max: extent.max }, extent);
}

/** factor < 1 zooms in, > 1 out, keeping `center` where it is on screen. */
export function zoomRange(range: TimeRange, factor: number, extent: TimeRange, center = (range.min + range.max) / 2, minSpan = MIN_SPAN_MS): TimeRange {
  const left = (center - range.min) * factor;
  const right = (range.max - center) * factor;
  return clampRange({ min: center - left, max: center + right }, extent, minSpan);
}

export function panRange(range: TimeRange, deltaMs: number, extent: TimeRange, minSpan = MIN_SPAN_MS): TimeRange {
  return clampRange({ min: range.min + deltaMs, max: range.max + deltaMs }, extent, minSpan);
}

/** Moves the range as little as possible so that `t` is inside it, with a margin of a tenth. */
export function rangeShowing(range: TimeRange, t: number, extent: TimeRange): TimeRange {
  const margin = (range.max - range.min) / 10;
  if (t < range.min + margin) return panRange(range, t - margin - range.min, extent);
  if (t > range.max - margin) return panRange(range, t + margin - range.max, extent);
  return range;
}

export function isWholeExtent(range: TimeRange, extent: TimeRange): boolean {
  return range.min <= extent.min && range.max >= extent.max;
}

/** Dates for the range picker's inputs (UTC, as every time in the console). */
export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** A typed `YYYY-MM-DD` as the start (or the end) of that UTC day; null when it is not a date. */
export function parseIsoDay(text: string, edge: 'start' | 'end'): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const t = Date.parse(`${text}T00:00:00.000Z`);
  if (Number.isNaN(t) || isoDay(t) !== text) return null;
  return edge === 'start' ? t : t + DAY_MS;
}
