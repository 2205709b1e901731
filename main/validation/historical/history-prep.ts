import type { HistoryEntry } from '../../../shared/validation.js';
import { DAY_MS } from './calendar.js';
import { daysInMonth, digitsAt } from '../ascii-digits.js';

/**
 * What of a history may train the validator for one judged run (issue 10 item 4):
 * - a `confirmed` anomaly was really wrong: it leaves the history;
 * - a trial run (staging) never trains the judgement of a production run;
 * - an anomalous run nobody reviewed yet may be a broken source: it teaches a quarter of what a
 *   clean run teaches, until someone says `expected` (full weight, and the model re-baselines on
 *   it) or `confirmed` (out);
 * - an entry's own `weight`, when the caller gives one, scales all of that; a run of weight 0
 *   may teach nothing, so it leaves the history like a confirmed anomaly (kept, it counted as a
 *   run the walk had learnt from: 21 of them and the walk judged against its untaught prior, and
 *   called a steady stream of 100 anomalous where "a Monday usually brings about 2").
 * The input order is not trusted (stores may page newest first).
 */

export const UNREVIEWED_ANOMALY_WEIGHT = 0.25;

export interface TrainingRun {
  entry: HistoryEntry;
  time: number;
  /** 0–1: how much this run may move the baseline. */
  weight: number;
  expected: boolean;
}

export function trainingWeight(entry: HistoryEntry): number {
  const own = entry.weight ?? 1;
  return entry.verdict === 'anomalous' && !entry.review ? own * UNREVIEWED_ANOMALY_WEIGHT : own;
}

export function trainsFor(entry: HistoryEntry, current?: HistoryEntry): boolean {
  if (entry.review === 'confirmed' || entry.weight === 0) return false;
  return entry.origin !== 'trial' || current?.origin === 'trial';
}

/** The training runs for judging `current` (or for walking the history, without one), in time order. */
export function trainingRuns(history: readonly HistoryEntry[], current?: HistoryEntry): TrainingRun[] {
  const runs: TrainingRun[] = [];
  for (const entry of history) {
    if (!trainsFor(entry, current)) continue;
    runs.push({ entry, time: runTime(entry.startedAt), weight: trainingWeight(entry), expected: entry.review === 'expected' });
  }
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.time < runs[i - 1]!.time) return runs.sort((a, b) => a.time - b.time);
  }
  return runs;
}


/**
 * `Date.parse` of a run's start, read directly when it has the form every store and the engine
 * write (`2025-03-04T06:15:00.000Z`, milliseconds optional): a cold judgement parses the whole
 * history, and the built-in parser costs about as much as a tenth of the walk. Anything else,
 * or any field out of range, is left to `Date.parse`, so the result is always the same.
 */
export function runTime(startedAt: string): number {
  const length = startedAt.length;
  if ((length !== 24 && length !== 20) || startedAt.charCodeAt(length - 1) !== 90 /* Z */) return Date.parse(startedAt);
  const separators = startedAt[4] === '-' && startedAt[7] === '-' && startedAt[10] === 'T' && startedAt[13] === ':' && startedAt[16] === ':' && (length === 20 || startedAt[19] === '.');
  const year = digitsAt(startedAt, 0, 4);
  const month = digitsAt(startedAt, 5, 2);
  const day = digitsAt(startedAt, 8, 2);
  const hour = digitsAt(startedAt, 11, 2);
  const minute = digitsAt(startedAt, 14, 2);
  const second = digitsAt(startedAt, 17, 2);
  const millisecond = length === 24 ? digitsAt(startedAt, 20, 3) : 0;
  // Years before 1970 are rare enough to leave to the built-in parser; days past the month's
  // end go to it too, so how it treats an impossible date stays its own business.
  const plain = year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && millisecond >= 0;
  if (!separators || !plain) return Date.parse(startedAt);
  return daysSinceEpoch(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + millisecond;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
