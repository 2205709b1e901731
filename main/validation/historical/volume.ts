import type { Anomaly } from '../../../shared/validation.js';
import { isWeekend, type DayInfo } from './calendar.js';
import { negativeBinomial, tailForScore, tailScore } from './distributions.js';
import { metricOf, type RunPoint } from './points.js';
import { SlidingSortedWindow, estimateOverdispersion, trimmedMean, upperQuartile, type CountObservation } from './robust.js';
import { countPhrase, dayPhrase, formatRange, round } from './wording.js';

export const VOLUME_METRICS = ['fetched', 'added', 'updated'] as const;

/** A year of weeks: ~35 clean Tuesdays for a trimmed mean; the weekday shape barely moves in a year. */
const WEEKDAY_WINDOW_DAYS = 364;
/** ~5 weeks of busy session days make the recent level: it follows trend, lags it by ~2.5 weeks. */
const LEVEL_POINTS = 25;
const MIN_LEVEL_POINTS = 6;
/** Recess and first-day-back ratios come from the last year's recesses. */
const RATIO_WINDOW_DAYS = 400;
const DISPERSION_WINDOW_DAYS = 182;
/** ~10% day-to-day noise at least: the level itself is estimated, and rounding never helps. */
const PHI_FLOOR = 0.01;
/** Before the history holds a recess, assume the usual congressional low, with a wide band. */
const PRIOR_RECESS_RATIO = 0.4;
const PRIOR_FIRST_BACK_RATIO = 1.3;
/** Congress never goes completely silent for a task that is busy in session. */
const MIN_RECESS_RATIO = 0.05;
const UNKNOWN_SEASON_EXTRA_PHI = 0.15;
/** A weekday is busy when it brings at least this share of the busiest weekday's volume. */
const BUSY_WEEKDAY_SHARE = 0.4;
const NEAR_ZERO_SHARE = 0.1;

export interface VolumeModel {
  metric: string;
  weekdayFactor: number[];
  /** Clean session observations per weekday behind each factor. */
  weekdayCount: number[];
  busy: boolean[];
  level: number;
  recessRatio: number;
  recessKnown: boolean;
  firstBackRatio: number;
  firstBackKnown: boolean;
  phi: number;
}

/** Session days whose season nobody can dispute: the days the weekday shape is learnt from. */
function isPlainSession(info: DayInfo): boolean {
  return !info.recess && !info.firstBack && !info.nearBoundary;
}

export function buildVolumeModel(points: readonly RunPoint[], metric: string): VolumeModel | null {
  const last = points[points.length - 1];
  if (!last) return null;
  const { factors, counts } = weekdayFactors(points, metric, last.info.dayNumber - WEEKDAY_WINDOW_DAYS);
  const finite = factors.filter(Number.isFinite);
  if (finite.length === 0) return null;
  const busiest = Math.max(...finite);
  const busy = factors.map((f) => Number.isFinite(f) && f >= BUSY_WEEKDAY_SHARE * busiest);
  const partial: VolumeModel = {
    metric, weekdayFactor: factors, weekdayCount: counts, busy, level: Number.NaN,
    recessRatio: PRIOR_RECESS_RATIO, recessKnown: false, firstBackRatio: PRIOR_FIRST_BACK_RATIO, firstBackKnown: false, phi: PHI_FLOOR,
  };
  const { levels, current } = levelSeries(points, partial, last.info.dayNumber - RATIO_WINDOW_DAYS);
  if (!Number.isFinite(current)) return null;
  const model = { ...partial, level: current, ...seasonRatios(points, partial, levels) };
  model.phi = dispersion(points, model, levels, last.info.dayNumber - DISPERSION_WINDOW_DAYS);
  return model;
}

function weekdayFactors(points: readonly RunPoint[], metric: string, since: number): { factors: number[]; counts: number[] } {
  const byWeekday: number[][] = [[], [], [], [], [], [], []];
  for (const p of points) {
    if (p.info.dayNumber > since && isPlainSession(p.info)) byWeekday[p.info.weekday]!.push(metricOf(p, metric));
  }
  // +0.05 keeps an always-empty weekday expecting a trickle, so its first record is no alarm.
  const raw = byWeekday.map((values) => (values.length >= 2 ? trimmedMean(values, 0.2) + 0.05 : Number.NaN));
  const known = raw.filter(Number.isFinite);
  const norm = known.reduce((sum, v) => sum + v, 0) / Math.max(1, known.length);
  return { factors: raw.map((v) => v / norm), counts: byWeekday.map((values) => values.length) };
}

/** Which busy session days feed the level: a Tuesday and a Friday say the same, once divided by their factor. */
function levelContribution(p: RunPoint, model: VolumeModel): number | null {
  if (!isPlainSession(p.info) || !model.busy[p.info.weekday]) return null;
  return metricOf(p, model.metric) / model.weekdayFactor[p.info.weekday]!;
}

/**
 * The recent level before each run (never including the run itself: its residual is honest out
 * of sample, which is what the dispersion must describe) and the level now, after the last run.
 */
function levelSeries(points: readonly RunPoint[], model: VolumeModel, since: number): { levels: Map<RunPoint, number>; current: number } {
  const levels = new Map<RunPoint, number>();
  const recent = new SlidingSortedWindow(LEVEL_POINTS);
  const levelNow = (): number => (recent.length >= MIN_LEVEL_POINTS ? recent.interquartileMean() : Number.NaN);
  for (const p of points) {
    if (p.info.dayNumber > since) {
      const level = levelNow();
      if (Number.isFinite(level)) levels.set(p, level);
    }
    const contribution = levelContribution(p, model);
    if (contribution !== null) recent.push(contribution);
  }
  return { levels, current: levelNow() };
}

function seasonRatios(points: readonly RunPoint[], model: VolumeModel, levels: Map<RunPoint, number>): Partial<VolumeModel> {
  const recess: CountObservation[] = [];
  const firstBack: number[] = [];
  for (const [p, level] of levels) {
    // Recess days near a boundary may really be session days (the calendar is approximate).
    if (!model.busy[p.info.weekday] || (p.info.nearBoundary && !p.info.firstBack)) continue;
    const expected = level * model.weekdayFactor[p.info.weekday]!;
    if (p.info.recess) recess.push({ observed: metricOf(p, model.metric), expected });
    else if (p.info.firstBack) firstBack.push(metricOf(p, model.metric) / expected);
  }
  const ratios: Partial<VolumeModel> = {};
  if (recess.length >= 5) Object.assign(ratios, { recessRatio: Math.max(MIN_RECESS_RATIO, trimmedPooledRatio(recess)), recessKnown: true });
  if (firstBack.length >= 3) Object.assign(ratios, { firstBackRatio: Math.max(1, upperQuartile(firstBack)), firstBackKnown: true });
  return ratios;
}

/**
 * Sum observed over sum expected, after dropping the most extreme 10% of days each way: a median
 * of per-day ratios is 0 when a small task's recess days are mostly empty, and a zero expectation
 * turns the first record of the next recess into an "infinitely surprising" alarm.
 */
function trimmedPooledRatio(observations: readonly CountObservation[]): number {
  const sorted = [...observations].sort((a, b) => a.observed / a.expected - b.observed / b.expected);
  const cut = Math.floor(sorted.length * 0.1);
  const kept = sorted.slice(cut, sorted.length - cut);
  const expected = kept.reduce((sum, o) => sum + o.expected, 0);
  return expected > 0 ? kept.reduce((sum, o) => sum + o.observed, 0) / expected : PRIOR_RECESS_RATIO;
}

function seasonRatio(model: VolumeModel, info: DayInfo): number {
  if (info.recess) return model.recessRatio;
  return info.firstBack ? model.firstBackRatio : 1;
}

function dispersion(points: readonly RunPoint[], model: VolumeModel, levels: Map<RunPoint, number>, since: number): number {
  const observations: CountObservation[] = [];
  for (const [p, level] of levels) {
    if (p.info.dayNumber <= since || p.info.nearBoundary) continue;
    const expected = level * model.weekdayFactor[p.info.weekday]! * seasonRatio(model, p.info);
    observations.push({ observed: metricOf(p, model.metric), expected });
  }
  const phi = estimateOverdispersion(observations, PHI_FLOOR);
  // One standard error of a variance estimate on top: a short history earns a wider band.
  return phi * (1 + Math.sqrt(2 / Math.max(1, observations.length)));
}

export interface SeasonalExpectation {
  central: number;
  /** Means of the quietest and busiest season the day may belong to (they differ near a boundary). */
  quietest: number;
  busiest: number;
  phi: number;
}

/** What the last few busy runs say about the season, when they say it clearly. */
export type Regime = 'session' | 'recess';

/**
 * The seasons a day near a recess boundary may belong to. Before a recess starts nobody is
 * catching up yet, and after it ends there is no going back into it; and once the last runs show
 * the low has started (or ended), the calendar's blur is settled for that side.
 */
function boundaryRatios(model: VolumeModel, info: DayInfo, regime: Regime | undefined): number[] {
  if (info.boundarySide === 'start') return regime === 'recess' ? [model.recessRatio] : [1, model.recessRatio];
  if (info.boundarySide === 'end' && regime === 'session') return [1, model.firstBackRatio];
  return [1, model.recessRatio, model.firstBackRatio];
}

export function seasonalExpectation(model: VolumeModel, info: DayInfo, regime?: Regime): SeasonalExpectation {
  const base = model.level * model.weekdayFactor[info.weekday]!;
  const ratios = info.nearBoundary ? boundaryRatios(model, info, regime) : info.firstBack ? [1, model.firstBackRatio] : [seasonRatio(model, info)];
  const unknownSeason = (info.recess || info.nearBoundary) && !model.recessKnown;
  const central = Math.min(Math.max(seasonRatio(model, info), Math.min(...ratios)), Math.max(...ratios));
  return {
    central: base * central,
    quietest: base * Math.min(...ratios),
    busiest: base * Math.max(...ratios),
    phi: model.phi + (unknownSeason ? UNKNOWN_SEASON_EXTRA_PHI : 0),
  };
}

/** A normally quiet day: a weekend, a weekday that rarely brings anything, or deep recess. */
function isQuietDay(model: VolumeModel, info: DayInfo): boolean {
  return isWeekend(info.weekday) || !model.busy[info.weekday] || (info.recess && !info.nearBoundary);
}

/** The range a volume alarm fires outside of, on this day: what the console draws as the band. */
export function volumeBand(model: VolumeModel, info: DayInfo, alarmScore: number, emptyScore = alarmScore, regime?: Regime): { expected: number; low: number; high: number } {
  const expectation = seasonalExpectation(model, info, regime);
  const alpha = tailForScore(alarmScore);
  const quiet = negativeBinomial(expectation.quietest, expectation.phi);
  // An empty run has its own, lower bar (see AlarmThresholds.signature): when it would alarm, 1 is the floor.
  const settled = !info.nearBoundary || regime === 'session';
  const emptyAlarms = quiet.lowerTail(0) <= tailForScore(settled ? Math.min(alarmScore, emptyScore) : alarmScore);
  const low = Math.max(quiet.lowestNormal(alpha), emptyAlarms ? 1 : 0);
  const high = negativeBinomial(expectation.busiest, expectation.phi).highestNormal(alpha);
  return { expected: round(expectation.central, 1), low, high };
}

export function volumeAnomaly(model: VolumeModel, info: DayInfo, value: number, alarmScore: number, emptyScore = alarmScore, regime?: Regime): Anomaly | null {
  const expectation = seasonalExpectation(model, info, regime);
  const quiet = negativeBinomial(expectation.quietest, expectation.phi);
  const busy = negativeBinomial(expectation.busiest, expectation.phi);
  const { low, high } = volumeBand(model, info, alarmScore, emptyScore, regime);
  const lowScore = tailScore(quiet.lowerTail(value));
  const highScore = tailScore(busy.upperTail(value));
  // Near a boundary the quietest season may be deeper than the history shows: no lower bar there.
  const settled = !info.nearBoundary || regime === 'session';
  const lowAlarm = value === 0 && settled ? Math.min(alarmScore, emptyScore) : alarmScore;
  if (lowScore < lowAlarm && highScore < alarmScore) return null;
  const below = lowScore >= lowAlarm;
  const rule = below
    ? value <= NEAR_ZERO_SHARE * expectation.quietest ? 'near-zero-volume' : 'below-seasonal-range'
    : isQuietDay(model, info) ? 'quiet-day-burst' : 'above-seasonal-range';
  return {
    metric: model.metric, rule, value, expected: round(expectation.central, 1), low, high,
    score: round(below ? lowScore : highScore, 2),
    message: volumeMessage(rule, model.metric, value, info, low, high, expectation.central),
  };
}

const VOLUME_ADVICE: Record<string, string> = {
  'near-zero-volume': 'check the source for a failed fetch, an expired key or an empty page before trusting this run',
  'below-seasonal-range': 'check whether the source dropped committees, pages or a chamber',
  'above-seasonal-range': 'check for duplicates, a widened lookback window or a re-sent backlog before accepting',
  'quiet-day-burst': 'check for a replay, a backfill or a misfiring schedule before accepting',
};

function volumeMessage(rule: string, metric: string, value: number, info: DayInfo, low: number, high: number, central: number): string {
  const usual = `${dayPhrase(info)} usually brings ${formatRange(low, high)} (about ${Math.round(central)})`;
  return `${countPhrase(metric, value)}; ${usual} — ${VOLUME_ADVICE[rule] ?? 'review this run'}.`;
}

/** The recent runs must be this unlikely under one season (and not under the other) to settle it. */
const REGIME_TAIL = 0.005;
/** Runs this many days before the judged day or fewer say what season it is now. */
const REGIME_DAYS = 4;
/** Two busy runs at least, so that leaving one out still leaves evidence. */
const MIN_REGIME_RUNS = 2;

/**
 * Session or recess, as the busy runs of the last few days show it, for a day near a boundary:
 * their total is tested against both seasons' expectations, and a season is settled only when
 * the total is implausible under the other one and plausible under it — with every run, and
 * with any one of them left out, so one past outage or spike cannot settle it. Undefined otherwise.
 */
export function recentRegime(model: VolumeModel, points: readonly RunPoint[], info: DayInfo): Regime | undefined {
  if (!info.nearBoundary) return undefined;
  const recent: CountObservation[] = [];
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    if (p.info.dayNumber < info.dayNumber - REGIME_DAYS) break;
    if (p.info.dayNumber >= info.dayNumber || !model.busy[p.info.weekday]) continue;
    recent.push({ observed: metricOf(p, model.metric), expected: model.level * model.weekdayFactor[p.info.weekday]! });
  }
  if (recent.length < MIN_REGIME_RUNS) return undefined;
  const regime = regimeOf(model, recent);
  const robust = regime !== undefined && recent.every((_, left) => regimeOf(model, recent.filter((__, i) => i !== left)) === regime);
  return robust ? regime : undefined;
}

function regimeOf(model: VolumeModel, runs: readonly CountObservation[]): Regime | undefined {
  const observed = runs.reduce((sum, r) => sum + r.observed, 0);
  const base = runs.reduce((sum, r) => sum + r.expected, 0);
  if (!(base > 0)) return undefined;
  const phi = (model.phi * runs.reduce((sum, r) => sum + r.expected * r.expected, 0)) / (base * base);
  const unlikeSession = negativeBinomial(base, phi).lowerTail(observed) < REGIME_TAIL;
  const unlikeRecess = negativeBinomial(base * model.recessRatio, phi).upperTail(observed) < REGIME_TAIL;
  if (unlikeSession && !unlikeRecess) return 'recess';
  return unlikeRecess && !unlikeSession ? 'session' : undefined;
}
