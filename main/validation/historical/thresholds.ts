import { DEFAULT_SENSITIVITY, type SensitivitySettings, type SensitivityValue } from '../../../shared/validation.js';

/**
 * Alarm thresholds, in standard-normal sigmas of a one-sided tail: every rule's score is on that
 * one scale. One run faces about a dozen checks, most of them correlated; the targets are ≤ 1%
 * false alarms per clean run on normal days and ≥ 97% of injected anomalies caught. The values
 * were chosen on the development harness only (`npm run eval:validation`, bench/validation/
 * development); the audit harness beside it is never used to choose them. `fetched` carries the
 * volume verdict; added and updated mostly repeat it, so they need stronger evidence to speak on
 * their own.
 */
export interface AlarmThresholds {
  fetched: number;
  added: number;
  updated: number;
  /** The sustained-shift (CUSUM) score, on fetched; added and updated keep their extra margin. */
  levelShift: number;
  /**
   * An empty run, or a run where nothing at all changed or everything was new: the exact
   * signatures of a failed fetch, a stale replay and broken change detection. Healthy runs almost
   * never produce them where the history makes them unlikely, broken ones nearly always do, so
   * less surprise is needed before they speak (this is what lets a 5-a-day task notice a silent
   * Monday at all).
   */
  signature: number;
  mix: number;
  quarantine: number;
  duration: number;
}

export const DEFAULT_THRESHOLDS: AlarmThresholds = {
  fetched: 3.1,
  added: 4.0,
  updated: 4.0,
  levelShift: 2.6,
  signature: 2.1,
  mix: 3.4,
  quarantine: 3.1,
  duration: 3.7,
};

/** Sigmas added to a metric's thresholds per sensitivity level (`off`: never alarms). */
const LEVEL_SHIFTS: Record<Exclude<SensitivityValue, number>, number> = { off: Number.POSITIVE_INFINITY, low: 1, normal: 0, high: -0.5 };

export interface VolumeBars {
  /** One run out of range. */
  single: number;
  /** An empty run (the signature bar, never above the single-run one). */
  empty: number;
  /** A sustained shift (CUSUM). */
  shift: number;
}

export interface ResolvedThresholds {
  volume: Record<'fetched' | 'added' | 'updated', VolumeBars>;
  mix: number;
  /** The mix signatures: everything new, nothing changed. */
  mixSignature: number;
  quarantine: number;
  duration: number;
  minSignals: number;
}

/** Sigmas a sensitivity value moves a metric's rules by (a number: the single-run bar it sets). */
function delta(value: SensitivityValue | undefined, defaultBar: number): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value - defaultBar : LEVEL_SHIFTS[value];
}

/**
 * The thresholds a judgement uses: the defaults, any raw overrides (the harness tunes these), then
 * the task's sensitivity settings on top. A metric's sensitivity moves all of its rules together —
 * its single-run alarm, its empty-run signature and its shift test.
 */
export function resolveThresholds(settings: SensitivitySettings = DEFAULT_SENSITIVITY, overrides: Partial<AlarmThresholds> = {}): ResolvedThresholds {
  const base = { ...DEFAULT_THRESHOLDS, ...overrides };
  const metrics = settings.metrics ?? {};
  const bars = (metric: 'fetched' | 'added' | 'updated'): VolumeBars => {
    const margin = base[metric] - base.fetched + delta(metrics[metric], base[metric]);
    return { single: base.fetched + margin, empty: Math.min(base.fetched + margin, base.signature + margin), shift: base.levelShift + margin };
  };
  const mixDelta = delta(metrics.mix, base.mix);
  return {
    volume: { fetched: bars('fetched'), added: bars('added'), updated: bars('updated') },
    mix: base.mix + mixDelta,
    mixSignature: Math.min(base.mix, base.signature + base.mix - base.fetched) + mixDelta,
    quarantine: base.quarantine + delta(metrics.quarantine, base.quarantine),
    duration: base.duration + delta(metrics.duration, base.duration),
    minSignals: settings.minSignals ?? 1,
  };
}

/** A stable key for a set of thresholds: models are cached per sensitivity. */
export function thresholdsKey(thresholds: ResolvedThresholds): string {
  return JSON.stringify(thresholds, (_key, value) => (value === Number.POSITIVE_INFINITY ? 'off' : value));
}

/** A volume metric's three bars. */
export function volumeBars(thresholds: ResolvedThresholds, metric: string): VolumeBars {
  return thresholds.volume[metric === 'added' || metric === 'updated' ? metric : 'fetched'];
}
