import type { RunMetrics } from '../../../shared/run.js';
import type { HistoryEntry } from '../../../shared/validation.js';

/**
 * Run-level anomaly injection: what a broken source or a broken engine does to a run's metrics,
 * as pure functions, so the evaluation harness, the synthetic source and the trials all inject
 * the same thing. Every kind keeps the accounting rule
 * fetched = added + updated + unchanged + quarantined (DESIGN §4).
 */

export const RUN_ANOMALY_KINDS = [
  'spike',
  'drop',
  'zero-volume',
  'weekend-burst',
  'level-shift',
  'mix-shift',
  'stale-source',
  'quarantine-surge',
  'duration-blowup',
] as const;
export type RunAnomalyKind = (typeof RUN_ANOMALY_KINDS)[number];

/**
 * A level shift is sustained: it is applied to this many consecutive runs ending with the current
 * (a week of daily runs: with weekends in it, three runs would hold one busy day or two).
 */
export const LEVEL_SHIFT_SPAN = 5;

/** How many consecutive runs an injection of `kind` is held over: a level shift's span, one for any other kind. */
export function injectionSpan(kind: string): number {
  return kind === 'level-shift' ? LEVEL_SHIFT_SPAN : 1;
}

/** What `magnitude` means per kind, and its default. */
export const RUN_ANOMALY_MAGNITUDES: Record<RunAnomalyKind, { default: number; meaning: string }> = {
  spike: { default: 4, meaning: 'volume multiplied by this factor' },
  drop: { default: 0.1, meaning: 'volume multiplied by this factor (0.1 = a tenth of the usual)' },
  'zero-volume': { default: 0, meaning: 'records left in the run (0 = nothing at all)' },
  'weekend-burst': { default: 1, meaning: "a busy weekday's volume times this, arriving on a quiet day" },
  'level-shift': { default: 0.4, meaning: `volume factor held over the last ${LEVEL_SHIFT_SPAN} runs` },
  'mix-shift': { default: 1, meaning: 'share of the accepted records reported as new (1 = all new)' },
  'stale-source': { default: 1, meaning: 'share of the changes lost to a stale replay (1 = nothing changed)' },
  'quarantine-surge': { default: 0.25, meaning: 'share of the fetched records quarantined (at least 3)' },
  'duration-blowup': { default: 5, meaning: 'duration multiplied by this factor' },
};

const WEEKEND_BURST_FALLBACK_FACTOR = 10;
const MIN_QUARANTINE_SURGE = 3;

export interface RunAnomalySpec {
  kind: RunAnomalyKind;
  magnitude?: number;
}

export interface InjectionContext {
  /** A typical busy weekday's metrics, for a weekend burst of realistic size. */
  busyDay?: RunMetrics;
}

export function isRunAnomalyKind(value: string): value is RunAnomalyKind {
  return (RUN_ANOMALY_KINDS as readonly string[]).includes(value);
}

export function magnitudeOf(spec: RunAnomalySpec): number {
  return spec.magnitude ?? RUN_ANOMALY_MAGNITUDES[spec.kind].default;
}

function normalized(metrics: RunMetrics): RunMetrics {
  const out = { ...metrics };
  out.fetched = out.added + out.updated + out.unchanged + out.quarantined;
  return out;
}

/**
 * Scales the four parts to `target` records in all, by largest remainder, so the parts still add
 * up exactly; with no parts to scale, the new records are called unchanged.
 */
function resized(metrics: RunMetrics, target: number, durationFactor: number): RunMetrics {
  const parts = ['added', 'updated', 'unchanged', 'quarantined'] as const;
  const whole = parts.reduce((sum, part) => sum + metrics[part], 0);
  const out: RunMetrics = { ...metrics, durationMs: Math.round(metrics.durationMs * durationFactor) };
  if (whole === 0) return normalized({ ...out, added: 0, updated: 0, unchanged: target, quarantined: 0 });
  const exact = parts.map((part) => (metrics[part] * target) / whole);
  const floors = exact.map(Math.floor);
  let left = target - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((v, i) => [v - floors[i]!, i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) if (left-- > 0) floors[i]! += 1;
  parts.forEach((part, i) => (out[part] = floors[i]!));
  return normalized(out);
}

function scaled(metrics: RunMetrics, factor: number): RunMetrics {
  return resized(metrics, Math.round(metrics.fetched * factor), factor);
}

/** One run's metrics as the anomaly would leave them. Pure: the input is not touched. */
export function injectRunAnomaly(metrics: RunMetrics, spec: RunAnomalySpec, context: InjectionContext = {}): RunMetrics {
  const magnitude = magnitudeOf(spec);
  switch (spec.kind) {
    case 'spike':
    case 'drop':
    case 'level-shift':
      return scaled(metrics, magnitude);
    case 'zero-volume':
      return resized(metrics, Math.round(magnitude), metrics.fetched > 0 ? Math.min(1, magnitude / metrics.fetched) : 1);
    case 'weekend-burst':
      return weekendBurst(metrics, magnitude, context);
    case 'mix-shift':
      return allNew(metrics, magnitude);
    case 'stale-source':
      return staleReplay(metrics, magnitude);
    case 'quarantine-surge':
      return quarantineSurge(metrics, magnitude);
    case 'duration-blowup':
      return { ...metrics, durationMs: Math.round(metrics.durationMs * magnitude) };
  }
}

function weekendBurst(metrics: RunMetrics, magnitude: number, context: InjectionContext): RunMetrics {
  const busy = context.busyDay;
  if (busy) {
    const target = Math.max(1, Math.round(busy.fetched * magnitude));
    const durationFactor = busy.fetched > 0 ? target / busy.fetched : 1;
    return { ...resized(busy, target, durationFactor) };
  }
  const target = Math.round(Math.max(metrics.fetched * WEEKEND_BURST_FALLBACK_FACTOR, 20) * magnitude);
  return resized(metrics, target, metrics.fetched > 0 ? target / metrics.fetched : 1);
}

function allNew(metrics: RunMetrics, share: number): RunMetrics {
  const accepted = metrics.fetched - metrics.quarantined;
  const added = Math.min(accepted, Math.round(share * accepted));
  return normalized({ ...metrics, added, updated: 0, unchanged: accepted - added });
}

function staleReplay(metrics: RunMetrics, share: number): RunMetrics {
  const keep = 1 - Math.min(1, share);
  const added = Math.round(metrics.added * keep);
  const updated = Math.round(metrics.updated * keep);
  const unchanged = metrics.unchanged + (metrics.added - added) + (metrics.updated - updated);
  return normalized({ ...metrics, added, updated, unchanged });
}

/** Quarantined records are taken from the unchanged first, then the updated, then the new. */
function quarantineSurge(metrics: RunMetrics, share: number): RunMetrics {
  const target = Math.min(metrics.fetched, Math.max(Math.round(share * metrics.fetched), MIN_QUARANTINE_SURGE));
  let needed = Math.max(0, target - metrics.quarantined);
  const out = { ...metrics, quarantined: metrics.quarantined + needed };
  for (const part of ['unchanged', 'updated', 'added'] as const) {
    const taken = Math.min(out[part], needed);
    out[part] -= taken;
    needed -= taken;
  }
  return normalized(out);
}

/** History metrics may omit counters; injection treats a missing one as 0. */
export function asRunMetrics(metrics: Readonly<Record<string, number>>): RunMetrics {
  const read = (key: string): number => metrics[key] ?? 0;
  return { ...metrics, fetched: read('fetched'), added: read('added'), updated: read('updated'), unchanged: read('unchanged'), quarantined: read('quarantined'), durationMs: read('durationMs') };
}

/**
 * Injects into the last run of a series (the run being judged), and for a level shift into the
 * LEVEL_SHIFT_SPAN − 1 runs before it as well. Returns a new series.
 */
export function injectIntoSeries(series: readonly HistoryEntry[], spec: RunAnomalySpec, context: InjectionContext = {}): HistoryEntry[] {
  const span = injectionSpan(spec.kind);
  return series.map((entry, i) =>
    i < series.length - span ? entry : { startedAt: entry.startedAt, metrics: injectRunAnomaly(asRunMetrics(entry.metrics), spec, context) },
  );
}
