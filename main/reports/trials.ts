import type { Store } from '../store/index.js';

/**
 * What staging trials measured (injected anomalies caught, clean runs wrongly flagged). The trials
 * feature supplies a reader; until it does, and whenever there is no trials table, there is none.
 */
export interface TrialMeasurements {
  trials: number;
  anomaliesInjected: number;
  anomaliesDetected: number;
  cleanRuns: number;
  falsePositives: number;
  /** Per-trial rows for the trial report. */
  rows: { name: string; injected: number; detected: number; cleanRuns: number; falsePositives: number }[];
}

export type TrialReader = (store: Store, period: { since: string | null; until: string }) => Promise<TrialMeasurements | null>;

export const noTrials: TrialReader = async () => null;

export async function readTrials(store: Store, reader: TrialReader | undefined, period: { since: string | null; until: string }): Promise<TrialMeasurements | null> {
  if (!reader || !(await store.reports.hasTable('trials'))) return null;
  return reader(store, period);
}
