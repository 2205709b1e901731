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

/** An instant in any ISO 8601 form, compared as UTC: the one rule for every time an API input filters by. */
export const instantSchema = z
  .string()
  .trim()
  .refine((text) => !Number.isNaN(parseInstant(text)), 'must be an ISO 8601 date or date and time')
  .transform((text) => new Date(parseInstant(text)).toISOString());
