import type { Anomaly } from '../../../shared/validation.js';
import { metricOf, type MetricsCarrier } from './points.js';
import { resistantLine, robustSigma, type Line } from './robust.js';
import { formatCount, formatSeconds, round } from './wording.js';

/**
 * Duration against size. A run's time is a fixed overhead (connect, lock, plan) plus a cost per
 * record, so "ms per record" alone would call every small weekend run slow. The fit is a
 * resistant line, and the band is on the log scale (durations are multiplicative: a slow
 * network makes everything 2× slower, not 2 seconds slower).
 */

const DURATION_WINDOW_RUNS = 90;
/** From three runs on (the short-history fallback too); a young history's band is widened by its size. */
export const MIN_DURATION_RUNS = 3;
/** Timing noise under 5% is not real: CI machines and laptops jitter at least this much. */
const SIGMA_FLOOR = 0.05;
/** Slower than twice the expectation, and by a second at least, before anyone is paged. */
const MIN_SLOWDOWN_RATIO = 2;
const MIN_SLOWDOWN_MS = 1000;
/** Below this many runs a line through them is a guess: only a run five times slower is called. */
const YOUNG_RUNS = 10;
const YOUNG_SLOWDOWN_RATIO = 5;

export interface DurationModel {
  line: Line;
  /** The smallest run the line was fitted on: below it the line is not extrapolated. */
  smallestFetched: number;
  sigma: number;
  /** How much slower than expected a run must be before it is called, whatever its score. */
  minRatio: number;
}

/**
 * Below the smallest run seen the line is not followed: its intercept (the fixed overhead) is the
 * least certain part of the fit, and through a few runs of nearly one size it can come out far
 * below zero — a 2-record run was then "expected" to take a millisecond and called 800 times slow.
 * What a smaller run takes lies between two bounds: as long as the smallest run (all overhead) and
 * that time shrunk in proportion to size (no overhead). The expectation is taken between them on the
 * log scale the band is drawn on, three quarters of the way to the faster bound so that a small run
 * five times slower is still called (the development harness's young-history slow runs), or the
 * line if it says more.
 */
function predicted(model: Pick<DurationModel, 'line' | 'smallestFetched'>, fetched: number): number {
  const onLine = (size: number): number => Math.max(1, model.line.intercept + model.line.slope * size);
  if (fetched >= model.smallestFetched) return onLine(fetched);
  const allOverhead = onLine(model.smallestFetched);
  const noOverhead = (allOverhead * (fetched + 1)) / (model.smallestFetched + 1);
  return Math.max(onLine(fetched), allOverhead ** 0.25 * noOverhead ** 0.75);
}

export function buildDurationModel(points: readonly MetricsCarrier[]): DurationModel | null {
  const window = points.filter((p) => metricOf(p, 'durationMs') > 0).slice(-DURATION_WINDOW_RUNS);
  if (window.length < MIN_DURATION_RUNS) return null;
  const fetched = window.map((p) => metricOf(p, 'fetched'));
  const durations = window.map((p) => metricOf(p, 'durationMs'));
  const fit = { line: resistantLine(fetched, durations), smallestFetched: Math.min(...fetched) };
  const residuals = window.map((_, i) => Math.log(durations[i]!) - Math.log(predicted(fit, fetched[i]!)));
  // A line through a handful of runs is itself uncertain: its error adds to a new run's (√(1 + 3/n)).
  const sigma = Math.max(SIGMA_FLOOR, robustSigma(residuals) || 0) * Math.sqrt(1 + 3 / window.length);
  return { ...fit, sigma, minRatio: window.length < YOUNG_RUNS ? YOUNG_SLOWDOWN_RATIO : MIN_SLOWDOWN_RATIO };
}

/** The duration (ms) a run of this size is expected to take, and the log-scale band around it. */
export function durationBand(model: DurationModel, fetched: number, alarmScore: number): { expected: number; low: number; high: number } {
  const expected = predicted(model, fetched);
  return { expected, low: expected * Math.exp(-alarmScore * model.sigma), high: expected * Math.exp(alarmScore * model.sigma) };
}

export function durationAnomaly(model: DurationModel, current: MetricsCarrier, alarmScore: number): Anomaly | null {
  const fetched = metricOf(current, 'fetched');
  const duration = metricOf(current, 'durationMs');
  const expected = predicted(model, fetched);
  if (duration <= 0) return null;
  const score = (Math.log(duration) - Math.log(expected)) / model.sigma;
  if (score < alarmScore || duration < model.minRatio * expected || duration - expected < MIN_SLOWDOWN_MS) return null;
  const perRecord = Math.max(1, fetched);
  const { low, high } = durationBand(model, fetched, alarmScore);
  return {
    metric: 'durationPerRecordMs', rule: 'slow-run', value: round(duration / perRecord, 2), expected: round(expected / perRecord, 2),
    low: round(low / perRecord, 2), high: round(high / perRecord, 2), score: round(Math.min(score, 99), 2),
    message: `took ${formatSeconds(duration)} for ${formatCount(fetched)} records (${round(duration / perRecord, 1)} ms each); runs of this size usually take ${formatSeconds(low)}–${formatSeconds(high)} — look for a slow database, retries or rate limiting at the source.`,
  };
}
