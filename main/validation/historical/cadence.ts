import { DAY_MS, weekdayOf } from './calendar.js';

/**
 * How often a stream runs, and when in the day its records arrive (issue 10: a source polled
 * several times a day). The walk's baseline counts records per day: a run of a daily stream
 * brings a day's records, and is judged as it always was. A run of a stream that runs several
 * times a day brings only the records that arrived since the run before it, so its expectation is
 * the day's scaled by its share of the day (`span`): with runs at night and in the working day,
 * the night runs were near-zero and the day runs bursts against one weekday expectation (own
 * generator, bench/validation/sub-daily.ts: 24–29 % of clean runs alarmed at 2, 4 and 24 runs a
 * day, against 3 % daily). The share is read from the hours of the day the records arrive in,
 * learnt from the runs themselves.
 */

const HOUR_MS = 3_600_000;
/** A stream whose typical gap between runs is shorter than this runs several times a day. */
const SUB_DAILY_GAP_MS = 20 * HOUR_MS;
/** The latest gaps the typical one is the median of. */
const GAP_WINDOW = 9;
/** The hours of the day (UTC) the share of a day's records is learnt for. */
const HOURS = 24;
/** Records the flat profile is worth (a young or low-count stream stays near it). */
const PROFILE_PRIOR_RECORDS = 24;
/** The profile forgets a record's hour over about two months. */
const PROFILE_HALF_LIFE_DAYS = 60;
/**
 * Days of runs the profile learns from before a sub-daily stream's runs teach the walk (see
 * `StreamWalk.learnHoursOnly`): on the first day the profile is flat, its night runs are expected
 * to bring a quarter of the day, and the runs of a busy stream taught a spread a hundred times the
 * real one that took months to forget (a 400-a-day stream's empty runs went unreported for most
 * of a year). Own generator (bench/validation/sub-daily.ts, seed 7), clean runs alarmed / injected
 * cases caught at 2, 4 and 24 runs a day: after 7 days 1.03 / 2.64 / 1.77 % and 95.1 / 93.6 /
 * 87.4 %; 14 days 0.98 / 0.77 / 1.01 % and 95.0 / 94.6 / 90.6 %; 28 days 1.12 / 0.81 / 1.10 %
 * and 95.3 / 92.2 / 90.0 % (daily streams: 3.03 %, 98.3 %, untouched).
 */
const PROFILE_SETTLED_DAYS = 14;
/** A gap longer than this is read as this long: no more days of records than this in one run. */
const LONGEST_SPAN_MS = 14 * DAY_MS;
/** A gap this many times the stream's typical one (and a day and a half at least) may follow missed runs (see `catchUp`). */
const CATCH_UP_GAP = 1.5;

/**
 * What a run covers: the share of each weekday's records it brings (a run of a daily stream: all
 * of its own day's, and nothing else) and the weekday most of them arrived on.
 */
export interface RunSpan {
  byWeekday: readonly number[];
  weekday: number;
  /** Whether the share is known well enough for the run to teach the spread (always, for a daily stream). */
  settled: boolean;
  /** All of one weekday's records and nothing else (a daily stream's run): what the walk reads most, kept to one weekday's arithmetic. */
  wholeDay: boolean;
  /** The run brings at most the records of one of the weekdays `byWeekday` names, not all of them (an unsettled run's most: see `span`). */
  oneOf?: boolean;
  /** The first run after missed ones: `byWeekday` counts the runs it stands for (see `RunCadence.catchUp`). */
  catchUp?: CatchUp;
}

/** What a catch-up run covers: the calendar days since the run before it, and when that run came. */
export interface CatchUp {
  days: number;
  since: number;
}

export class RunCadence {
  private readonly gaps = new Float64Array(GAP_WINDOW);
  private gapCount = 0;
  /** Worked out as each gap is learnt: the walk asks for every run. */
  private typicallySubDaily = false;
  private readonly hourRecords = new Float64Array(HOURS);
  private profileDay: number | null = null;
  private profileFirstDay: number | null = null;
  /** When the latest run a day or more after the one before it came, while the stream ran daily (see `dailyRunsDayBefore`). */
  private lastDailyRun: number | null = null;

  copy(): RunCadence {
    const twin = new RunCadence();
    twin.gaps.set(this.gaps);
    twin.gapCount = this.gapCount;
    twin.typicallySubDaily = this.typicallySubDaily;
    twin.hourRecords.set(this.hourRecords);
    twin.profileDay = this.profileDay;
    twin.profileFirstDay = this.profileFirstDay;
    twin.lastDailyRun = this.lastDailyRun;
    return twin;
  }

  /** Whether the stream's typical gap between runs is under SUB_DAILY_GAP_MS (no gap yet: a daily stream). */
  get subDaily(): boolean {
    return this.typicallySubDaily;
  }

  /**
   * Whether the median of the latest gaps is under SUB_DAILY_GAP_MS, without sorting them (the walk
   * asks on every run; a sort per run was a third of a cold judgement): the median is under it when
   * most gaps are, over it when most are not, and on an even split it is the mean of the longest
   * gap under it and the shortest one over it.
   */
  private medianGapIsSubDaily(): boolean {
    const count = Math.min(this.gapCount, GAP_WINDOW);
    let shorter = 0;
    let longestShort = Number.NEGATIVE_INFINITY;
    let shortestLong = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const gap = this.gaps[i]!;
      if (gap < SUB_DAILY_GAP_MS) {
        shorter += 1;
        longestShort = Math.max(longestShort, gap);
      } else shortestLong = Math.min(shortestLong, gap);
    }
    if (count === 0 || 2 * shorter !== count) return 2 * shorter > count;
    return (longestShort + shortestLong) / 2 < SUB_DAILY_GAP_MS;
  }

  /**
   * The run from `from` (the run before it) to `to`: for a daily stream (or the first run) the
   * run's own day, all of it; for a sub-daily one the share of each weekday's records the profile
   * puts in those hours, and the weekday holding most of them.
   */
  span(from: number, to: number, dayNumber: number): RunSpan {
    if (!Number.isFinite(from) || !(to > from)) return DAILY_SPAN[weekdayOf(dayNumber)]!;
    const settled = this.profileSettled;
    if (!this.subDaily && !settled) {
      // With no gap learnt yet there is no cadence to fall short of: a second run is read as
      // before. Read as of unknown share, a sub-daily stream's second run went unlearnt, and the
      // sub-daily bench (seed 7) moved: 4 runs a day 54 → 61 false alarms of 6,999, 24 a day 212 → 163.
      const short = this.gapCount > 0 && to - from < SUB_DAILY_GAP_MS;
      return (short ? UNKNOWN_SHARE_OF_DAY : DAILY_SPAN)[weekdayOf(dayNumber)]!;
    }
    const byWeekday = [0, 0, 0, 0, 0, 0, 0];
    this.eachHour(from, to, (hourStart, share) => {
      byWeekday[weekdayOf(Math.floor(hourStart / DAY_MS))]! += share;
    });
    let weekday = weekdayOf(dayNumber);
    for (let w = 0; w < 7; w++) if (byWeekday[w]! > byWeekday[weekday]!) weekday = w;
    if (settled) return { byWeekday, weekday, settled, wholeDay: false };
    // Hours not known yet: the run may bring anything from nothing to any day it touches, and a
    // stream that ran daily until now learnt each day's records on the day after if its runs came
    // before the working day (see `dailyRunsDayBefore`): the day after each is a candidate too. A
    // run within a day of the one before brings at most about one day's records.
    const touched = byWeekday.map((share) => share > 0);
    for (let w = 0; w < 7; w++) byWeekday[w] = touched[w] || touched[(w + 6) % 7] ? 1 : 0;
    return { byWeekday, weekday, settled, wholeDay: false, oneOf: to - from <= DAY_MS };
  }

  /**
   * The run of a stream that runs once a day or less, after runs it usually makes were missed
   * (machine off, source down, failed runs: issue 10), or null. Congress.gov is listed over a fixed
   * lookback window, so the first run after a gap classifies the changes of every missed day as
   * added or updated, and a file or feed delivered since the last run holds them all: a run after
   * two missed days brings up to three days' records, and was judged against one day's (own
   * generator, 90 daily runs then two missed: 5 of 5 such runs alarmed at three times a day's
   * volume). Its `byWeekday` counts the days in the gap the stream usually runs on (`runsOn`) and
   * its own, so a weekday feed's Monday after a Friday is no catch-up; the gap must also be at
   * least CATCH_UP_GAP times the stream's typical one, so a stream at irregular hours is judged as
   * before. Its expectation is the sum of those days'; the low side stays at one run's (see
   * `VolumeTrack.predict`): a source listed over a fixed window fetches no more records.
   */
  catchUp(from: number, to: number, dayNumber: number, runsOn: (weekday: number) => boolean): RunSpan | null {
    if (!Number.isFinite(from) || this.typicallySubDaily || !(to - from >= CATCH_UP_GAP * DAY_MS)) return null;
    const gaps = Array.from(this.gaps.subarray(0, Math.min(this.gapCount, GAP_WINDOW))).sort((a, b) => a - b);
    if (gaps.length === 0 || to - from < CATCH_UP_GAP * gaps[Math.floor(gaps.length / 2)]!) return null;
    const byWeekday = [0, 0, 0, 0, 0, 0, 0];
    const fromDay = Math.max(Math.floor(from / DAY_MS), dayNumber - LONGEST_SPAN_MS / DAY_MS);
    for (let day = fromDay + 1; day <= dayNumber; day++) if (day === dayNumber || runsOn(weekdayOf(day))) byWeekday[weekdayOf(day)]! += 1;
    if (byWeekday.reduce((sum, runs) => sum + runs, 0) < 2) return null;
    const catchUp = { days: dayNumber - Math.floor(from / DAY_MS), since: from };
    return { byWeekday, weekday: weekdayOf(dayNumber), settled: true, wholeDay: false, catchUp };
  }

  /**
   * Whether the hours of the day the records arrive in are known (two weeks of sub-daily runs:
   * PROFILE_SETTLED_DAYS). Once they are, every run's share of the day is read from them, a run a
   * day after the one before it too: a stream that goes back from several runs a day to one keeps
   * the weekdays its rates were learnt on (a daily run at 05:00 brings the day before's records).
   */
  private get profileSettled(): boolean {
    return this.profileFirstDay !== null && this.profileDay! - this.profileFirstDay >= PROFILE_SETTLED_DAYS;
  }

  /**
   * The share of a daily run's records that arrived on the day before it, by the hours of the day
   * they are now known to arrive in (at the hour of the stream's latest daily run; 0 when nothing
   * is known). A daily stream's rates are learnt on its runs' days (see DAILY_SPAN): a run at 05:00
   * brings almost all of the day before's records, one at 16:00 part of each. The walk unblends
   * its weekly shape by this when the stream starts running several times a day (see
   * `StreamWalk.rebaseWeekdays`).
   */
  dailyRunsDayBefore(): number {
    if (this.lastDailyRun === null || !this.profileSettled) return 0;
    const runDay = Math.floor(this.lastDailyRun / DAY_MS);
    let own = 0;
    let before = 0;
    this.eachHour(this.lastDailyRun - DAY_MS, this.lastDailyRun, (hourStart, share) => {
      if (Math.floor(hourStart / DAY_MS) === runDay) own += share;
      else before += share;
    });
    return own + before > 0 ? before / (own + before) : 0;
  }

  /**
   * Learns a run's gap and the hours its `records` arrived in: spread over the hours since the run
   * before it in proportion to the profile so far (one step of expectation–maximisation, so runs
   * at shifting hours sharpen it). `weight` as the baseline's (a doubtful run teaches less).
   */
  learn(from: number, to: number, records: number, weight: number): void {
    if (!Number.isFinite(from) || !(to > from)) return;
    this.gaps[this.gapCount % GAP_WINDOW] = to - from;
    this.gapCount += 1;
    if (!this.typicallySubDaily && to - from >= SUB_DAILY_GAP_MS) this.lastDailyRun = to;
    this.typicallySubDaily = this.medianGapIsSubDaily();
    // The hours are learnt while the stream runs several times a day: a daily run's records
    // spread over a whole day teach the profile nothing but inertia, and a stream polled daily for
    // months, then four times a day, read its new runs with that flat profile taken as settled
    // (own generator: 45 % of the new runs alarmed, 18 % with the daily runs left out).
    if (!this.typicallySubDaily || !(weight > 0) || records <= 0 || to - from >= 2 * DAY_MS) return;
    this.profileFirstDay ??= Math.floor(to / DAY_MS);
    this.ageProfile(Math.floor(to / DAY_MS));
    let total = 0;
    this.eachHour(from, to, (_, share) => (total += share));
    if (!(total > 0)) return;
    this.eachHour(from, to, (hourStart, share) => {
      this.hourRecords[hourOf(hourStart)]! += (weight * records * share) / total;
    });
  }

  private ageProfile(day: number): void {
    if (this.profileDay !== null && day > this.profileDay) {
      const factor = 2 ** (-(day - this.profileDay) / PROFILE_HALF_LIFE_DAYS);
      for (let h = 0; h < HOURS; h++) this.hourRecords[h]! *= factor;
    }
    if (this.profileDay === null || day > this.profileDay) this.profileDay = day;
  }

  /** Each clock hour the span (from, to] touches, with the share of a day's records the profile puts in the part it covers. */
  private eachHour(from: number, to: number, visit: (hourStart: number, share: number) => void): void {
    let total = PROFILE_PRIOR_RECORDS;
    for (let h = 0; h < HOURS; h++) total += this.hourRecords[h]!;
    const start = Math.max(from, to - LONGEST_SPAN_MS);
    for (let hourStart = Math.floor(start / HOUR_MS) * HOUR_MS; hourStart < to; hourStart += HOUR_MS) {
      const covered = Math.min(to, hourStart + HOUR_MS) - Math.max(start, hourStart);
      const hourShare = (this.hourRecords[hourOf(hourStart)]! + PROFILE_PRIOR_RECORDS / HOURS) / total;
      visit(hourStart, (hourShare * covered) / HOUR_MS);
    }
  }
}

/** A daily stream's run, by weekday: a whole day's records (shared, never changed). */
export const DAILY_SPAN: readonly RunSpan[] = Object.freeze([0, 1, 2, 3, 4, 5, 6].map((weekday) => Object.freeze({ byWeekday: Object.freeze([0, 1, 2, 3, 4, 5, 6].map((w) => (w === weekday ? 1 : 0))), weekday, settled: true, wholeDay: true })));

/**
 * A run of a stream read as daily that comes within SUB_DAILY_GAP_MS of the one before it, its
 * hours unknown: an operator's re-run an hour after the scheduled one, or the first runs of a
 * stream that now runs several times a day. It may bring anything from nothing to its day's
 * records, so it is not a drop, and it teaches nothing but the cadence (see `StreamWalk.advance`).
 */
const UNKNOWN_SHARE_OF_DAY: readonly RunSpan[] = Object.freeze(DAILY_SPAN.map((span) => Object.freeze({ ...span, settled: false })));

function hourOf(time: number): number {
  return Math.floor((time % DAY_MS) / HOUR_MS);
}
