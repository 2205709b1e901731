import type { RunMetrics } from '../../../shared/run.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { CalendarDays, DAY_MS, LONG_RECESS_DAYS, approximateCongressCalendar, weekdayOf, type CongressCalendar } from './calendar.js';
import { injectRunAnomaly, type RunAnomalyKind } from './injection.js';
import { betaSample, binomialSample, negativeBinomialSample, seedFrom, seededRandom, standardNormal, type Random } from './random.js';

/**
 * Synthetic daily run histories with the texture of the real feed: a weekday shape, recesses on
 * a calendar that is *not* exactly the validator's (each organisation's recess boundaries move by
 * a few days, as House and Senate schedules do), a catch-up bump on the first days back, a
 * spring/autumn cycle, a slow trend, overdispersed (negative binomial) day-to-day noise, a mix
 * that wobbles, and — optionally — a few past anomalies left in the history, as in real life.
 */

export interface OrganisationProfile {
  name: string;
  /** Average records per run over all days, recesses and weekends included. */
  meanPerDay: number;
  /** Overdispersion: Var = mu + phi·mu². */
  phi: number;
  /** Log-linear growth per year (0.2 ≈ +22%/year). */
  trendPerYear: number;
  recessRatio: number;
  /** Sunday first. */
  weekdayShape: readonly number[];
  addedShare: number;
  updatedShare: number;
  quarantineShare: number;
  msPerRecord: number;
  overheadMs: number;
}

const CONGRESS_WEEK = [0.05, 0.7, 1.25, 1.35, 1.2, 0.6, 0.04] as const;
const SENATE_WEEK = [0.03, 0.45, 1.4, 1.45, 1.3, 0.35, 0.02] as const;

export const SYNTHETIC_ORGANISATIONS: readonly OrganisationProfile[] = [
  { name: 'subcommittee-5', meanPerDay: 5, phi: 0.05, trendPerYear: 0.1, recessRatio: 0.3, weekdayShape: CONGRESS_WEEK, addedShare: 0.35, updatedShare: 0.2, quarantineShare: 0, msPerRecord: 30, overheadMs: 800 },
  { name: 'senate-15', meanPerDay: 15, phi: 0.08, trendPerYear: -0.1, recessRatio: 0.35, weekdayShape: SENATE_WEEK, addedShare: 0.3, updatedShare: 0.25, quarantineShare: 0.003, msPerRecord: 25, overheadMs: 1200 },
  { name: 'house-40', meanPerDay: 40, phi: 0.06, trendPerYear: 0.2, recessRatio: 0.4, weekdayShape: CONGRESS_WEEK, addedShare: 0.28, updatedShare: 0.18, quarantineShare: 0.005, msPerRecord: 20, overheadMs: 1000 },
  { name: 'joint-100', meanPerDay: 100, phi: 0.1, trendPerYear: 0.05, recessRatio: 0.3, weekdayShape: SENATE_WEEK, addedShare: 0.25, updatedShare: 0.3, quarantineShare: 0.01, msPerRecord: 15, overheadMs: 1500 },
  { name: 'committees-250', meanPerDay: 250, phi: 0.04, trendPerYear: 0.15, recessRatio: 0.45, weekdayShape: CONGRESS_WEEK, addedShare: 0.22, updatedShare: 0.2, quarantineShare: 0.004, msPerRecord: 12, overheadMs: 2000 },
  { name: 'full-feed-500', meanPerDay: 500, phi: 0.07, trendPerYear: 0.3, recessRatio: 0.35, weekdayShape: CONGRESS_WEEK, addedShare: 0.2, updatedShare: 0.15, quarantineShare: 0.002, msPerRecord: 10, overheadMs: 2500 },
];

export interface SyntheticDay {
  entry: HistoryEntry;
  weekday: number;
  /** The organisation's true season (its calendar, not the validator's approximation). */
  recess: boolean;
  firstBack: boolean;
  /** A past anomaly left in the history on this day, if any. */
  contaminated: RunAnomalyKind | null;
}

export interface HistoryOptions {
  seed: number;
  days: number;
  /** First day, YYYY-MM-DD; runs start at about 06:00 UTC. */
  start?: string;
  /** Share of days carrying a past anomaly (spike, drop, quarantine surge ...). */
  contaminationRate?: number;
  /** How far (±days) the organisation's recess boundaries sit from the typical calendar. */
  calendarJitterDays?: number;
}

const DEFAULT_START = '2022-01-03';
const FIRST_BACK_BUMP = 1.3;
const CONTAMINATION_KINDS: readonly RunAnomalyKind[] = ['spike', 'drop', 'zero-volume', 'mix-shift', 'stale-source', 'quarantine-surge', 'duration-blowup'];

/** The typical calendar with every long recess boundary moved by up to ±jitter days. */
export function jitteredCalendar(seed: number, jitter: number, base: CongressCalendar = approximateCongressCalendar): CongressCalendar {
  const shift = (...parts: number[]): number => (jitter > 0 ? (seedFrom(seed, ...parts) % (2 * jitter + 1)) - jitter : 0);
  return {
    name: `${base.name}~${jitter}d`,
    recessesStartingIn: (year) =>
      base.recessesStartingIn(year).map((r, i) =>
        r.end - r.start + 1 >= LONG_RECESS_DAYS ? { start: r.start + shift(year, i, 0), end: r.end + shift(year, i, 1) } : r,
      ),
  };
}

function dailyMean(profile: OrganisationProfile, dayNumber: number, startDay: number): number {
  const shapeMean = profile.weekdayShape.reduce((a, b) => a + b, 0) / 7;
  const base = profile.meanPerDay / (shapeMean * (0.8 + 0.2 * profile.recessRatio));
  const years = (dayNumber - startDay) / 365.25;
  const dayOfYear = dayNumber % 365.25;
  const cycle = 1 + 0.12 * Math.sin((2 * Math.PI * (dayOfYear - 60)) / 365.25);
  return base * profile.weekdayShape[weekdayOf(dayNumber)]! * Math.exp(profile.trendPerYear * years) * cycle;
}

function runMetrics(random: Random, profile: OrganisationProfile, mean: number): RunMetrics {
  const fetched = negativeBinomialSample(random, mean, profile.phi);
  const quarantined = binomialSample(random, fetched, betaSample(random, profile.quarantineShare, 200));
  const addedShare = betaSample(random, profile.addedShare, 80);
  const updatedShare = betaSample(random, profile.updatedShare, 80);
  const added = binomialSample(random, fetched - quarantined, addedShare);
  const updated = binomialSample(random, fetched - quarantined - added, Math.min(1, updatedShare / (1 - addedShare)));
  const durationMs = Math.round((profile.overheadMs + profile.msPerRecord * fetched) * Math.exp(0.15 * standardNormal(random)));
  return { fetched, added, updated, unchanged: fetched - quarantined - added - updated, quarantined, durationMs };
}

export function generateHistory(profile: OrganisationProfile, options: HistoryOptions): SyntheticDay[] {
  const random = seededRandom(seedFrom(options.seed, 0x51e7));
  const calendar = new CalendarDays(jitteredCalendar(options.seed, options.calendarJitterDays ?? 2));
  const startDay = Math.floor(Date.parse(`${options.start ?? DEFAULT_START}T00:00:00Z`) / DAY_MS);
  const days: SyntheticDay[] = [];
  for (let i = 0; i < options.days; i++) {
    const dayNumber = startDay + i;
    const info = calendar.info(dayNumber);
    const season = info.recess ? profile.recessRatio : info.firstBack ? FIRST_BACK_BUMP : 1;
    let metrics = runMetrics(random, profile, dailyMean(profile, dayNumber, startDay) * season);
    const contaminated = random() < (options.contaminationRate ?? 0) ? CONTAMINATION_KINDS[Math.floor(random() * CONTAMINATION_KINDS.length)]! : null;
    if (contaminated) metrics = injectRunAnomaly(metrics, { kind: contaminated });
    const startedAt = new Date(dayNumber * DAY_MS + 6 * 3_600_000 + Math.floor(random() * 20) * 60_000).toISOString();
    days.push({ entry: { startedAt, metrics }, weekday: info.weekday, recess: info.recess, firstBack: info.firstBack, contaminated });
  }
  return days;
}

/** A typical busy weekday of the history before `index` (median fetched of recent Tue–Thu), for weekend bursts. */
export function typicalBusyDay(days: readonly SyntheticDay[], index: number): RunMetrics | undefined {
  const recent = days.slice(Math.max(0, index - 60), index).filter((d) => !d.recess && d.weekday >= 2 && d.weekday <= 4 && !d.contaminated);
  if (recent.length === 0) return undefined;
  const sorted = [...recent].sort((a, b) => (a.entry.metrics.fetched ?? 0) - (b.entry.metrics.fetched ?? 0));
  return sorted[Math.floor(sorted.length / 2)]!.entry.metrics as RunMetrics;
}
