/**
 * When Congress sits. Committee activity follows the congressional calendar: Tuesday to Thursday
 * are busy, weekends are quiet, and recesses (the August district work period, the winter
 * holidays, the weeks around Easter, Thanksgiving, July 4 ...) are weeks-long lows.
 *
 * The validator reads the calendar as a prior only (issue 10): `recessWeight` says how likely a
 * recess is on a day, starts or ends on it (the default calendar is an approximation, so a long
 * recess's dates are blurred by a few days), and each stream's own history confirms or rejects
 * it — a stream on its own schedule learns its quiet periods without it. Operators who know the
 * real schedule pass `calendarFromRecesses`. `info` still describes a day for the trials and the
 * synthetic generator.
 */

export const DAY_MS = 86_400_000;
/** A recess at least this long (calendar days) has a "first days back" and a blurred boundary. */
export const LONG_RECESS_DAYS = 5;
/** Days on either side of a long recess boundary where either season is plausible. */
export const BOUNDARY_TOLERANCE_DAYS = 3;
/** The first this-many session weekdays after a long recess can bring a catch-up burst. */
export const FIRST_DAYS_BACK = 2;

/** Inclusive range of day numbers (days since 1970-01-01, UTC). */
export interface DayRange {
  start: number;
  end: number;
}

export interface CongressCalendar {
  readonly name: string;
  /** The recess periods that start in `year` (a Dec–Jan recess may be split at New Year). */
  recessesStartingIn(year: number): readonly DayRange[];
}

export interface DayInfo {
  dayNumber: number;
  /** 0 = Sunday ... 6 = Saturday, of the UTC date. */
  weekday: number;
  recess: boolean;
  firstBack: boolean;
  nearBoundary: boolean;
  /**
   * Near which boundary the day sits: a recess about to start (or just started), one about to end
   * (or just ended), or both (a short session gap between recesses). Set only when `nearBoundary`.
   */
  boundarySide?: BoundarySide;
}

export type BoundarySide = 'start' | 'end' | 'both';

export interface CalendarPrior {
  /** 0–1: how surely the calendar puts this day in a recess. */
  weight: number;
  /** How likely a recess starts on this day. */
  start: number;
  /** How likely a recess ended the day before (this is the first day back). */
  end: number;
  /** Well inside a long recess, where a stream that follows the calendar is plainly quiet. */
  deepLongRecess: boolean;
  /** A long recess (not a one-day holiday) may cover, start or have ended on this day. */
  longRecess: boolean;
}

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export function dayNumberOf(iso: string): number {
  return Math.floor(Date.parse(iso) / DAY_MS);
}

function utcDay(year: number, monthIndex: number, date: number): number {
  return Math.floor(Date.UTC(year, monthIndex, date) / DAY_MS);
}

/** The n-th given weekday of a month (n = -1: the last one). */
function nthWeekday(year: number, monthIndex: number, weekday: number, n: number): number {
  if (n < 0) {
    const last = utcDay(year, monthIndex + 1, 0);
    return last - ((weekdayOf(last) - weekday + 7) % 7);
  }
  const first = utcDay(year, monthIndex, 1);
  return first + ((weekday - weekdayOf(first) + 7) % 7) + (n - 1) * 7;
}

export function weekdayOf(dayNumber: number): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** Easter Sunday (anonymous Gregorian algorithm): the spring recess moves with it. */
function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utcDay(year, month - 1, day);
}

/** Typical House/Senate district work periods and federal holidays, year after year. */
function typicalRecesses(year: number): DayRange[] {
  const easter = easterSunday(year);
  const presidentsDay = nthWeekday(year, 1, 1, 3);
  const memorialDay = nthWeekday(year, 4, 1, -1);
  const laborDay = nthWeekday(year, 8, 1, 1);
  const thanksgiving = nthWeekday(year, 10, 4, 4);
  const single = (day: number): DayRange => ({ start: day, end: day });
  return [
    { start: utcDay(year, 0, 1), end: utcDay(year, 0, 5) },
    single(nthWeekday(year, 0, 1, 3)),
    { start: presidentsDay, end: presidentsDay + 4 },
    { start: easter - 7, end: easter + 7 },
    { start: memorialDay, end: memorialDay + 4 },
    { start: utcDay(year, 5, 30), end: utcDay(year, 6, 7) },
    { start: utcDay(year, 7, 1), end: laborDay },
    single(nthWeekday(year, 9, 1, 2)),
    single(utcDay(year, 10, 11)),
    { start: thanksgiving - 3, end: thanksgiving + 3 },
    { start: utcDay(year, 11, 18), end: utcDay(year, 11, 31) },
  ];
}

export const approximateCongressCalendar: CongressCalendar = {
  name: 'approximate-us-congress',
  recessesStartingIn: typicalRecesses,
};

/** A calendar from the real published schedule: `[{start: '2025-08-04', end: '2025-09-05'}]`. */
export function calendarFromRecesses(name: string, recesses: readonly { start: string; end: string }[]): CongressCalendar {
  const ranges = recesses.map((r) => ({ start: dayNumberOf(`${r.start}T00:00:00Z`), end: dayNumberOf(`${r.end}T00:00:00Z`) }));
  return {
    name,
    recessesStartingIn: (year) => ranges.filter((r) => new Date(r.start * DAY_MS).getUTCFullYear() === year),
  };
}

/** Merged recess ranges around one year, so a Dec–Jan recess is one long period. */
function mergedRecesses(calendar: CongressCalendar, year: number): DayRange[] {
  const all = [year - 1, year, year + 1].flatMap((y) => calendar.recessesStartingIn(y)).sort((a, b) => a.start - b.start);
  const merged: DayRange[] = [];
  for (const range of all) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/** Memoized day lookups for one calendar: the model asks about the same ~1,100 days repeatedly. */
export class CalendarDays {
  private readonly rangesByYear = new Map<number, DayRange[]>();
  private readonly days = new Map<number, DayInfo>();
  private readonly priors = new Map<number, CalendarPrior>();

  constructor(readonly calendar: CongressCalendar) {}

  info(dayNumber: number): DayInfo {
    let info = this.days.get(dayNumber);
    if (!info) {
      info = this.describe(dayNumber);
      this.days.set(dayNumber, info);
    }
    return info;
  }

  /**
   * What the calendar expects of this day, as probabilities: in a recess, a recess starting, a
   * recess just over. A long recess's boundaries are blurred: its real dates are taken to be the
   * calendar's shifted by up to ±BOUNDARY_TOLERANCE_DAYS, each shift as likely; a short one (a
   * federal holiday) is exact. It is a prior, not a switch: the validator weighs it by how well
   * the stream's own history has followed the calendar.
   */
  recessWeight(dayNumber: number): CalendarPrior {
    let cached = this.priors.get(dayNumber);
    if (!cached) {
      cached = this.describePrior(dayNumber);
      this.priors.set(dayNumber, cached);
    }
    return cached;
  }

  private describePrior(dayNumber: number): CalendarPrior {
    const prior = { weight: 0, start: 0, end: 0, deepLongRecess: false, longRecess: false };
    const year = new Date(dayNumber * DAY_MS).getUTCFullYear();
    const span = 2 * BOUNDARY_TOLERANCE_DAYS + 1;
    for (const range of this.rangesOf(year)) {
      if (range.start - BOUNDARY_TOLERANCE_DAYS > dayNumber + 1 || range.end + BOUNDARY_TOLERANCE_DAYS + 1 < dayNumber) continue;
      if (!this.isLong(range)) {
        prior.weight += range.start <= dayNumber && dayNumber <= range.end ? 1 : 0;
        prior.start += range.start === dayNumber ? 1 : 0;
        prior.end += range.end + 1 === dayNumber ? 1 : 0;
        continue;
      }
      let inside = 0;
      for (let shift = -BOUNDARY_TOLERANCE_DAYS; shift <= BOUNDARY_TOLERANCE_DAYS; shift++) {
        if (range.start + shift <= dayNumber && dayNumber <= range.end + shift) inside++;
        if (range.start + shift === dayNumber) prior.start += 1 / span;
        if (range.end + shift + 1 === dayNumber) prior.end += 1 / span;
      }
      prior.weight += inside / span;
      prior.longRecess = true;
      if (inside === span) prior.deepLongRecess = true;
    }
    return { weight: Math.min(1, prior.weight), start: Math.min(1, prior.start), end: Math.min(1, prior.end), deepLongRecess: prior.deepLongRecess, longRecess: prior.longRecess };
  }

  private rangesOf(year: number): DayRange[] {
    let ranges = this.rangesByYear.get(year);
    if (!ranges) {
      ranges = mergedRecesses(this.calendar, year);
      this.rangesByYear.set(year, ranges);
    }
    return ranges;
  }

  private recessAt(dayNumber: number): DayRange | undefined {
    return this.rangesOf(new Date(dayNumber * DAY_MS).getUTCFullYear()).find((r) => r.start <= dayNumber && dayNumber <= r.end);
  }

  private isLong(range: DayRange | undefined): boolean {
    return range !== undefined && range.end - range.start + 1 >= LONG_RECESS_DAYS;
  }

  private describe(dayNumber: number): DayInfo {
    const weekday = weekdayOf(dayNumber);
    const recess = this.recessAt(dayNumber) !== undefined;
    const side = this.boundarySide(dayNumber, recess);
    const info: DayInfo = { dayNumber, weekday, recess, firstBack: !recess && this.isFirstBack(dayNumber), nearBoundary: side !== null };
    if (side) info.boundarySide = side;
    return info;
  }

  /** Session before a recess is its start; session after it, its end (whichever side the day is on). */
  private boundarySide(dayNumber: number, recess: boolean): BoundarySide | null {
    let start = false;
    let end = false;
    for (let offset = -BOUNDARY_TOLERANCE_DAYS; offset <= BOUNDARY_TOLERANCE_DAYS; offset++) {
      const other = this.recessAt(dayNumber + offset);
      if ((other !== undefined) === recess) continue;
      if (!this.isLong(recess ? this.recessAt(dayNumber) : other)) continue;
      // The season changes between the day and day+offset: into recess going forward is a start.
      if ((offset > 0) !== recess) start = true;
      else end = true;
    }
    if (start && end) return 'both';
    return start ? 'start' : end ? 'end' : null;
  }

  /** Walks back over session weekdays (weekends do not count) to the last recess. */
  private isFirstBack(dayNumber: number): boolean {
    if (isWeekend(weekdayOf(dayNumber))) return false;
    let sessionWeekdays = 0;
    for (let day = dayNumber - 1; day > dayNumber - 14; day--) {
      const range = this.recessAt(day);
      if (range) return this.isLong(range);
      if (!isWeekend(weekdayOf(day)) && ++sessionWeekdays >= FIRST_DAYS_BACK) return false;
    }
    return false;
  }
}

export function isWeekend(weekday: number): boolean {
  return weekday === 0 || weekday === 6;
}
