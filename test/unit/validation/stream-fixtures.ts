import { negativeBinomialSample, seededRandom } from '../../../main/validation/historical/random.js';
import { HistoryModel, type JudgeOptions } from '../../../main/validation/index.js';
import type { HistoryEntry, ValidationResult } from '../../../shared/validation.js';

const DAY_MS = 86_400_000;
/** Busy weekdays, quiet weekends (Sunday first). */
const WEEK = [0.1, 0.9, 1.1, 1.2, 1.1, 0.8, 0.1];

export interface StreamSpec {
  seed: number;
  /** First day, YYYY-MM-DD. */
  start: string;
  days: number;
  /** Records on an average busy weekday. */
  level: number;
  /** Day ranges [from, to) and the factor the stream runs at inside them. */
  periods?: { from: number; to: number; factor: number }[];
}

/** The index in a stream starting on `start` (YYYY-MM-DD) of the day `iso` (YYYY-MM-DD). */
export function dayIndexIn(start: string): (iso: string) => number {
  const first = Date.parse(`${start}T00:00:00Z`);
  return (iso) => Math.round((Date.parse(`${iso}T00:00:00Z`) - first) / DAY_MS);
}

/** A plain daily stream with a weekly shape, negative-binomial days and the given periods of another level. */
export function stream(spec: StreamSpec): HistoryEntry[] {
  const random = seededRandom(spec.seed);
  const first = Date.parse(`${spec.start}T07:00:00Z`);
  return Array.from({ length: spec.days }, (_, i) => {
    const time = first + i * DAY_MS;
    const period = spec.periods?.find((p) => i >= p.from && i < p.to);
    const fetched = negativeBinomialSample(random, spec.level * WEEK[new Date(time).getUTCDay()]! * (period?.factor ?? 1), 0.03);
    const metrics = { ...mixOf(fetched), quarantined: 0, durationMs: 800 + 10 * fetched };
    return { startedAt: new Date(time).toISOString(), metrics };
  });
}

/** `fetched` records split as the fixture streams split them: 30 % added, 20 % updated, the rest unchanged. */
function mixOf(fetched: number): { fetched: number; added: number; updated: number; unchanged: number } {
  const added = Math.round(fetched * 0.3);
  const updated = Math.round(fetched * 0.2);
  return { fetched, added, updated, unchanged: fetched - added - updated };
}

/** The run with `fetched` records, split as the fixture splits them, its other metrics kept. */
export function withFetched(entry: HistoryEntry, fetched: number): HistoryEntry {
  return { startedAt: entry.startedAt, metrics: { ...entry.metrics, ...mixOf(fetched) } };
}

/** Every run judged against the runs before it, as the engine would have, walking one model forward. */
export function judgeEach(entries: readonly HistoryEntry[], options: JudgeOptions = {}, feedback?: (index: number, result: ValidationResult) => HistoryEntry): ValidationResult[] {
  const model = HistoryModel.empty(options);
  return entries.map((entry, index) => {
    const result = model.judge(entry);
    model.learn(feedback ? feedback(index, result) : { ...entry, verdict: result.verdict });
    return result;
  });
}

/** The run's anomaly on the fetched count, if it has one. */
export function fetchedAlert(result: ValidationResult) {
  return result.anomalies.find((a) => a.metric === 'fetched');
}

/** The distinct alerts among results: runs of one open change count once. */
export function distinctAlerts(results: readonly ValidationResult[]): string[] {
  const ids = new Set<string>();
  const alerts: string[] = [];
  for (const result of results) {
    if (result.verdict !== 'anomalous') continue;
    const fresh = result.anomalies.filter((a) => !a.ongoing || !a.changeId || !ids.has(a.changeId));
    for (const a of result.anomalies) if (a.changeId) ids.add(a.changeId);
    if (fresh.length > 0) alerts.push(fresh[0]!.changeId ?? fresh[0]!.rule);
  }
  return alerts;
}

/** Four recesses of 2023, the calendar the spell tests' streams follow before what each one tests. */
export const RECESSES_2023 = [
  { start: '2023-03-06', end: '2023-03-17' },
  { start: '2023-05-29', end: '2023-06-09' },
  { start: '2023-08-07', end: '2023-09-01' },
  { start: '2023-11-20', end: '2023-12-01' },
] as const;
