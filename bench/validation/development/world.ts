import type { RunMetrics } from '../../../shared/run.js';
import { asRunMetrics, calendarDay, injectRunAnomaly, jitteredCalendar, type RunAnomalyKind } from '../../../main/validation/index.js';
import { betaSample, binomialSample, negativeBinomialSample, seedFrom, seededRandom, standardNormal, type Random } from '../../../main/validation/historical/random.js';
import type { Rng } from '../harness/rng.js';
import type { HarnessDay, HarnessKind, HarnessRun, HarnessStream, HarnessWorld, StreamOptions } from '../harness/world.js';

/**
 * The development world: what the validator is tuned on. It is the issue 5 harness's world
 * (negative-binomial days, the congressional weekly shapes, the calendar jittered a few days,
 * the same injection code as trials) widened to what issue 10 asks the validator to survive —
 * streams that keep their own quiet periods on arbitrary dates (source outages, committees on
 * their own schedule), low-count streams, lasting changes of level — and measured by the same
 * yardstick as the audit (audit/harness.ts), never by the audit's world.
 *
 * Widened again where real update streams are rougher than a step function: quiet periods that
 * taper in and out over days and often only thin the stream (partial depth), sparse streams of
 * 0–5 records a day where counting noise is all there is, a week shape of each stream's own, a
 * level that wanders and trends, one-day holidays on a stream's own dates, and lasting changes
 * that begin inside a quiet period or as it ends.
 */

type StreamKind = 'calendar' | 'own-schedule' | 'low-count' | 'calendar-with-outages' | 'sparse';
/** Streams are dealt in this order; streams on their own schedule come twice, the commonest kind outside the congressional calendar. */
const KINDS: readonly StreamKind[] = ['calendar', 'own-schedule', 'low-count', 'calendar-with-outages', 'own-schedule', 'sparse'];
const CONGRESS_WEEK = [0.05, 0.7, 1.25, 1.35, 1.2, 0.6, 0.04] as const;
const SEVEN_DAY_WEEK = [0.7, 1, 1.1, 1.1, 1.05, 0.95, 0.6] as const;
const FLAT_WORKWEEK = [0.02, 1, 1, 1, 1, 1, 0.02] as const;
const DAY_MS = 86_400_000;

/**
 * A quiet period: `depth` is the share of the normal volume it keeps (0.05 an outage, 0.8 a
 * light partial slowdown); it tapers in over `taperIn` days and out over `taperOut` days rather
 * than stepping, as a committee winding down before a recess or a source coming back in stages.
 */
interface Stretch {
  start: number;
  length: number;
  depth: number;
  bump: number;
  taperIn: number;
  taperOut: number;
}

function ownSchedule(random: Random, days: number, outages: boolean): Stretch[] {
  const stretches: Stretch[] = [];
  for (let day = Math.floor(random() * 40); day < days; ) {
    const length = outages ? 2 + Math.floor(random() * 5) : 3 + Math.floor(random() * 40);
    // Half deep (a recess of its own), half partial (20–80 % of the volume gone).
    const depth = outages ? random() * 0.2 : random() < 0.5 ? 0.05 + random() * 0.25 : 0.2 + random() * 0.6;
    const taper = (most: number): number => (outages || random() < 0.4 ? 0 : Math.min(Math.floor(length / 3), 1 + Math.floor(random() * most)));
    stretches.push({ start: day, length, depth, bump: 1 + random() * 0.5, taperIn: taper(4), taperOut: taper(3) });
    day += length + (outages ? 60 + Math.floor(random() * 120) : 10 + Math.floor(random() * 90));
  }
  return stretches;
}

/** The share of the normal volume a day inside a stretch keeps: its depth, reached and left gradually. */
function stretchShare(stretch: Stretch, day: number): number {
  const into = day - stretch.start;
  const left = stretch.start + stretch.length - 1 - day;
  const reach = Math.min(1, (into + 1) / (stretch.taperIn + 1), (left + 1) / (stretch.taperOut + 1));
  return 1 - (1 - stretch.depth) * reach;
}

/** Each stream's own week: one of three shapes, every weekday moved by its own ±25 % or so. */
function weekShape(random: Random, kind: StreamKind): number[] {
  const pick = random();
  const base = kind === 'own-schedule' || kind === 'sparse' ? (pick < 0.4 ? SEVEN_DAY_WEEK : pick < 0.7 ? FLAT_WORKWEEK : CONGRESS_WEEK) : CONGRESS_WEEK;
  return base.map((rate) => rate * Math.exp(0.22 * standardNormal(random)));
}

/** One-day holidays on a stream's own dates (a few a year): unforeseeable drops. */
function ownHolidays(random: Random, days: number): Set<number> {
  const holidays = new Set<number>();
  for (let day = Math.floor(random() * 60); day < days; day += 25 + Math.floor(random() * 70)) holidays.add(day);
  return holidays;
}

/**
 * A lasting change of level: anywhere, or (half the time when the stream has quiet periods of
 * its own) starting inside one or on the first days after it — a source that comes back smaller
 * or larger than it left.
 */
function lastingChange(random: Random, days: number, stretches: readonly Stretch[]): { day: number; factor: number } | null {
  if (random() >= 0.35) return null;
  const factor = random() < 0.5 ? 0.3 + random() * 0.3 : 1.8 + random() * 1.2;
  const late = stretches.filter((s) => s.start > days * 0.3 && s.start + s.length < days * 0.95);
  if (late.length > 0 && random() < 0.5) {
    const stretch = late[Math.floor(random() * late.length)]!;
    return { day: stretch.start + Math.floor(random() * (stretch.length + 4)), factor };
  }
  return { day: Math.floor(days * (0.3 + random() * 0.65)), factor };
}

function meanFor(random: Random, kind: StreamKind): number {
  if (kind === 'sparse') return 0.6 + random() * 2.4;
  if (kind === 'low-count') return 2 + random() * 8;
  return Math.exp(Math.log(10) + random() * Math.log(60));
}

/**
 * Which development world: `plain`, the one the validator is tuned on, or `drift`, the same
 * streams rougher where real update streams are (issue 10's false alarms on busy normal days).
 */
export const DEVELOPMENT_VARIANTS = ['plain', 'drift'] as const;
export type DevelopmentVariant = (typeof DEVELOPMENT_VARIANTS)[number];

/**
 * The drift variant's roughness of one stream: a level that walks (a random walk in log level,
 * `walk` per day, never pulled back as the plain world's wander is; a third of the streams keep
 * a steady level) and days over-dispersed beyond the negative binomial by a lognormal multiplier
 * (`daySpread`), whose upper tail is heavier than the gamma's. Drawn from a generator of its own,
 * so the plain world's draws are the same with or without it.
 */
interface Roughness {
  random: Random;
  walk: number;
  daySpread: number;
}

function roughnessOf(options: StreamOptions, variant: DevelopmentVariant): Roughness | null {
  if (variant === 'plain') return null;
  const random = seededRandom(seedFrom(options.seed, options.index, 0xd21f7));
  const walk = random() < 1 / 3 ? 0 : 0.01 + random() * 0.02;
  return { random, walk, daySpread: 0.1 + random() * 0.2 };
}

/** A day's multiplier beyond the negative binomial: lognormal with mean 1. */
function dayMultiplier(roughness: Roughness | null): number {
  if (!roughness) return 1;
  const { daySpread, random } = roughness;
  return Math.exp(daySpread * standardNormal(random) - (daySpread * daySpread) / 2);
}

export function generateDevelopmentStream(options: StreamOptions, variant: DevelopmentVariant = 'plain'): HarnessStream {
  const random = seededRandom(seedFrom(options.seed, options.index, 0xdef));
  const roughness = roughnessOf(options, variant);
  const kind = KINDS[options.index % KINDS.length]!;
  const meanPerDay = meanFor(random, kind);
  const phi = kind === 'sparse' ? random() * 0.05 : 0.03 + random() * 0.09;
  const shape = weekShape(random, kind);
  const follows = kind === 'calendar' || kind === 'calendar-with-outages';
  const calendar = jitteredCalendar(options.seed + options.index, 2);
  const stretches = kind === 'calendar' ? [] : ownSchedule(random, options.days, kind === 'calendar-with-outages');
  const holidays = follows ? new Set<number>() : ownHolidays(random, options.days);
  const recessRatio = 0.3 + random() * 0.15;
  const trend = (random() - 0.4) * 0.5;
  // A level that wanders slowly (log AR(1), a few per cent a day, a month or so to forget).
  const wander = random() < 0.5 ? 0.02 + random() * 0.04 : 0;
  const change = lastingChange(random, options.days, stretches);
  const start = Math.floor(Date.UTC(2021, 0, 4) / DAY_MS) + Math.floor(random() * 900);
  const shares = { added: 0.15 + random() * 0.25, updated: 0.1 + random() * 0.2, quarantine: random() < 0.5 ? 0.004 : 0 };
  const cost = { overhead: 500 + random() * 2500, perRecord: 5 + random() * 25 };
  const busyShape = Math.max(...shape);
  const isoOf = (i: number): string => new Date((start + i) * DAY_MS + 7 * 3_600_000).toISOString();
  const infos = Array.from({ length: options.days }, (_, i) => calendarDay(isoOf(i), calendar));
  const holidayAt = (i: number): boolean => holidays.has(i) || (follows && infos[i]!.recess && !(infos[i - 1]?.recess ?? false) && !(infos[i + 1]?.recess ?? false));
  const stretchAt = (i: number): Stretch | undefined => stretches.find((s) => i >= s.start && i < s.start + s.length);
  const quietAt = (i: number): boolean => i >= 0 && i < options.days && (stretchAt(i) !== undefined || (follows && infos[i]!.recess && !holidayAt(i)));
  // A change that begins inside a quiet period shows only when the stream comes back: its first days are from then.
  let changeShows = change ? change.day : Number.POSITIVE_INFINITY;
  while (changeShows < options.days && quietAt(changeShows)) changeShows++;
  const days: HarnessDay[] = [];
  let quietRun = 0;
  let sinceQuiet = 1000;
  let backBusy = 0;
  let lastBump = 1;
  let drift = 0;
  let walked = 0;
  for (let i = 0; i < options.days; i++) {
    const weekday = infos[i]!.weekday;
    const stretch = stretchAt(i);
    const quiet = quietAt(i);
    const holiday = holidayAt(i) && !quiet;
    quietRun = quiet ? quietRun + 1 : 0;
    if (quiet) {
      sinceQuiet = 0;
      backBusy = 0;
      lastBump = stretch ? (stretch.taperOut > 0 ? 1 : stretch.bump) : 1.3;
    } else sinceQuiet++;
    drift = 0.97 * drift + wander * standardNormal(random);
    if (roughness) walked += roughness.walk * standardNormal(roughness.random);
    const busyWeekday = shape[weekday]! >= 0.5 * busyShape;
    const backDay = !quiet && sinceQuiet < 10 && busyWeekday && backBusy < 2 ? ++backBusy : 0;
    const level = (meanPerDay / (busyShape * 0.7)) * Math.exp((trend * i) / 365 + drift + walked) * (change && i >= change.day ? change.factor : 1);
    const season = stretch ? stretchShare(stretch, i) : quiet ? recessRatio : holiday ? 0.2 + random() * 0.3 : 1;
    const expected = level * shape[weekday]! * season * (backDay > 0 ? lastBump : 1);
    const run = { startedAt: isoOf(i), metrics: runMetrics(random, expected * dayMultiplier(roughness), phi, shares, cost) };
    days.push({
      run, weekday, state: quiet ? 'quiet' : 'normal', expected, busyExpected: level * busyShape, busyWeekday, quietDay: quietRun, backDay,
      sinceChange: i >= changeShows && i - changeShows < 7 ? i - changeShows + 1 : 0,
      boundary: [-2, -1, 1, 2].some((d) => quietAt(i + d) !== quiet),
      holiday, broken: false, episode: quiet ? i - quietRun + 1 : null, change: null,
    });
  }
  contaminate(random, days);
  return { id: `development-${kind}-${options.index}`, days, episodes: stretches.length };
}

function runMetrics(random: Random, expected: number, phi: number, shares: { added: number; updated: number; quarantine: number }, cost: { overhead: number; perRecord: number }): RunMetrics {
  const fetched = negativeBinomialSample(random, expected, phi);
  const quarantined = binomialSample(random, fetched, shares.quarantine);
  const addedShare = betaSample(random, shares.added, 60);
  const added = binomialSample(random, fetched - quarantined, addedShare);
  const updated = binomialSample(random, fetched - quarantined - added, Math.min(1, betaSample(random, shares.updated, 60) / (1 - addedShare)));
  const durationMs = Math.round((cost.overhead + cost.perRecord * fetched) * Math.exp(0.15 * standardNormal(random)));
  return { fetched, added, updated, unchanged: fetched - quarantined - added - updated, quarantined, durationMs };
}

const CONTAMINATION: readonly RunAnomalyKind[] = ['spike', 'drop', 'zero-volume', 'mix-shift', 'stale-source', 'quarantine-surge', 'duration-blowup'];

function contaminate(random: Random, days: HarnessDay[]): void {
  for (const day of days) {
    if (random() >= 0.012) continue;
    const kind = CONTAMINATION[Math.floor(random() * CONTAMINATION.length)]!;
    day.run = { startedAt: day.run.startedAt, metrics: { ...injectRunAnomaly(day.run.metrics, { kind }) } };
    day.broken = true;
  }
}

const INJECTED: Record<Exclude<HarnessKind, 'shift-down' | 'shift-up'>, RunAnomalyKind> = {
  spike: 'spike', drop: 'drop', zero: 'zero-volume', burst: 'weekend-burst', 'all-new': 'mix-shift', stale: 'stale-source', quarantine: 'quarantine-surge', slow: 'duration-blowup',
};

/** The development world injects with the validator's own injection code (the trials' too). */
export const DEVELOPMENT_WORLD: HarnessWorld = {
  generate: (options) => generateDevelopmentStream(options),
  inject: (_rng: Rng, kind, run: HarnessRun, busy: HarnessRun) => ({
    startedAt: run.startedAt,
    metrics: { ...injectRunAnomaly(run.metrics, { kind: INJECTED[kind] }, { busyDay: asRunMetrics(busy.metrics) }) },
  }),
  // The injection code scales the whole duration with the volume; a lasting shift of volume leaves the fixed part of a run's time alone.
  scale: (metrics, factor) => ({ ...injectRunAnomaly(metrics, { kind: 'level-shift', magnitude: factor }), durationMs: Math.round(metrics.durationMs * (1 / 3 + (2 / 3) * factor)) }),
};

/** One variant of the development world: the same injections, its streams drawn `plain` or with `drift`. */
export function developmentWorld(variant: DevelopmentVariant): HarnessWorld {
  return { ...DEVELOPMENT_WORLD, generate: (options) => generateDevelopmentStream(options, variant) };
}
