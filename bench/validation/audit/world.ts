import { binomial, chance, createRng, gaussian, logistic, pick, poisson, uniform, type Rng } from '../harness/rng.js';
import type { HarnessDay, HarnessRun, HarnessStream, StreamOptions } from '../harness/world.js';

/**
 * The audit world: update streams as the audit imagines them, independently of how the validator
 * or its development harness do. Each stream has
 * - a weekly profile of its own (five-day, seven-day, mid-week peaked, weekend-active);
 * - a latent activity that wanders day to day (an AR(1) process on the log scale: busy weeks come
 *   in runs), counts drawn as Poisson around it — Poisson–lognormal, not negative binomial;
 * - quiet periods from a renewal process on arbitrary dates (no calendar at all): gaps and
 *   lengths log-normal, each with its own depth, ramping in and out over up to two days, and a
 *   catch-up bump of its own on the first busy days back;
 * - a few one-day holidays, a month-end bump on some streams, a trend, and on some streams one
 *   lasting legitimate change of level (down or up);
 * - a mix (new / updated / unchanged) whose shares drift as logistic random walks, rare
 *   quarantines, and a duration that is an overhead plus a cost per record with drifting noise;
 * - and about 1.5% of days broken in its history (outages, duplicated pages, partial fetches),
 *   left unreviewed — as in life.
 * The truth of every day is kept beside its run, so the harness can say what a day was.
 */

interface Episode {
  start: number;
  length: number;
  depth: number;
  rampIn: number;
  rampOut: number;
  bump: number;
}


const DAY_MS = 86_400_000;
const WEEK_PROFILES: Record<string, readonly number[]> = {
  // Sunday first.
  fiveDay: [0.02, 0.8, 1, 1, 0.95, 0.7, 0.03],
  midWeek: [0.05, 0.45, 0.95, 1, 0.9, 0.35, 0.05],
  sevenDay: [0.7, 0.9, 1, 1, 0.95, 0.9, 0.75],
  weekendActive: [0.9, 0.5, 0.55, 0.6, 0.6, 0.7, 1],
  mondayHeavy: [0.05, 1, 0.7, 0.65, 0.6, 0.5, 0.05],
};

function jitteredWeek(rng: Rng): number[] {
  const profile = WEEK_PROFILES[pick(rng, Object.keys(WEEK_PROFILES))]!;
  const week = profile.map((w) => Math.max(0.005, w * Math.exp(0.15 * gaussian(rng))));
  const top = Math.max(...week);
  return week.map((w) => w / top);
}

function logNormalDays(rng: Rng, median: number, sigma: number, low: number, high: number): number {
  return Math.round(Math.min(high, Math.max(low, median * Math.exp(sigma * gaussian(rng)))));
}

function quietPeriods(rng: Rng, total: number): Episode[] {
  const episodes: Episode[] = [];
  const meanGap = uniform(rng, 25, 90);
  let day = Math.round(uniform(rng, 5, meanGap));
  while (day < total) {
    const length = logNormalDays(rng, uniform(rng, 5, 16), 0.7, 2, 60);
    const depth = Math.min(0.7, Math.max(0.02, uniform(rng, 0.15, 0.8) ** 2));
    episodes.push({ start: day, length, depth, rampIn: Math.floor(uniform(rng, 0, 3)), rampOut: Math.floor(uniform(rng, 0, 2)), bump: 1 + Math.min(1, -0.25 * Math.log(1 - rng.next())) });
    day += length + logNormalDays(rng, meanGap, 0.6, 8, 240);
  }
  return episodes;
}

/** The multiplier a quiet period puts on a day: its depth, eased in and out over its ramps. */
function quietFactor(episode: Episode, offset: number): number {
  const fromStart = offset + 1;
  const toEnd = episode.length - offset;
  let share = 1;
  if (fromStart <= episode.rampIn) share = fromStart / (episode.rampIn + 1);
  if (toEnd <= episode.rampOut) share = Math.min(share, toEnd / (episode.rampOut + 1));
  return 1 - share * (1 - episode.depth);
}


export function generateStream(options: StreamOptions): HarnessStream {
  const rng = createRng(options.seed, options.index, 0xa0d17);
  const total = options.days;
  const week = jitteredWeek(rng);
  const base = Math.exp(uniform(rng, Math.log(2), Math.log(900)));
  const latentRho = uniform(rng, 0.2, 0.75);
  const latentSigma = uniform(rng, 0.04, 0.22);
  const trend = uniform(rng, -0.35, 0.45);
  const monthEnd = chance(rng, 0.3) ? uniform(rng, 1.1, 1.3) : 1;
  const episodes = chance(rng, 0.85) ? quietPeriods(rng, total) : [];
  const holidays = new Set(Array.from({ length: Math.round((total / 365) * uniform(rng, 0, 8)) }, () => Math.floor(uniform(rng, 0, total))));
  const change = chance(rng, 0.4) ? { day: Math.floor(uniform(rng, total * 0.3, total * 0.95)), factor: chance(rng, 0.5) ? uniform(rng, 0.45, 0.7) : uniform(rng, 1.5, 2.2) } : null;
  const firstDay = Math.floor(Date.UTC(2019, 0, 1) / DAY_MS) + Math.floor(uniform(rng, 0, 5 * 365));
  const hour = uniform(rng, 0, 22);
  const mix = { added: uniform(rng, -2.2, -0.4), updated: uniform(rng, -2.5, -0.8), drift: uniform(rng, 0.02, 0.12), quarantine: chance(rng, 0.5) ? uniform(rng, 0.0005, 0.01) : 0 };
  const cost = { overhead: uniform(rng, 300, 4000), perRecord: uniform(rng, 3, 40), sigma: uniform(rng, 0.06, 0.25) };
  const busiest = week.indexOf(1);
  const days: HarnessDay[] = [];
  let latent = 0;
  let addedLogit = mix.added;
  let updatedLogit = mix.updated;
  let slowness = 0;
  let lastEpisodeEnd = -1000;
  let backBusy = 0;
  for (let i = 0; i < total; i++) {
    const dayNumber = firstDay + i;
    const weekday = (((dayNumber + 4) % 7) + 7) % 7;
    const date = new Date(dayNumber * DAY_MS);
    const lastOfMonth = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
    const level = base * Math.exp((trend * i) / 365) * (change && i >= change.day ? change.factor : 1);
    const episodeIndex = episodes.findIndex((e) => i >= e.start && i < e.start + e.length);
    const episode = episodeIndex >= 0 ? episodes[episodeIndex]! : null;
    if (episode === null && episodes.some((e) => e.start + e.length === i)) {
      lastEpisodeEnd = i;
      backBusy = 0;
    }
    const busyWeekday = week[weekday]! >= 0.5;
    const backDay = episode === null && i - lastEpisodeEnd < 10 && busyWeekday && backBusy < 2 ? ++backBusy : 0;
    const bumpOf = episodes.find((e) => e.start + e.length === lastEpisodeEnd)?.bump ?? 1;
    latent = latentRho * latent + latentSigma * Math.sqrt(1 - latentRho * latentRho) * gaussian(rng);
    const quiet = episode ? quietFactor(episode, i - episode.start) : 1;
    const expected = level * week[weekday]! * quiet * (holidays.has(i) ? 0.25 : 1) * (backDay > 0 ? bumpOf : 1) * (date.getUTCDate() >= lastOfMonth - 1 ? monthEnd : 1);
    const exactMean = expected * Math.exp(latent - (latentSigma * latentSigma) / 2);
    const fetched = poisson(rng, exactMean);
    addedLogit += mix.drift * gaussian(rng) + 0.05 * (mix.added - addedLogit);
    updatedLogit += mix.drift * gaussian(rng) + 0.05 * (mix.updated - updatedLogit);
    const quarantined = binomial(rng, fetched, mix.quarantine);
    const added = binomial(rng, fetched - quarantined, logistic(addedLogit));
    const updated = binomial(rng, fetched - quarantined - added, logistic(updatedLogit));
    slowness = 0.6 * slowness + cost.sigma * 0.8 * gaussian(rng);
    const durationMs = Math.round((cost.overhead + cost.perRecord * fetched) * Math.exp(slowness));
    const startedAt = new Date(dayNumber * DAY_MS + (hour + uniform(rng, 0, 0.5)) * 3_600_000).toISOString();
    const run: HarnessRun = { startedAt, metrics: { fetched, added, updated, unchanged: fetched - quarantined - added - updated, quarantined, durationMs } };
    const nearStart = episodes.some((e) => Math.abs(i - e.start) <= 2);
    const nearEnd = episodes.some((e) => Math.abs(i - (e.start + e.length)) <= 2);
    days.push({
      run, weekday, state: episode ? 'quiet' : 'normal', expected, exactMean, busyExpected: level * week[busiest]!, busyWeekday,
      quietDay: episode ? i - episode.start + 1 : 0, backDay, sinceChange: change && i >= change.day && i - change.day < 7 ? i - change.day + 1 : 0,
      boundary: nearStart || nearEnd, holiday: holidays.has(i), broken: false, episode: episode ? episodeIndex : null, change: change && i >= change.day ? 0 : null,
    });
  }
  breakSomeDays(rng, days);
  return { id: `audit-${options.index}`, days, episodes: episodes.length };
}

/** About 1.5% of history days carry a broken run nobody reviewed: an outage, a duplicated page, a partial fetch. */
function breakSomeDays(rng: Rng, days: HarnessDay[]): void {
  for (const day of days) {
    if (!chance(rng, 0.015)) continue;
    const m = day.run.metrics;
    const factor = pick(rng, [0, 0.3, 3, 5]);
    const scale = (v: number): number => Math.round(v * factor);
    const fetchedParts = { added: scale(m.added), updated: scale(m.updated), unchanged: scale(m.unchanged), quarantined: scale(m.quarantined) };
    const fetched = fetchedParts.added + fetchedParts.updated + fetchedParts.unchanged + fetchedParts.quarantined;
    day.run = { startedAt: day.run.startedAt, metrics: { ...fetchedParts, fetched, durationMs: Math.round(m.durationMs * Math.max(0.2, factor)) } };
    day.broken = true;
  }
}
