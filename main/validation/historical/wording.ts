import { WEEKDAY_NAMES, isWeekend, type DayInfo } from './calendar.js';

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

/** "a session Tuesday", "a Tuesday in recess", "a Saturday", ... as the band applies to it. */
export function dayPhrase(info: DayInfo): string {
  const weekday = WEEKDAY_NAMES[info.weekday] ?? 'day';
  if (info.nearBoundary) return `a ${weekday} near a recess boundary`;
  if (info.recess) return `a ${weekday} in recess`;
  if (info.firstBack) return `a ${weekday} among the first days back from recess`;
  return isWeekend(info.weekday) ? `a ${weekday}` : `a session ${weekday}`;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
