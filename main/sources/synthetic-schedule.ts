import { chance, intBetween, randomFor, weightedPick, type Random } from './random.js';

const DAY_MS = 86_400_000;
const SCHEDULE_SALT = 0x5c4ed;

/** Mean meetings per day, Sunday first: committees meet Tuesday to Thursday, rarely on weekends. */
const MEAN_MEETINGS_BY_WEEKDAY = [0.03, 6, 26, 30, 24, 5, 0.03] as const;

/**
 * The calendar wraps after two years (104 whole weeks, so weekdays stay aligned) and then fills
 * the same days again: a 100k-record run keeps dates inside one plausible window instead of
 * running decades into the future, where date-range rules would reject them.
 */
const HORIZON_DAYS = 104 * 7;

const START_TIMES_ET: readonly (readonly [string, number])[] = [
  ['09:30', 8],
  ['10:00', 40],
  ['10:15', 6],
  ['10:30', 10],
  ['11:00', 6],
  ['13:30', 4],
  ['14:00', 18],
  ['14:30', 8],
  ['15:00', 6],
  ['15:30', 3],
];

export const DEFAULT_START = '2025-01-06';

/** Meeting start instants in schedule order: slot k always belongs to the k-th record of a seed. */
export function* meetingSlots(seed: number, start: string): Generator<Date> {
  const random = randomFor(seed, SCHEDULE_SALT);
  const startMs = Date.parse(`${start}T00:00:00Z`);
  for (let day = 0; ; day++) {
    const dayMs = startMs + (day % HORIZON_DAYS) * DAY_MS;
    const times = dailyStartTimes(random, new Date(dayMs));
    for (const time of times) yield easternToUtc(new Date(dayMs), time);
  }
}

function dailyStartTimes(random: Random, day: Date): string[] {
  const mean = (MEAN_MEETINGS_BY_WEEKDAY[day.getUTCDay()] ?? 0) * recessFactor(day);
  const count = mean < 1 ? (chance(random, mean) ? 1 : 0) : intBetween(random, Math.round(mean * 0.6), Math.round(mean * 1.4));
  const times = Array.from({ length: count }, () => weightedPick(random, START_TIMES_ET));
  return times.sort();
}

/** August district work period and the winter holidays are nearly empty, as on the real calendar. */
function recessFactor(day: Date): number {
  const month = day.getUTCMonth() + 1;
  const date = day.getUTCDate();
  if (month === 8) return 0.1;
  if ((month === 12 && date >= 20) || (month === 1 && date <= 2)) return 0.05;
  return 1;
}

/** `day` is a UTC-midnight calendar date; `time` is HH:MM Washington wall-clock time. */
export function easternToUtc(day: Date, time: string): Date {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const offsetHours = isEasternDaylightTime(day) ? 4 : 5;
  return new Date(day.getTime() + ((hours + offsetHours) * 60 + minutes) * 60_000);
}

/** US rule since 2007: second Sunday of March to first Sunday of November (meetings are after 2 a.m.). */
function isEasternDaylightTime(day: Date): boolean {
  const year = day.getUTCFullYear();
  const begins = nthSunday(year, 2, 2);
  const ends = nthSunday(year, 10, 1);
  return day.getTime() >= begins && day.getTime() < ends;
}

function nthSunday(year: number, monthIndex: number, n: number): number {
  const first = new Date(Date.UTC(year, monthIndex, 1));
  const firstSunday = 1 + ((7 - first.getUTCDay()) % 7);
  return Date.UTC(year, monthIndex, firstSunday + (n - 1) * 7);
}

/** Congress number for a calendar year: the 119th Congress sits in 2025–2026. */
export function congressForDate(date: Date): number {
  return Math.floor((date.getUTCFullYear() - 1789) / 2) + 1;
}
