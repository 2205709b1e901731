import { GatehouseError } from '../../../shared/errors.js';
import { lookbackDaysSchema, MAX_LOOKBACK_DAYS } from '../../../shared/lookback.js';
import type { SourceWindow } from '../../../shared/run.js';

export { DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS } from '../../../shared/lookback.js';
const DAY_MS = 86_400_000;

export interface LookbackWindow {
  from: Date;
  to: Date;
}

export function lookbackWindow(now: Date, lookbackDays: number): LookbackWindow {
  return { from: new Date(now.getTime() - lookbackDays * DAY_MS), to: now };
}

/** A new run's window reached back to where the task's last covered run's ended, and what even the cap leaves out. */
export interface CatchUp {
  window: LookbackWindow;
  /** The updates no run listed and this one cannot (older than MAX_LOOKBACK_DAYS); null when none. */
  uncovered: LookbackWindow | null;
}

/**
 * How much of the last covered window a catch-up lists again: an update Congress.gov dates just
 * before that window ended but shows only later (its clock apart from ours, a feed that lags) would
 * otherwise fall between two runs. A meeting listed again that did not change is classified unchanged.
 */
export const CATCH_UP_OVERLAP_MS = 3_600_000;

/**
 * The lookback counts from now, so runs missed for longer than it (a machine off over a holiday, a
 * source down) leave days no run lists. A run reaches back to `coveredUntil` less the overlap, but
 * never past MAX_LOOKBACK_DAYS: the hourly request quota bounds how much one run can list.
 */
export function catchUpWindow(now: Date, lookbackDays: number, coveredUntil: Date): CatchUp {
  const plain = lookbackWindow(now, lookbackDays);
  const reachFrom = coveredUntil.getTime() - CATCH_UP_OVERLAP_MS;
  if (reachFrom >= plain.from.getTime()) return { window: plain, uncovered: null };
  const cap = catchUpHorizon(now);
  if (coveredUntil.getTime() >= cap.getTime()) return { window: { from: new Date(Math.max(reachFrom, cap.getTime())), to: now }, uncovered: null };
  return { window: { from: cap, to: now }, uncovered: { from: coveredUntil, to: cap } };
}

/**
 * The window of a run that follows one which has just listed up to `coveredUntil`: from there less
 * the overlap, not the whole lookback again (all of which that run listed moments ago). Older than
 * the lookback, it is a catch-up.
 */
export function continuationWindow(now: Date, lookbackDays: number, coveredUntil: Date): CatchUp {
  const reachFrom = Math.min(now.getTime(), coveredUntil.getTime() - CATCH_UP_OVERLAP_MS);
  if (reachFrom < lookbackWindow(now, lookbackDays).from.getTime()) return catchUpWindow(now, lookbackDays, coveredUntil);
  return { window: { from: new Date(reachFrom), to: now }, uncovered: null };
}

/** The furthest back a run at `now` reaches, however long ago its task's last covering run ended. */
export function catchUpHorizon(now: Date): Date {
  return lookbackWindow(now, MAX_LOOKBACK_DAYS).from;
}

/** The last moment a run can still reach back to `coveredUntil` (the inverse of catchUpHorizon). */
export function lastCatchUpFor(coveredUntil: Date): Date {
  return new Date(coveredUntil.getTime() + MAX_LOOKBACK_DAYS * DAY_MS);
}

/** A window a run recorded, read; null for one missing or unreadable (text that is not an instant, from after to). */
export function recordedWindow(recorded: SourceWindow | null | undefined): LookbackWindow | null {
  if (!recorded || typeof recorded.from !== 'string' || typeof recorded.to !== 'string') return null;
  const from = new Date(recorded.from);
  const to = new Date(recorded.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from.getTime() > to.getTime()) return null;
  return { from, to };
}

/** The Congresses a run recorded listing, oldest first: `congresses`, or the one `congress` of a run recorded before them; none when it names none. */
export function recordedCongresses(recorded: SourceWindow): readonly number[] {
  if (Array.isArray(recorded.congresses) && recorded.congresses.length > 0) return recorded.congresses;
  return typeof recorded.congress === 'number' ? [recorded.congress] : [];
}

/**
 * True when the run listed every Congress that sat during its recorded window: only then did it list
 * every meeting updated in it, and cover it for a task's catch-up. A `--congress` run of another
 * Congress, or one across 3 January that listed only one of the two, left the others' meetings
 * unlisted; a window that names no Congress, or cannot be read, proves nothing.
 */
export function listedEveryCongressSitting(recorded: SourceWindow): boolean {
  const window = recordedWindow(recorded);
  if (!window) return false;
  const listed = recordedCongresses(recorded);
  return congressesSitting(window).every((congress) => listed.includes(congress));
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ`, the only form Congress.gov honours: with milliseconds the filter is
 * silently ignored and the feed answers 0 rows.
 */
export function congressDateTime(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** True when `updateDate` falls inside the window; an unreadable date is given the benefit of the doubt. */
export function updatedInside(window: LookbackWindow, updateDate: unknown): boolean {
  if (typeof updateDate !== 'string') return true;
  const at = Date.parse(updateDate);
  if (Number.isNaN(at)) return true;
  return at >= window.from.getTime() && at <= window.to.getTime();
}

/**
 * The Congress sitting at `now`. Since the 20th Amendment (the 74th Congress, 1935) a Congress
 * begins at noon Eastern Time on 3 January of an odd year, so from 1 January until that noon the
 * previous one still sits; before 1935 Congresses began in March and the calendar year is kept.
 */
export function currentCongress(now: Date): number {
  const year = now.getUTCFullYear();
  const byYear = Math.floor((year - 1789) / 2) + 1;
  const beforeItsFirstNoon = year >= 1935 && year % 2 === 1 && now.getTime() < noonEastern(year, 0, 3).getTime();
  return beforeItsFirstNoon ? byYear - 1 : byYear;
}

/**
 * The Congresses that sat at some time in the window, oldest first: a lookback across 3 January of
 * an odd year spans two (the maximum lookback is far shorter than a Congress).
 */
export function congressesSitting(window: LookbackWindow): number[] {
  const congresses: number[] = [];
  for (let congress = currentCongress(window.from); congress <= currentCongress(window.to); congress++) congresses.push(congress);
  return congresses;
}

const EASTERN_OFFSET = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' });

/** Noon in Washington on that day (month from 0), as an instant: 17:00 UTC under EST, 16:00 under EDT. */
export function noonEastern(year: number, month: number, day: number): Date {
  const noonUtc = Date.UTC(year, month, day, 12);
  // Clocks change at 2 a.m. local, so the offset at noon UTC is the one at noon Eastern the same day.
  return new Date(noonUtc - easternOffsetMinutes(new Date(noonUtc)) * 60_000);
}

/** Washington's offset from UTC at `instant` in minutes (-300 under EST), read from the time-zone database. */
function easternOffsetMinutes(instant: Date): number {
  const name = EASTERN_OFFSET.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? '';
  const offset = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(name);
  if (!offset) throw new Error(`cannot read the offset of America/New_York from "${name}"`);
  const minutes = Number(offset[2] ?? 0) * 60 + Number(offset[3] ?? 0);
  return offset[1] === '-' ? -minutes : minutes;
}

export function checkLookbackDays(days: number): number {
  if (!lookbackDaysSchema.safeParse(days).success) {
    throw new GatehouseError('USAGE', `lookback days must be a whole number from 1 to ${MAX_LOOKBACK_DAYS}, got ${days}`);
  }
  return days;
}

export function checkCongress(congress: number, now: Date): number {
  const latest = currentCongress(now) + 1;
  if (!Number.isInteger(congress) || congress < 1 || congress > latest) {
    throw new GatehouseError('USAGE', `congress must be a whole number from 1 to ${latest}, got ${congress}`);
  }
  return congress;
}
