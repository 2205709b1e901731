import type { RunMetrics } from '../../../shared/run.js';
import { asRunMetrics, calendarDay, injectRunAnomaly, jitteredCalendar, type RunAnomalyKind } from '../../../main/validation/index.js';
import { betaSample, binomialSample, negativeBinomialSample, seedFrom, seededRandom, standardNormal, type Random } from '../../../main/validation/historical/random.js';
import type { HarnessWorld } from '../audit/harness.js';
import type { AuditKind } from '../audit/inject.js';
import type { Rng } from '../audit/rng.js';
import type { AuditDay, AuditRun, AuditStream, StreamOptions } from '../audit/world.js';

/**
 * The development world: what the validator is tuned on. It is the issue 5 harness's world
 * (negative-binomial days, the congressional weekly shapes, the calendar jittered a few days,
 * the same injection code as trials) widened to what issue 10 asks the validator to survive —
 * streams that keep their own quiet periods on arbitrary dates (source outages, committees on
 * their own schedule), low-count streams, lasting changes of level — and measured by the same
 * yardstick as the audit (audit/harness.ts), never by the audit's world.
 */

type StreamKind = 'calendar' | 'own-schedule' | 'low-count' | 'calendar-with-outages';
const KINDS: readonly StreamKind[] = ['calendar', 'own-schedule', 'low-count', 'calendar-with-outages'];
const CONGRESS_WEEK = [0.05, 0.7, 1.25, 1.35, 1.2, 0.6, 0.04] as const;
const SEVEN_DAY_WEEK = [0.7, 1, 1.1, 1.1, 1.05, 0.95, 0.6] as const;
const DAY_MS = 86_400_000;

interface Stretch {
  start: number;
  length: number;
  depth: number;
  bump: number;
}

function ownSchedule(random: Random, days: number, outages: boolean): Stretch[] {
  const stretches: Stretch[] = [];
  for (let day = Math.floor(random() * 40); day < days; ) {
    const length = outages ? 2 + Math.floor(random() * 5) : 3 + Math.floor(random() * 33);
    stretches.push({ start: day, length, depth: outages ? random() * 0.2 : 0.05 + random() * 0.55, bump: 1 + random() * 0.5 });
    day += length + (outages ? 60 + Math.floor(random() * 120) : 15 + Math.floor(random() * 90));
  }
  return stretches;
}

export function generateDevelopmentStream(options: StreamOptions): AuditStream {
  const random = seededRandom(seedFrom(options.seed, options.index, 0xdef));
  const kind = KINDS[options.index % KINDS.length]!;
  const meanPerDay = kind === 'low-count' ? 2 + random() * 8 : Math.exp(Math.log(10) + random() * Math.log(60));
  const phi = 0.03 + random() * 0.09;
  const shape = kind === 'own-schedule' && random() < 0.5 ? SEVEN_DAY_WEEK : CONGRESS_WEEK;
  const follows = kind === 'calendar' || kind === 'calendar-with-outages';
  const calendar = jitteredCalendar(options.seed + options.index, 2);
  const stretches = kind === 'calendar' ? [] : ownSchedule(random, options.days, kind === 'calendar-with-outages');
  const recessRatio = 0.3 + random() * 0.15;
  const trend = (random() - 0.4) * 0.5;
  const change = random() < 0.3 ? { day: Math.floor(options.days * (0.3 + random() * 0.65)), factor: random() < 0.5 ? 0.5 : 2 } : null;
  const start = Math.floor(Date.UTC(2021, 0, 4) / DAY_MS) + Math.floor(random() * 900);
  const shares = { added: 0.15 + random() * 0.25, updated: 0.1 + random() * 0.2, quarantine: random() < 0.5 ? 0.004 : 0 };
  const cost = { overhead: 500 + random() * 2500, perRecord: 5 + random() * 25 };
  const busyShape = Math.max(...shape);
  const isoOf = (i: number): string => new Date((start + i) * DAY_MS + 7 * 3_600_000).toISOString();
  const infos = Array.from({ length: options.days }, (_, i) => calendarDay(isoOf(i), calendar));
  const holidayAt = (i: number): boolean => follows && infos[i]!.recess && !(infos[i - 1]?.recess ?? false) && !(infos[i + 1]?.recess ?? false);
  const stretchAt = (i: number): Stretch | undefined => stretches.find((s) => i >= s.start && i < s.start + s.length);
  const quietAt = (i: number): boolean => i >= 0 && i < options.days && (stretchAt(i) !== undefined || (follows && infos[i]!.recess && !holidayAt(i)));
  const days: AuditDay[] = [];
  let quietRun = 0;
  let sinceQuiet = 1000;
  let backBusy = 0;
  let lastBump = 1;
  for (let i = 0; i < options.days; i++) {
    const weekday = infos[i]!.weekday;
    const stretch = stretchAt(i);
    const quiet = quietAt(i);
    const holiday = holidayAt(i);
    quietRun = quiet ? quietRun + 1 : 0;
    if (quiet) {
      sinceQuiet = 0;
      backBusy = 0;
      lastBump = stretch?.bump ?? 1.3;
    } else sinceQuiet++;
    const busyWeekday = shape[weekday]! >= 0.5 * busyShape;
    const backDay = !quiet && sinceQuiet < 10 && busyWeekday && backBusy < 2 ? ++backBusy : 0;
    const level = (meanPerDay / (busyShape * 0.7)) * Math.exp((trend * i) / 365) * (change && i >= change.day ? change.factor : 1);
    const season = stretch ? stretch.depth : quiet || holiday ? recessRatio : 1;
    const expected = level * shape[weekday]! * season * (backDay > 0 ? lastBump : 1);
    const run = { startedAt: isoOf(i), metrics: runMetrics(random, expected, phi, shares, cost) };
    days.push({
      run, weekday, state: quiet ? 'quiet' : 'normal', expected, busyExpected: level * busyShape, busyWeekday, quietDay: quietRun, backDay,
      sinceChange: change && i >= change.day && i - change.day < 7 ? i - change.day + 1 : 0,
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

function contaminate(random: Random, days: AuditDay[]): void {
  for (const day of days) {
    if (random() >= 0.012) continue;
    const kind = CONTAMINATION[Math.floor(random() * CONTAMINATION.length)]!;
    day.run = { startedAt: day.run.startedAt, metrics: { ...injectRunAnomaly(day.run.metrics, { kind }) } };
    day.broken = true;
  }
}

const INJECTED: Record<Exclude<AuditKind, 'shift-down' | 'shift-up'>, RunAnomalyKind> = {
  spike: 'spike', drop: 'drop', zero: 'zero-volume', burst: 'weekend-burst', 'all-new': 'mix-shift', stale: 'stale-source', quarantine: 'quarantine-surge', slow: 'duration-blowup',
};

/** The development world injects with the validator's own injection code (the trials' too). */
export const DEVELOPMENT_WORLD: HarnessWorld = {
  generate: generateDevelopmentStream,
  inject: (_rng: Rng, kind, run: AuditRun, busy: AuditRun) => ({
    startedAt: run.startedAt,
    metrics: { ...injectRunAnomaly(run.metrics, { kind: INJECTED[kind] }, { busyDay: asRunMetrics(busy.metrics) }) },
  }),
  // The injection code scales the whole duration with the volume; a lasting shift of volume leaves the fixed part of a run's time alone.
  scale: (metrics, factor) => ({ ...injectRunAnomaly(metrics, { kind: 'level-shift', magnitude: factor }), durationMs: Math.round(metrics.durationMs * (1 / 3 + (2 / 3) * factor)) }),
};
