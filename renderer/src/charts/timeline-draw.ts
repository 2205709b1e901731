import type { BatchStatus } from '../../../shared/run.js';
import { duration } from '../format.js';
import { drawPlan, tickStep, type TimelineBar, type TimeView } from './timeline.js';

/** The stylesheet's status colours (styles.css), read once per draw so the canvas matches the legend. */
const STATUS_VARIABLES: Record<BatchStatus, [variable: string, fallback: string]> = {
  committed: ['--ok', '#2e8b57'],
  isolated: ['--isolated', '#e0a100'],
  failed: ['--bad', '#c0392b'],
  rolled_back: ['--rolled', '#7d5ba6'],
};

const BAR_TOP = 4;
const BAR_HEIGHT = 36;
const AXIS_HEIGHT = 18;
const OVERVIEW_HEIGHT = 18;

function colours(element: Element): Record<BatchStatus, string> {
  const style = getComputedStyle(element);
  const read = ([variable, fallback]: [string, string]) => style.getPropertyValue(variable).trim() || fallback;
  return { committed: read(STATUS_VARIABLES.committed), isolated: read(STATUS_VARIABLES.isolated), failed: read(STATUS_VARIABLES.failed), rolled_back: read(STATUS_VARIABLES.rolled_back) };
}

/** Sizes the canvas for the device's pixel ratio; null where there is no 2D context (tests). */
function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const context = canvas.getContext('2d');
  if (!context || width <= 0) return null;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return context;
}

export function drawTimeline(canvas: HTMLCanvasElement, scene: { bars: readonly TimelineBar[]; view: TimeView; full: TimeView; width: number; selected: TimelineBar | null }): void {
  const { bars, view, full, width, selected } = scene;
  const context = prepare(canvas, width, BAR_TOP + BAR_HEIGHT + AXIS_HEIGHT);
  if (!context) return;
  const palette = colours(canvas);
  for (const rect of drawPlan(bars, view, width)) {
    context.fillStyle = palette[rect.status];
    context.fillRect(rect.x, BAR_TOP, rect.width, BAR_HEIGHT);
  }
  if (selected && selected.end > view.min && selected.start < view.max) {
    const scale = width / (view.max - view.min);
    const x0 = (selected.start - view.min) * scale;
    const x1 = Math.max((selected.end - view.min) * scale, x0 + 3);
    context.strokeStyle = getComputedStyle(canvas).getPropertyValue('--ink').trim() || '#1d2330';
    context.lineWidth = 2;
    context.strokeRect(x0 - 1, BAR_TOP - 2, x1 - x0 + 2, BAR_HEIGHT + 4);
  }
  drawAxis(context, view, full, width);
}

/** Ticks in time since the first batch started, at 1, 2 or 5 × 10ⁿ ms. */
function drawAxis(context: CanvasRenderingContext2D, view: TimeView, full: TimeView, width: number): void {
  const step = tickStep(view.max - view.min, Math.max(2, Math.floor(width / 110)));
  const scale = width / (view.max - view.min);
  const y = BAR_TOP + BAR_HEIGHT;
  context.fillStyle = '#5b6475';
  context.strokeStyle = '#d9dde5';
  context.font = '11px system-ui, sans-serif';
  context.textBaseline = 'top';
  for (let offset = Math.ceil((view.min - full.min) / step) * step; full.min + offset <= view.max; offset += step) {
    const x = (full.min + offset - view.min) * scale;
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x, y + 4);
    context.stroke();
    const label = `+${offsetLabel(offset, step)}`;
    context.fillText(label, Math.min(Math.max(0, x - context.measureText(label).width / 2), width - context.measureText(label).width), y + 5);
  }
}

/** As many decimals as the tick step needs, so neighbouring ticks never read the same. */
function offsetLabel(offset: number, step: number): string {
  if (offset < 1_000 || offset >= 90_000) return duration(offset);
  const decimals = Math.max(0, Math.min(3, Math.ceil(-Math.log10(step / 1_000))));
  return `${(offset / 1_000).toFixed(decimals)} s`;
}

/** The whole run, squeezed to the overview's width, with the part in view outlined. */
export function drawOverview(canvas: HTMLCanvasElement, scene: { bars: readonly TimelineBar[]; view: TimeView; full: TimeView; width: number }): void {
  const { bars, view, full, width } = scene;
  const context = prepare(canvas, width, OVERVIEW_HEIGHT);
  if (!context) return;
  const palette = colours(canvas);
  for (const rect of drawPlan(bars, full, width)) {
    context.fillStyle = palette[rect.status];
    context.fillRect(rect.x, 3, rect.width, OVERVIEW_HEIGHT - 6);
  }
  const scale = width / (full.max - full.min);
  const x0 = (view.min - full.min) * scale;
  const x1 = Math.max((view.max - full.min) * scale, x0 + 2);
  context.fillStyle = 'rgba(29, 35, 48, 0.18)';
  context.fillRect(x0, 0, x1 - x0, OVERVIEW_HEIGHT);
  context.strokeStyle = '#1d2330';
  context.lineWidth = 1.5;
  context.strokeRect(x0 + 0.75, 0.75, Math.max(1, x1 - x0 - 1.5), OVERVIEW_HEIGHT - 1.5);
}
