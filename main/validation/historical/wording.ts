import type { AssumedState } from '../../../shared/validation.js';
import { WEEKDAY_NAMES } from './calendar.js';

/** What each volume metric counts, as a person would say it ("added 3 new records"). */
const VOLUME_VERBS: Record<string, string> = {
  fetched: 'fetched',
  added: 'added',
  updated: 'updated',
};

export function countPhrase(metric: string, count: number): string {
  const noun = metric === 'added' ? (count === 1 ? 'new record' : 'new records') : count === 1 ? 'record' : 'records';
  return `${VOLUME_VERBS[metric] ?? metric} ${formatCount(count)} ${noun}`;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatRange(low: number, high: number): string {
  return low === high ? formatCount(low) : `${formatCount(low)}–${formatCount(high)}`;
}

export function formatPercent(share: number): string {
  const percent = share * 100;
  return `${percent < 10 && percent > 0 ? percent.toFixed(1) : Math.round(percent)}%`;
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000).toLocaleString('en-US')} s`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * "12 Aug" (UTC), as the messages name the day a state or a change began; "18 Dec 2023" when that
 * day is not in the year of the run judged (`run`), so a date across New Year or from a long
 * history is not read as this year's.
 */
export function shortDate(iso: string, run: string): string {
  const date = new Date(iso);
  const day = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
  return date.getUTCFullYear() === new Date(run).getUTCFullYear() ? day : `${day} ${date.getUTCFullYear()}`;
}

/** "this run covers 3 days since the last run on 2 Apr": a catch-up after missed runs (see `RunCadence.catchUp`) of the run started at `run`. */
export function catchUpPhrase(catchUp: { days: number; since: number }, run: string): string {
  return `this run covers ${catchUp.days} days since the last run on ${shortDate(new Date(catchUp.since).toISOString(), run)}`;
}

/** "a Tuesday", "a Tuesday in a quiet period since 12 Aug", ... as the band applies to it. */
export function dayPhrase(weekday: number, state: AssumedState): string {
  const day = `a ${WEEKDAY_NAMES[weekday] ?? 'day'}`;
  return state.regime === 'normal' || state.regime === 'young' ? day : `${day} in ${state.description}`;
}

const VOLUME_ADVICE: Record<string, string> = {
  'near-zero-volume': 'check the source for a failed fetch, an expired key or an empty page before trusting this run',
  'below-seasonal-range': 'check whether the source dropped committees, pages or a chamber',
  'above-seasonal-range': 'check for duplicates, a widened lookback window or a re-sent backlog before accepting',
  'quiet-day-burst': 'check for a replay, a backfill or a misfiring schedule before accepting',
  'level-shift': 'confirm the source changed, or mark it expected and the validator takes it as the new level',
};

export function volumeAdvice(rule: string): string {
  return VOLUME_ADVICE[rule] ?? 'review this run';
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
