import { pathToFileURL } from 'node:url';
import type { HistoryEntry } from '../../shared/validation.js';
import { HistoryModel } from '../../main/validation/index.js';
import { negativeBinomialSample, seededRandom, type Random } from '../../main/validation/historical/random.js';
import { answeredHelp, optionValue } from './options.js';

/**
 * A stream whose records arrive through the day and whose update runs come several times a day
 * (issue 10: a source polled every few hours): each run brings the records that arrived since the
 * run before it. `node dist/bench/validation/sub-daily.js [--seed=N] [--streams=N]` prints, per
 * cadence, the share of clean runs judged anomalous and the share of injected spikes, drops and
 * zeros caught. Not the audit world's model: its own, so a fix is not fitted to what is scored.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Busy weekdays, quiet weekends (Sunday first). */
const WEEK = [0.1, 0.9, 1.1, 1.2, 1.1, 0.8, 0.1];

export interface SubDailySpec {
  seed: number;
  /** First day, YYYY-MM-DD. */
  start: string;
  days: number;
  /** Records on an average busy weekday. */
  level: number;
  /** Runs on a day that has runs. */
  runsPerDay: number;
  /** Hours (±) a run's start wanders from its slot. */
  jitterHours?: number;
  /** Share of days with no run at all (the next run brings their records). */
  missedDays?: number;
  /** Hours (UTC) the day's records arrive between: a US working day by default. */
  arrivals?: { from: number; to: number };
  /** From this day (index) on, the runs come this many times a day instead (an operator changed the schedule). */
  cadenceChange?: { day: number; runsPerDay: number };
  /** Days (indices) with one more run `hours` after the day's first, as an operator's re-run. */
  reruns?: { days: readonly number[]; hours: number };
}

/**
 * A day's records (a negative-binomial count on the weekly shape), each arriving at a uniform time
 * inside the working hours, plus one in ten at any hour; the runs at their slots (evenly spread
 * from a random offset, each moved by up to `jitterHours`) fetch what arrived since the last run.
 */
export function subDailyStream(spec: SubDailySpec): HistoryEntry[] {
  const random = seededRandom(spec.seed);
  const first = Date.parse(`${spec.start}T00:00:00Z`);
  const arrivals: number[] = [];
  const runTimes: number[] = [];
  const offset = random() * (24 / spec.runsPerDay);
  for (let day = 0; day < spec.days; day++) {
    const dayStart = first + day * DAY_MS;
    const records = negativeBinomialSample(random, spec.level * WEEK[new Date(dayStart).getUTCDay()]!, 0.03);
    for (let r = 0; r < records; r++) arrivals.push(dayStart + arrivalHour(random, spec.arrivals ?? { from: 13, to: 23 }) * HOUR_MS);
    if (random() < (spec.missedDays ?? 0)) continue;
    const runsPerDay = spec.cadenceChange && day >= spec.cadenceChange.day ? spec.cadenceChange.runsPerDay : spec.runsPerDay;
    const dayRuns = runTimes.length;
    for (let slot = 0; slot < runsPerDay; slot++) {
      const hour = (offset % (24 / runsPerDay)) + (slot * 24) / runsPerDay + (2 * random() - 1) * (spec.jitterHours ?? 1);
      runTimes.push(dayStart + Math.min(23.99, Math.max(0, hour)) * HOUR_MS);
    }
    if (spec.reruns?.days.includes(day)) runTimes.push(runTimes[dayRuns]! + spec.reruns.hours * HOUR_MS);
  }
  arrivals.sort((a, b) => a - b);
  runTimes.sort((a, b) => a - b);
  let next = 0;
  return runTimes.map((time) => {
    const from = next;
    while (next < arrivals.length && arrivals[next]! <= time) next++;
    return entryOf(time, next - from);
  });
}

function arrivalHour(random: Random, hours: { from: number; to: number }): number {
  if (random() < 0.1) return 24 * random();
  return hours.from + (hours.to - hours.from) * random();
}

function entryOf(time: number, fetched: number): HistoryEntry {
  const added = Math.round(fetched * 0.3);
  const updated = Math.round(fetched * 0.2);
  return { startedAt: new Date(time).toISOString(), metrics: { fetched, added, updated, unchanged: fetched - added - updated, quarantined: 0, durationMs: 800 + 10 * fetched } };
}

/** The run with `fetched` records, split as the stream splits them, started when it started. */
export function withFetchedCount(entry: HistoryEntry, fetched: number): HistoryEntry {
  return entryOf(Date.parse(entry.startedAt), fetched);
}

export interface CadenceScore {
  clean: number;
  falseAlarms: number;
  injected: number;
  caught: number;
}

/**
 * Walks the stream judging every run before learning it (as the engine does); from `judgeFrom`
 * on, each run that brought at least `injectFrom` records is judged once more as a spike (five
 * times its count), a drop (a fifth) and a zero.
 */
export function scoreStream(entries: readonly HistoryEntry[], judgeFrom: number, injectFrom = 10): CadenceScore {
  const model = HistoryModel.empty();
  const score: CadenceScore = { clean: 0, falseAlarms: 0, injected: 0, caught: 0 };
  entries.forEach((entry, index) => {
    const result = model.judge(entry);
    if (index >= judgeFrom) {
      score.clean += 1;
      if (result.verdict === 'anomalous') score.falseAlarms += 1;
      const fetched = entry.metrics.fetched ?? 0;
      if (fetched >= injectFrom) {
        for (const injected of [5 * fetched, Math.floor(fetched / 5), 0]) {
          score.injected += 1;
          if (model.judge(withFetchedCount(entry, injected)).verdict === 'anomalous') score.caught += 1;
        }
      }
    }
    model.learn({ ...entry, verdict: result.verdict });
  });
  return score;
}

const USAGE = `Usage: node dist/bench/validation/sub-daily.js [--seed=7] [--streams=6]
  Per cadence (1, 2, 4, 24 runs a day): the share of clean runs judged anomalous and of injected spikes, drops and zeros caught.`;

function main(): void {
  const args = process.argv.slice(2);
  if (answeredHelp(args, USAGE, ['--seed', '--streams'])) return;
  const seed = Number(optionValue(args, 'seed') ?? 7);
  const streams = Number(optionValue(args, 'streams') ?? 6);
  for (const runsPerDay of [1, 2, 4, 24]) {
    const total: CadenceScore = { clean: 0, falseAlarms: 0, injected: 0, caught: 0 };
    for (let s = 0; s < streams; s++) {
      const days = runsPerDay === 24 ? 200 : 400;
      const entries = subDailyStream({ seed: seed * 1000 + s, start: '2024-01-01', days, level: [40, 120, 400][s % 3]!, runsPerDay, jitterHours: 1.5, missedDays: 0.03 });
      const score = scoreStream(entries, Math.floor(entries.length / 4));
      for (const key of Object.keys(total) as (keyof CadenceScore)[]) total[key] += score[key];
    }
    const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(2)}%`;
    console.log(`${runsPerDay}/day: false alarms ${total.falseAlarms}/${total.clean} (${pct(total.falseAlarms, total.clean)}), caught ${total.caught}/${total.injected} (${pct(total.caught, total.injected)})`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
