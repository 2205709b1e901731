export function percent(share: number | null, digits = 1): string {
  return share === null ? '—' : `${(share * 100).toFixed(digits)} %`;
}

import { formatCount as count } from '../../shared/plural.js';

export { count };

export function when(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace('T', ' ');
}

/** The time of day (UTC, as `when` shows dates): `16:42:10`. */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(11, 19);
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1_000;
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function flagValueText(value: boolean | number | string | null): string {
  if (value === null) return '—';
  if (value === true) return 'on';
  if (value === false) return 'off';
  return typeof value === 'number' ? count(value) : value;
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/**
 * A size for people: `512 B`, `3.46 KB`, `150 MB`, `1.22 GB`. Binary multiples (1 KB = 1,024 B), as
 * `du -h` counts; a unit steps up at 1,000 so no size reads with four digits.
 */
export function bytes(value: number | null): string {
  if (value === null || !Number.isFinite(value) || value < 0) return '—';
  if (value < 1_000) return `${Math.round(value)} B`;
  let exponent = 1;
  while (exponent < BYTE_UNITS.length && value / 1_024 ** exponent >= 1_000) exponent++;
  const size = value / 1_024 ** exponent;
  return `${size.toFixed(size >= 100 ? 0 : size >= 10 ? 1 : 2)} ${BYTE_UNITS[exponent - 1]}`;
}


export { CLEAN_RUNS_FLAGGED, INJECTED_CAUGHT, intervalText, rateWithN, trialRateOf } from '../../shared/intervals.js';

/** What to type for a staging target the API labels: a SQLite path as it is, "schema NAME" on PostgreSQL as NAME. */
export function stagingInputOf(label: string): string {
  return label.replace(/^schema /, '');
}
