import type { BatchRecord, BatchStatus } from '../../../shared/run.js';
import { clampRange, panRange, zoomRange, type TimeRange } from './range.js';

/** The part of the run in view; its bounds are min and max like any time range. */
export type TimeView = TimeRange;

/**
 * The batch timeline as geometry: each batch a bar from its start to its finish (finishedAt minus
 * durationMs), a view window in epoch ms, and a draw plan that never has more rectangles than the
 * canvas has pixel columns — so 10,000 batches cost what 1,000 pixels cost.
 */
export interface TimelineBar {
  seq: number;
  status: BatchStatus;
  start: number;
  end: number;
}


/** Where bars are thinner than a pixel, a column shows its worst batch: a failure is never hidden. */
export const STATUS_RANK: Record<BatchStatus, number> = { committed: 0, rolled_back: 1, isolated: 2, failed: 3 };
/**
 * Closer than this the timeline shows nothing more: durations are whole milliseconds, and a view
 * of one batch (viewOfBar) must not reach into the next when a batch takes a millisecond or two.
 */
const MIN_VIEW_MS = 1;

/**
 * A run's batches follow one another; finishedAt and durationMs are each rounded to the
 * millisecond, so a short batch can appear to start up to a millisecond before the one before it
 * ended. Its bar starts where that one ended, so a view of one batch never shows its neighbour.
 */
export function layoutBatches(batches: readonly BatchRecord[]): TimelineBar[] {
  let previousEnd = -Infinity;
  return [...batches]
    .sort((a, b) => a.seq - b.seq)
    .map((batch) => {
      const end = Date.parse(batch.finishedAt);
      const start = Math.min(end, Math.max(previousEnd, end - Math.max(0, batch.durationMs)));
      previousEnd = Math.max(previousEnd, end);
      return { seq: batch.seq, status: batch.status, start, end };
    });
}

export function fullView(bars: readonly TimelineBar[]): TimeView {
  if (bars.length === 0) return { min: 0, max: MIN_VIEW_MS };
  let min = Infinity;
  let max = -Infinity;
  for (const bar of bars) {
    min = Math.min(min, bar.start);
    max = Math.max(max, bar.end);
  }
  return { min, max: Math.max(max, min + MIN_VIEW_MS) };
}

/** Exactly one batch, edge to edge (a batch of 0 ms gets the smallest view there is). */
export function viewOfBar(bar: TimelineBar): TimeView {
  return { min: bar.start, max: Math.max(bar.end, bar.start + MIN_VIEW_MS) };
}

export function clampView(view: TimeView, full: TimeView): TimeView {
  return clampRange(view, full, MIN_VIEW_MS);
}

/** factor < 1 zooms in, keeping `center` where it is. */
export function zoomView(view: TimeView, factor: number, full: TimeView, center?: number): TimeView {
  return zoomRange(view, factor, full, center, MIN_VIEW_MS);
}

export function panView(view: TimeView, deltaMs: number, full: TimeView): TimeView {
  return panRange(view, deltaMs, full, MIN_VIEW_MS);
}

/** The view moved as little as possible to show the whole bar (zooming out only when it is wider than the view). */
export function viewShowing(view: TimeView, bar: TimelineBar, full: TimeView): TimeView {
  if (bar.start >= view.min && bar.end <= view.max) return view;
  const span = Math.max(view.max - view.min, bar.end - bar.start);
  const min = bar.start < view.min ? bar.start : bar.end - span;
  return clampView({ min, max: min + span }, full);
}

export function barsInView(bars: readonly TimelineBar[], view: TimeView): TimelineBar[] {
  return bars.filter((bar) => bar.end > view.min && bar.start < view.max);
}

export interface PlannedRect {
  x: number;
  width: number;
  status: BatchStatus;
  /** The batch, when the rectangle is one batch; null for a column standing for several. */
  seq: number | null;
}

/**
 * What to draw for a view `width` pixels wide: bars of two pixels or more as themselves (with a
 * one-pixel gap when there is room), thinner ones merged into one-pixel columns of the worst status.
 */
export function drawPlan(bars: readonly TimelineBar[], view: TimeView, width: number): PlannedRect[] {
  const scale = width / (view.max - view.min);
  const rects: PlannedRect[] = [];
  const columns = new Map<number, BatchStatus>();
  for (const bar of barsInView(bars, view)) {
    const x0 = Math.max(0, (bar.start - view.min) * scale);
    const x1 = Math.min(width, (bar.end - view.min) * scale);
    if (x1 - x0 >= 2) {
      rects.push({ x: x0, width: x1 - x0 >= 4 ? x1 - x0 - 1 : x1 - x0, status: bar.status, seq: bar.seq });
      continue;
    }
    const column = Math.min(Math.floor(x0), Math.max(0, Math.ceil(width) - 1));
    const seen = columns.get(column);
    if (seen === undefined || STATUS_RANK[bar.status] > STATUS_RANK[seen]) columns.set(column, bar.status);
  }
  for (const [column, status] of columns) rects.push({ x: column, width: 1, status, seq: null });
  return rects;
}

/** The batch under pixel `x`, or the nearest within `tolerance` pixels. */
export function barAt(bars: readonly TimelineBar[], view: TimeView, width: number, x: number, tolerance = 3): TimelineBar | null {
  const t = view.min + (x / width) * (view.max - view.min);
  const slack = (tolerance / width) * (view.max - view.min);
  let best: TimelineBar | null = null;
  let bestDistance = Infinity;
  for (const bar of barsInView(bars, { min: t - slack, max: t + slack })) {
    const distance = t < bar.start ? bar.start - t : t > bar.end ? t - bar.end : 0;
    if (distance < bestDistance) {
      best = bar;
      bestDistance = distance;
    }
  }
  return best;
}

/** The next (or previous) batch after `fromSeq` whose status is one of `statuses`, wrapping around. */
export function nextWith(bars: readonly TimelineBar[], fromSeq: number | null, statuses: readonly BatchStatus[], direction: 1 | -1): TimelineBar | null {
  const matching = bars.filter((bar) => statuses.includes(bar.status));
  if (matching.length === 0) return null;
  if (fromSeq === null) return direction === 1 ? matching[0]! : matching.at(-1)!;
  const next = direction === 1 ? matching.find((bar) => bar.seq > fromSeq) : matching.findLast((bar) => bar.seq < fromSeq);
  return next ?? (direction === 1 ? matching[0]! : matching.at(-1)!);
}

/** Tick spacing of 1, 2 or 5 × 10ⁿ ms giving at most `maxTicks` ticks over `spanMs`. */
export function tickStep(spanMs: number, maxTicks: number): number {
  const raw = spanMs / Math.max(1, maxTicks);
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power;
}
