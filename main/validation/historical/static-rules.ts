import { median } from 'simple-statistics';
import type { Anomaly } from '../../../shared/validation.js';
import { WEEKDAY_NAMES, isWeekend } from './calendar.js';
import { metricOf, type RunPoint } from './points.js';
import { formatCount, formatPercent, round } from './wording.js';

/**
 * The fallback when the history is too short to learn a season from: the Phase 2.2 rules
 * (more than 1,000 records in a run; more than 3× the average) plus gross checks that need no
 * season — nothing fetched where every comparable run brought plenty, a quarantine flood,
 * everything new, nothing changed, a run five times slower per record. Each is deliberately
 * blunt: it must not cry wolf while the history is young, and it must never answer a silent "ok".
 */

export const STATIC_MAX_RECORDS = 1000;
export const STATIC_SPIKE_FACTOR = 3;
const ZERO_VOLUME_COMPARABLE_MIN = 10;
const QUARANTINE_MIN_RECORDS = 5;
const QUARANTINE_MIN_SHARE = 0.2;
const SLOW_FACTOR = 5;
const MIN_RECORDS_FOR_SHARES = 20;

type StaticRule = (history: readonly RunPoint[], current: RunPoint) => Anomaly | null;

/**
 * Static scores are "how many times over the limit"; a rule with a lower limit (nothing came)
 * passes its own score and the limit becomes `low`.
 */
function anomaly(metric: string, rule: string, value: number, limit: number, message: string, expected: number | null = null, lowerLimitScore?: number): Anomaly {
  const below = lowerLimitScore !== undefined;
  const score = below ? lowerLimitScore : limit > 0 ? value / limit : value;
  const bounds = below ? { low: round(limit, 4), high: null } : { low: null, high: round(limit, 4) };
  return { metric, rule, value: round(value, 4), expected: expected === null ? null : round(expected, 4), ...bounds, score: round(score, 2), message };
}

function total(history: readonly RunPoint[], metric: string): number {
  return history.reduce((sum, p) => sum + metricOf(p, metric), 0);
}

/**
 * Phase 2.2 capped a run at 1,000 records. A source whose history already comes within a factor
 * of two of that would trip it every busy Tuesday, so there the 3× rule alone guards.
 */
const maxRecords: StaticRule = (history, current) => {
  const fetched = metricOf(current, 'fetched');
  if (fetched <= STATIC_MAX_RECORDS || history.some((p) => metricOf(p, 'fetched') > STATIC_MAX_RECORDS / 2)) return null;
  return anomaly('fetched', 'static-max-records', fetched, STATIC_MAX_RECORDS, `fetched ${formatCount(fetched)} records, over the ${formatCount(STATIC_MAX_RECORDS)}-record limit for one run — check for a widened lookback or a re-sent backlog.`);
};

/**
 * Runs a 3× rule may fairly compare with: the same season (a session day is not 3× anything
 * measured in recess), then the same weekday once there are two, else weekdays with weekdays and
 * weekends with weekends. Phase 2.2 averaged every run, so every Tuesday was "3× the average" of
 * a week with two empty weekend days in it, and every first day back 3× the recess.
 */
function comparableRuns(history: readonly RunPoint[], current: RunPoint): readonly RunPoint[] {
  if (current.info.nearBoundary || current.info.firstBack) return [];
  const sameSeason = history.filter((p) => p.info.recess === current.info.recess && !p.info.nearBoundary);
  const sameWeekday = sameSeason.filter((p) => p.info.weekday === current.info.weekday);
  if (sameWeekday.length >= 2) return sameWeekday;
  return sameSeason.filter((p) => isWeekend(p.info.weekday) === isWeekend(current.info.weekday));
}

const spike: StaticRule = (history, current) => {
  const comparable = comparableRuns(history, current);
  if (comparable.length === 0) return null;
  const average = total(comparable, 'fetched') / comparable.length;
  const fetched = metricOf(current, 'fetched');
  if (average <= 0 || fetched <= STATIC_SPIKE_FACTOR * average) return null;
  return anomaly('fetched', 'static-spike', fetched, STATIC_SPIKE_FACTOR * average, `fetched ${formatCount(fetched)} records, more than ${STATIC_SPIKE_FACTOR}× the average of ${formatCount(average)} for comparable runs — check for duplicates or a backlog before accepting.`, average);
};

/** Zero only alarms when every run on the same weekday (two at least) brought plenty. */
const zeroVolume: StaticRule = (history, current) => {
  if (metricOf(current, 'fetched') > 0 || current.info.recess) return null;
  const comparable = history.filter((p) => p.info.weekday === current.info.weekday).map((p) => metricOf(p, 'fetched'));
  if (comparable.length < 2 || Math.min(...comparable) < ZERO_VOLUME_COMPARABLE_MIN) return null;
  const weekday = WEEKDAY_NAMES[current.info.weekday];
  return anomaly('fetched', 'static-zero-volume', 0, Math.min(...comparable), `fetched no records; every earlier ${weekday} brought at least ${formatCount(Math.min(...comparable))} — check the source for a failed fetch or an expired key.`, median(comparable), Math.min(...comparable));
};

const quarantineFlood: StaticRule = (history, current) => {
  const fetched = metricOf(current, 'fetched');
  const quarantined = metricOf(current, 'quarantined');
  const usual = total(history, 'fetched') > 0 ? total(history, 'quarantined') / total(history, 'fetched') : 0;
  const limit = Math.max(QUARANTINE_MIN_SHARE, 5 * usual);
  if (quarantined < QUARANTINE_MIN_RECORDS || quarantined / fetched <= limit) return null;
  return anomaly('quarantinedShare', 'static-quarantine-surge', quarantined / fetched, limit, `quarantined ${formatCount(quarantined)} of ${formatCount(fetched)} records (${formatPercent(quarantined / fetched)}) — read the quarantine reasons before accepting.`, usual);
};

const allNew: StaticRule = (history, current) => {
  const fetched = metricOf(current, 'fetched');
  const added = metricOf(current, 'added');
  const usual = total(history, 'fetched') > 0 ? total(history, 'added') / total(history, 'fetched') : 1;
  if (fetched < MIN_RECORDS_FOR_SHARES || added < fetched - metricOf(current, 'quarantined') || usual >= 0.8) return null;
  return anomaly('addedShare', 'static-all-new', added / fetched, 0.8, `all ${formatCount(added)} accepted records were new, against ${formatPercent(usual)} before — change detection may be broken.`, usual);
};

const nothingChanged: StaticRule = (history, current) => {
  const fetched = metricOf(current, 'fetched');
  const changed = metricOf(current, 'added') + metricOf(current, 'updated');
  const fetchedBefore = total(history, 'fetched');
  const usual = fetchedBefore > 0 ? (total(history, 'added') + total(history, 'updated')) / fetchedBefore : 0;
  if (fetched < MIN_RECORDS_FOR_SHARES || changed > 0 || usual < 0.2) return null;
  return anomaly('changedShare', 'static-stale-source', 0, usual, `none of ${formatCount(fetched)} fetched records were new or updated, against ${formatPercent(usual)} before — the source may be replaying stale data.`, usual, usual * fetched);
};

/** Per-record time only compares runs of a similar size: a fixed overhead makes small runs slow per record. */
const slowRun: StaticRule = (history, current) => {
  const perRecord = (p: RunPoint): number => metricOf(p, 'durationMs') / metricOf(p, 'fetched');
  const size = metricOf(current, 'fetched');
  const similar = (p: RunPoint): boolean => metricOf(p, 'fetched') >= size / 2 && metricOf(p, 'fetched') <= size * 2;
  const comparable = history.filter((p) => metricOf(p, 'fetched') >= MIN_RECORDS_FOR_SHARES && similar(p)).map(perRecord);
  if (comparable.length < 3 || size < MIN_RECORDS_FOR_SHARES) return null;
  const usual = median(comparable);
  if (perRecord(current) <= SLOW_FACTOR * usual) return null;
  return anomaly('durationPerRecordMs', 'static-slow-run', perRecord(current), SLOW_FACTOR * usual, `took ${round(perRecord(current), 1)} ms per record, over ${SLOW_FACTOR}× the usual ${round(usual, 1)} ms — look for a slow database, retries or rate limiting.`, usual);
};

const STATIC_RULES: readonly StaticRule[] = [maxRecords, spike, zeroVolume, quarantineFlood, allNew, nothingChanged, slowRun];

export function staticAnomalies(history: readonly RunPoint[], current: RunPoint): Anomaly[] {
  return STATIC_RULES.map((rule) => rule(history, current)).filter((a): a is Anomaly => a !== null);
}
