import { mean, sampleStandardDeviation } from 'simple-statistics';
import type { HistoryEntry } from '../../shared/validation.js';

/**
 * The two yardsticks Gatehouse is measured against, implemented as they were specified (bugs of
 * the originals included, where they are the point of the comparison).
 */

export type ReferenceJudge = (history: readonly HistoryEntry[], current: HistoryEntry) => boolean;

const fetchedOf = (entry: HistoryEntry): number => entry.metrics.fetched ?? 0;

/** Phase 2.2: a run of more than 1,000 records, or more than 3× the history's average. */
export const phase22Static: ReferenceJudge = (history, current) => {
  const fetched = fetchedOf(current);
  if (fetched > 1000) return true;
  if (history.length === 0) return false;
  return fetched > 3 * mean(history.map(fetchedOf));
};

const Z_METRICS = ['fetched', 'added', 'updated', 'unchanged', 'quarantined', 'durationMs'] as const;
const Z_WINDOW = 30;
const Z_LIMIT = 3;

/** A plain 3σ z-score of every metric over the last 30 runs; zero-variance metrics are skipped, as they were. */
export const zScore30: ReferenceJudge = (history, current) => {
  const window = history.slice(-Z_WINDOW);
  if (window.length < 2) return false;
  return Z_METRICS.some((metric) => {
    const values = window.map((e) => e.metrics[metric] ?? 0);
    const sd = sampleStandardDeviation(values);
    if (sd === 0) return false;
    return Math.abs(((current.metrics[metric] ?? 0) - mean(values)) / sd) > Z_LIMIT;
  });
};
