import * as z from 'zod';

const CALENDAR_START = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?)?/;
const TRAILING_ZONE = /(Z|[+-]\d{2}(?::?\d{2})?)$/i;
/**
 * The whole of what an instant may say: a date, a time, a zone. Past the date Date.parse falls back
 * to its legacy reader, which takes words and stray characters: "2025-03-05 junk" read as June 3rd,
 * "2025-03-05 Mar" as March 3rd, and "2025-03-05 (note)" as midnight in the machine's zone.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)? ?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function notIso(text: string): string {
  return `"${text}" is not an ISO 8601 date or date and time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][zone])`;
}

/**
 * Why `text` names no instant, or null when it does. Date.parse is looser than its callers promise:
 * it reads "1" as the year 2001 and "June 5" as some June 5th, so the calendar date must come first;
 * and it rolls an impossible day over into the next month ("2026-02-30" is March 2nd), so the
 * fields are checked against the calendar before it reads them.
 */
export function instantProblem(text: string): string | null {
  const trimmed = text.trim();
  const fields = CALENDAR_START.exec(trimmed);
  if (!fields) return notIso(trimmed);
  const [year, month, day, hour = 0, minute = 0, second = 0] = fields.slice(1).map((field) => (field === undefined ? undefined : Number(field))) as number[];
  if (month! < 1 || month! > 12) return `"${trimmed}" names month ${month}: months run from 01 to 12`;
  const lastDay = daysIn(year!, month!);
  if (day! < 1 || day! > lastDay) return `"${trimmed}" names day ${day} of ${MONTH_NAMES[month! - 1]} ${year}, which has ${lastDay} days`;
  if (hour > 23 || minute > 59 || second > 59) return `"${trimmed}" is not a time of day: hours run from 00 to 23, minutes and seconds from 00 to 59`;
  if (!ISO_INSTANT.test(trimmed)) return notIso(trimmed);
  const zone = fields[4] === undefined ? undefined : TRAILING_ZONE.exec(trimmed)?.[1];
  const offsetProblem = zone === undefined ? null : utcOffsetProblem(zone);
  if (offsetProblem !== null) return `"${trimmed}" ${offsetProblem}`;
  return Number.isNaN(Date.parse(trimmed)) ? notIso(trimmed) : null;
}

const CALENDAR_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Why `text` names no single day (YYYY-MM-DD), or null: the console's date fields take a day and
 * say what is wrong with one in the words the API uses for its since/until, not the browser's.
 */
export function dayProblem(text: string): string | null {
  const trimmed = text.trim();
  return instantProblem(trimmed) ?? (CALENDAR_DAY.test(trimmed) ? null : `"${trimmed}" is a date and time: give a day alone, YYYY-MM-DD`);
}

/** The zones in use run from UTC−12:00 to UTC+14:00 (Kiribati); an offset's minutes stop at 59. */
const MAX_UTC_OFFSET_MINUTES = 14 * 60;

/**
 * Why a zone designator (`Z`, `+05`, `-0530`, `+05:30`) names no real UTC offset, or null. Date reads
 * any offset up to ±23:59, so "10:00+23:00" was stored as 11:00 UTC the day before: a time of a
 * place that does not exist, most likely a mistyped or garbled zone, never a meeting's real start.
 */
export function utcOffsetProblem(zone: string): string | null {
  if (zone.toUpperCase() === 'Z') return null;
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
  if (minutes > 59) return `has the UTC offset ${zone}, whose minutes are past 59`;
  if (hours * 60 + minutes > MAX_UTC_OFFSET_MINUTES) return `has the UTC offset ${zone}, beyond the ±14:00 of any time zone`;
  return null;
}

/**
 * The milliseconds of an instant written as ISO 8601 (a calendar date, then optionally a time and
 * zone), or NaN. A date and time without a zone is UTC, as a date alone already is and as the
 * console shows every time: Date.parse read it in the machine's zone, so `since 2026-03-01T10:00`
 * listed other runs on a server in New York than on one in Tokyo.
 */
export function parseInstant(text: string): number {
  return instantProblem(text) === null ? Date.parse(zonelessAsUtc(text)) : Number.NaN;
}

const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/**
 * A run's start as the validator reads it: a date and time written without a zone is UTC, as a
 * date alone already is. Date.parse reads such a time in the machine's zone, so the same
 * `validate` input judged a run on another weekday (and gave another verdict) depending on TZ.
 */
export function zonelessAsUtc(text: string): string {
  const trimmed = text.trim();
  return ZONELESS_DATE_TIME.test(trimmed) ? `${trimmed}Z` : trimmed;
}

/** Refuses text that names no instant, with the reason (the one check behind every instant the CLI and API take). */
export function refineInstant(text: string, context: z.core.$RefinementCtx<string>): void {
  const problem = instantProblem(text);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem, input: text });
}

/**
 * An instant in any ISO 8601 form, compared as UTC (a date, or a date and time without a zone, is
 * read as UTC): the one rule for every time an API input filters by, and the CLI options that take them.
 */
export const instantSchema = z
  .string()
  .trim()
  .superRefine(refineInstant)
  .transform((text) => new Date(parseInstant(text)).toISOString());
