/**
 * Alarm thresholds, in standard-normal sigmas of a one-sided tail. One run faces about a dozen
 * checks, most of them correlated; the targets are ≤ 1% false alarms per clean run on normal days
 * and ≥ 97% of injected anomalies caught, and these values are where the evaluation harness
 * (`npm run eval:validation`) put that trade-off. `fetched` carries the volume verdict; added and
 * updated mostly repeat it, so they need stronger evidence to speak on their own. `levelShift`
 * is on the scale of the combined (weighted Stouffer) score of the last 3–5 busy runs, and was
 * checked on three harness seeds, not tuned on one.
 */
export interface AlarmThresholds {
  fetched: number;
  addedOrUpdated: number;
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
  fetched: 3.0,
  addedOrUpdated: 4.0,
  levelShift: 2.7,
  signature: 2.5,
  mix: 3.4,
  quarantine: 3.7,
  duration: 3.7,
};

export function thresholdsWith(overrides: Partial<AlarmThresholds> | undefined): AlarmThresholds {
  return { ...DEFAULT_THRESHOLDS, ...overrides };
}
