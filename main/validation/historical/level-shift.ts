import { probit } from 'simple-statistics';
import type { Anomaly } from '../../../shared/validation.js';
import { negativeBinomial, tailForScore } from './distributions.js';
import { metricOf, type RunPoint } from './points.js';
import { seasonalExpectation, type VolumeModel } from './volume.js';
import { countPhrase, formatRange, round } from './wording.js';

/**
 * A sustained shift: the current run and the runs just before it all lean the same way. Each run
 * gives a signed score (its mid-p tail as sigmas against its own seasonal expectation), and the
 * scores of the last few runs that could show a direction are combined (Stouffer). Three mildly
 * low days are as telling as one very low day, so a halved source alerts by its third busy run
 * instead of waiting for one run to be extreme. Two guards keep it honest: each score is clipped,
 * so one past spike or outage in the window cannot pass for a shift on its own, and the scores
 * are treated as correlated (they share one estimated level), so a level that is merely a little
 * off does not add up to an alarm. The level model adapts within weeks, so a real, lasting change
 * alerts for a few runs, not forever.
 */
export const LEVEL_SHIFT_RUNS = 5;
/** Window sizes tried, in runs that can show a direction, the current run included. */
const WINDOWS = [3, 4, LEVEL_SHIFT_RUNS] as const;
/** The runs must be consecutive daily runs, or they say nothing about "lately". */
const MAX_GAP_DAYS = 3;
/** Runs expecting less than this many records cannot lean either way; they are skipped. */
const MIN_INFORMATIVE_MEAN = 1;
/** No single run speaks louder than this (sigmas): a shift is many runs, not one outlier. */
const RUN_SCORE_CLIP = 2.5;
/** Correlation between two runs' scores through the shared level estimate. */
const SCORE_CORRELATION = 0.1;
/** How many past runs are read to find the informative ones. */
export const LEVEL_SHIFT_LOOKBACK = 9;

/** One run of the window may lean the other way (a busy hearing day inside a real drop). */
const MAX_CONTRARY_RUNS = 1;

interface RunLean {
  point: RunPoint;
  /** Sigmas; positive = lower than expected when `down`, higher otherwise. */
  score: number;
  expected: number;
  spread: number;
  /** How much a run can tell: a 3-record Sunday says less about a shift than a 300-record Tuesday. */
  weight: number;
}

/**
 * Weighted Stouffer: each run weighted by the sigmas a proportional shift would move it, i.e.
 * 1/√(phi + 1/mean) — counting noise dominates small days, overdispersion large ones.
 */
function combinedScore(window: readonly RunLean[]): number {
  let numerator = 0;
  let sumW = 0;
  let sumW2 = 0;
  for (const l of window) {
    numerator += l.weight * Math.max(-RUN_SCORE_CLIP, Math.min(l.score, RUN_SCORE_CLIP));
    sumW += l.weight;
    sumW2 += l.weight * l.weight;
  }
  const variance = sumW2 + SCORE_CORRELATION * (sumW * sumW - sumW2);
  return numerator / Math.sqrt(variance);
}

export function levelShiftAnomaly(model: VolumeModel, recent: readonly RunPoint[], current: RunPoint, alarmScore: number): Anomaly | null {
  const runs = consecutiveTail([...recent.slice(-LEVEL_SHIFT_LOOKBACK), current]);
  for (const down of [true, false]) {
    const leans = informativeLeans(model, runs, current, down);
    if (leans[leans.length - 1]?.point !== current) continue;
    for (const size of WINDOWS) {
      const window = leans.slice(-size);
      if (window.length < size || window.filter((l) => l.score <= 0).length > MAX_CONTRARY_RUNS) continue;
      // A sustained rise inside a recess is, far more often than not, a schedule the calendar got wrong.
      if (!down && window.some((l) => l.point.info.recess)) continue;
      const combined = combinedScore(window);
      if (combined >= alarmScore) return shiftAnomaly(model, window, down, combined, alarmScore);
    }
  }
  return null;
}

/** The latest runs with no gap over MAX_GAP_DAYS between neighbours. */
function consecutiveTail(runs: readonly RunPoint[]): RunPoint[] {
  let start = runs.length - 1;
  while (start > 0) {
    const gap = runs[start]!.info.dayNumber - runs[start - 1]!.info.dayNumber;
    if (gap < 0 || gap > MAX_GAP_DAYS) break;
    start--;
  }
  return runs.slice(start);
}

/**
 * Each run's lean. Near a recess boundary either season is plausible, so a run there is judged
 * against the season that explains it best (the quietest for a drop, the busiest for a rise):
 * the calendar alone never makes a shift.
 */
function informativeLeans(model: VolumeModel, runs: readonly RunPoint[], current: RunPoint, down: boolean): RunLean[] {
  let cache = leanCache.get(model);
  if (!cache) {
    cache = { down: new Map(), up: new Map() };
    leanCache.set(model, cache);
  }
  const side = down ? cache.down : cache.up;
  const leans: RunLean[] = [];
  for (const point of runs) {
    let lean = side.get(point);
    if (lean === undefined) {
      lean = leanOf(model, point, down);
      if (point !== current) side.set(point, lean);
    }
    if (lean) leans.push(lean);
  }
  return leans;
}

/**
 * A history run's lean depends only on the model, so it is worked out once per model (a cached
 * model judges many runs); the judged run is a fresh point each time and is never kept.
 */
const leanCache = new WeakMap<VolumeModel, { down: Map<RunPoint, RunLean | null>; up: Map<RunPoint, RunLean | null> }>();

function leanOf(model: VolumeModel, point: RunPoint, down: boolean): RunLean | null {
  const e = seasonalExpectation(model, point.info);
  const mean = down ? e.quietest : e.busiest;
  if (!(e.central >= MIN_INFORMATIVE_MEAN) || !(mean > 0)) return null;
  const value = metricOf(point, model.metric);
  const distribution = negativeBinomial(mean, e.phi);
  // Mid-p: half the probability of the observed count itself, so small counts are not doubly penalised.
  const below = distribution.lowerTail(value) - 0.5 * (distribution.lowerTail(value) + distribution.upperTail(value) - 1);
  const z = probit(Math.min(1 - 1e-12, Math.max(1e-12, below)));
  return { point, score: down ? -z : z, expected: e.central, spread: e.phi * e.central * e.central, weight: 1 / Math.sqrt(e.phi + 1 / mean) };
}

function shiftAnomaly(model: VolumeModel, window: readonly RunLean[], down: boolean, score: number, alarmScore: number): Anomaly {
  const expected = window.reduce((sum, l) => sum + l.expected, 0);
  const observed = window.reduce((sum, l) => sum + metricOf(l.point, model.metric), 0);
  const spread = window.reduce((sum, l) => sum + l.spread, 0);
  const total = negativeBinomial(expected, spread / (expected * expected));
  const alpha = tailForScore(alarmScore);
  const low = total.lowestNormal(alpha);
  const high = total.highestNormal(alpha);
  return {
    metric: model.metric, rule: 'level-shift', value: observed, expected: round(expected, 1), low, high, score: round(score, 2),
    message: `${countPhrase(model.metric, observed)} over the last ${window.length} busy runs; those days usually bring ${formatRange(low, high)} together — a sustained ${down ? 'drop' : 'rise'}: confirm the source changed, or mark it expected.`,
  };
}
