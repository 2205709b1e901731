/**
 * Alarm thresholds, in standard-normal sigmas of a one-sided tail. One run faces about a dozen
 * checks, most of them correlated; the targets are ≤ 1% false alarms per clean run on normal days
 * and ≥ 97% of injected anomalies caught, and these values are where the evaluation harness
 * (`npm run eval:validation`) put that trade-off. `fetched` carries the volume verdict; added and
 * updated mostly repeat it, so they need stronger evidence to speak on their own.
 */
export interface AlarmThresholds {
  fetched: number;
  addedOrUpdated: number;
  levelShift: number;
  mix: number;
  quarantine: number;
  duration: number;
}

export const DEFAULT_THRESHOLDS: AlarmThresholds = {
  fetched: 3.0,
  addedOrUpdated: 4.0,
  levelShift: 3.3,
  mix: 3.4,
  quarantine: 3.7,
  duration: 3.7,
};

export function thresholdsWith(overrides: Partial<AlarmThresholds> | undefined): AlarmThresholds {
  return { ...DEFAULT_THRESHOLDS, ...overrides };
}
