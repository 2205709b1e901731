import { GatehouseError } from '../../../shared/errors.js';

export const DEFAULT_LOOKBACK_DAYS = 7;
export const MAX_LOOKBACK_DAYS = 90;
const DAY_MS = 86_400_000;

export interface LookbackWindow {
  from: Date;
  to: Date;
}

export function lookbackWindow(now: Date, lookbackDays: number): LookbackWindow {
  return { from: new Date(now.getTime() - lookbackDays * DAY_MS), to: now };
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

/** The Congress sitting on `now`'s calendar year: the 1st began in 1789, one every two years. */
export function currentCongress(now: Date): number {
  return Math.floor((now.getUTCFullYear() - 1789) / 2) + 1;
}

export function checkLookbackDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_LOOKBACK_DAYS) {
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
