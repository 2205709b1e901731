import { z } from 'zod';

/**
 * The milliseconds of an instant written as ISO 8601 (a calendar date, then optionally a time and
 * zone), or NaN. Date.parse alone is looser than its callers promise: it reads "1" as the year 2001
 * and "June 5" as some June 5th, so the calendar date must come first.
 */
export function parseInstant(text: string): number {
  const trimmed = text.trim();
  return /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
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

/** An instant in any ISO 8601 form, compared as UTC: the one rule for every time an API input filters by. */
export const instantSchema = z
  .string()
  .trim()
  .refine((text) => !Number.isNaN(parseInstant(text)), 'must be an ISO 8601 date or date and time')
  .transform((text) => new Date(parseInstant(text)).toISOString());
