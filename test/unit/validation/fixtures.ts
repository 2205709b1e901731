import {
  SYNTHETIC_ORGANISATIONS,
  asRunMetrics,
  generateHistory,
  injectRunAnomaly,
  type OrganisationProfile,
  type RunAnomalySpec,
  type SyntheticDay,
} from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';

/** Histories start on Monday 2022-01-03; day index 288 is Tuesday 2022-10-18, far from any recess. */
export const SESSION_TUESDAY = 288;
export const SESSION_MONDAY = 287;
export const SATURDAY = 292;

export function organisation(name: string): OrganisationProfile {
  const found = SYNTHETIC_ORGANISATIONS.find((o) => o.name === name);
  if (!found) throw new Error(`no synthetic organisation ${name}`);
  return found;
}

export function cleanHistory(name: string, days = 400, seed = 11): SyntheticDay[] {
  return generateHistory(organisation(name), { seed, days, contaminationRate: 0 });
}

export function entriesOf(days: readonly SyntheticDay[]): HistoryEntry[] {
  return days.map((d) => d.entry);
}

/** The history before `index` and the run at `index`, with an anomaly injected into that run. */
export function caseAt(days: readonly SyntheticDay[], index: number, spec?: RunAnomalySpec, busyDay?: HistoryEntry): { history: HistoryEntry[]; current: HistoryEntry } {
  const run = days[index]!.entry;
  const metrics = spec ? injectRunAnomaly(asRunMetrics(run.metrics), spec, busyDay ? { busyDay: asRunMetrics(busyDay.metrics) } : {}) : run.metrics;
  return { history: entriesOf(days.slice(0, index)), current: { startedAt: run.startedAt, metrics } };
}
