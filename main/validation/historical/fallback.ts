import { median } from 'simple-statistics';
import type { Anomaly, HistoryEntry, MetricBand } from '../../../shared/validation.js';
import { DAY_MS, WEEKDAY_NAMES, isWeekend, weekdayOf } from './calendar.js';
import { countLowerTail, countUpperTail, negativeBinomial, tailForScore, tailScore } from './distributions.js';
import { buildDurationModel, durationAnomaly, durationBand } from './duration.js';
import { buildMixModel, mixAnomalies } from './mix.js';
import { PHI_PRIOR } from './baseline.js';
import { metricOf } from './points.js';
import { volumeBars, type ResolvedThresholds } from './thresholds.js';
import { volumeAdvice } from './wording.js';
import { countPhrase, formatRange, round } from './wording.js';

/**
 * The judge of a young history (issue 10 item 5): too few runs for the walk to know the stream's
 * weekly shape and states, enough to say what is plainly off. Each volume is compared with the
 * median of the runs that are most alike — the same weekday once there are three, else the same
 * kind of day (weekday or weekend), else every run — with a counting-noise margin (negative
 * binomial around the median) widened for how few runs there are and for how loosely they match.
 * The comparison widens instead of emptying, so with three runs or more there is always an
 * answer; and the mix, quarantine and duration checks run too.
 */

/**
 * Extra overdispersion when the comparison had to reach for less alike runs: other weekdays of
 * the same kind may differ by half again; a weekday judged by weekend runs (or the reverse) may
 * differ by several times, so only a gross departure is called.
 */
const LOOSER_MATCH_PHI = { weekday: 0, kind: 0.5, any: 3 } as const;

interface Comparison {
  values: number[];
  match: keyof typeof LOOSER_MATCH_PHI;
  label: string;
}

function comparableRuns(history: readonly HistoryEntry[], weekday: number, metric: string): Comparison {
  const days = history.map((entry) => ({ entry, weekday: weekdayOf(Math.floor(Date.parse(entry.startedAt) / DAY_MS)) }));
  const sameDay = days.filter((d) => d.weekday === weekday);
  if (sameDay.length >= 3) return { values: sameDay.map((d) => metricOf(d.entry, metric)), match: 'weekday', label: `earlier ${WEEKDAY_NAMES[weekday]}s` };
  const sameKind = days.filter((d) => isWeekend(d.weekday) === isWeekend(weekday));
  if (sameKind.length >= 3) return { values: sameKind.map((d) => metricOf(d.entry, metric)), match: 'kind', label: isWeekend(weekday) ? 'earlier weekend days' : 'earlier weekdays' };
  return { values: days.map((d) => metricOf(d.entry, metric)), match: 'any', label: 'the earlier runs' };
}

interface Spread {
  /** The median: what the band is centred on. */
  center: number;
  /** The expectations the low and the high ends are read from (both the median, unless the match was loose). */
  lowFrom: number;
  highFrom: number;
  phi: number;
}

/**
 * Median and the spread of a new run around it: the runs' own spread, the median's error, the
 * looser match. When no run was alike (a Monday judged by a weekend), the low end is read from
 * the quietest run and the high end from the busiest: only what none of them comes near is called.
 */
function spreadAround(values: readonly number[], match: Comparison['match']): Spread {
  const center = median([...values]);
  const mad = median(values.map((v) => Math.abs(v - center)));
  const own = center > 0 ? Math.max(PHI_PRIOR, ((1.4826 * mad) ** 2 - center) / (center * center)) : PHI_PRIOR;
  const n = values.length;
  // The median of n runs errs by about √(π/2) of the mean's error.
  const phi = own * (1 + 2 / n) + ((Math.PI / 2) * (own + 1 / Math.max(center, 0.5))) / n + LOOSER_MATCH_PHI[match];
  const floor = (v: number): number => Math.max(v, 0.5);
  if (match !== 'any') return { center: floor(center), lowFrom: floor(center), highFrom: floor(center), phi };
  return { center: floor(center), lowFrom: floor(Math.min(...values)), highFrom: floor(Math.max(...values)), phi };
}

/**
 * How far (sigmas) a volume stands outside the range of a young history's runs, as this judge
 * reads a run that no run is alike (the loosest match: low end from the quietest run, high end
 * from the busiest, several times the spread): only a run none of them comes near scores. The
 * walk weighs its warm-up runs by it (see `StreamWalk.warmUpOutlier`). `history` must not be empty.
 */
export function outOfRangeScore(history: readonly HistoryEntry[], metric: string, value: number): number {
  const { lowFrom, highFrom, phi } = spreadAround(history.map((entry) => metricOf(entry, metric)), 'any');
  return Math.max(tailScore(countLowerTail(value, lowFrom, phi)), tailScore(countUpperTail(value, highFrom, phi)));
}

export interface FallbackJudgement {
  anomalies: Anomaly[];
  bands: Record<string, MetricBand>;
}

export function fallbackJudgement(history: readonly HistoryEntry[], current: HistoryEntry, thresholds: ResolvedThresholds): FallbackJudgement {
  const anomalies: Anomaly[] = [];
  const bands: Record<string, MetricBand> = {};
  if (history.length === 0) return { anomalies, bands };
  const weekday = weekdayOf(Math.floor(Date.parse(current.startedAt) / DAY_MS));
  for (const metric of ['fetched', 'added', 'updated'] as const) {
    const comparison = comparableRuns(history, weekday, metric);
    const { center, lowFrom, highFrom, phi } = spreadAround(comparison.values, comparison.match);
    const bars = volumeBars(thresholds, metric);
    const value = Math.max(0, Math.round(metricOf(current, metric)));
    const low = negativeBinomial(lowFrom, phi);
    const emptyAlarms = low.lowerTail(0) < tailForScore(bars.empty);
    const band = { expected: round(center, 1), low: Math.max(low.lowestNormal(tailForScore(bars.single)), emptyAlarms ? 1 : 0), high: negativeBinomial(highFrom, phi).highestNormal(tailForScore(bars.single)) };
    bands[metric] = band;
    const lowScore = tailScore(countLowerTail(value, lowFrom, phi));
    const highScore = tailScore(countUpperTail(value, highFrom, phi));
    const below = lowScore >= (value === 0 ? bars.empty : bars.single);
    if (!below && highScore < bars.single) continue;
    const rule = below ? (value <= 0.1 * center ? 'near-zero-volume' : 'below-seasonal-range') : 'above-seasonal-range';
    // Once fetched is off, added and updated are off the same way: one sentence is enough.
    if (metric !== 'fetched' && anomalies.some((a) => a.metric === 'fetched' && (a.value < (a.expected ?? 0)) === below)) continue;
    anomalies.push({
      metric, rule, value, expected: band.expected, low: band.low, high: band.high, score: round(below ? lowScore : highScore, 2),
      message: `${countPhrase(metric, value)}; ${comparison.label} brought ${formatRange(band.low, band.high)} (median ${Math.round(center)}) — ${volumeAdvice(rule)}.`,
    });
  }
  const mix = buildMixModel(history);
  if (mix) anomalies.push(...mixAnomalies(mix, current, thresholds));
  const duration = buildDurationModel(history);
  if (duration) {
    const slow = durationAnomaly(duration, current, thresholds.duration);
    if (slow) anomalies.push(slow);
    const band = durationBand(duration, metricOf(current, 'fetched'), thresholds.duration);
    bands.durationMs = { expected: round(band.expected, 0), low: round(band.low, 0), high: round(band.high, 0) };
  }
  return { anomalies, bands };
}
