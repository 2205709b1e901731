import type { HistoryPoint } from '../../../shared/api.js';
import type { RunBandsView } from '../../../shared/api-validation.js';
import type { Anomaly } from '../../../shared/validation.js';
import { count, duration, percent } from '../format.js';

/**
 * What the History charts plot, derived from each run's stored metrics: the counts, the mix
 * (shares of the fetched records: the signals behind `stale-source` and `mix-shift`) and the time
 * per record. Each series names the validator metrics whose anomalies belong on it.
 */
export type Unit = 'count' | 'share' | 'ms';

export interface MetricSeries {
  key: string;
  label: string;
  unit: Unit;
  colour: string;
  value(point: HistoryPoint): number | null;
  /** The validator's anomaly metrics this series shows as flagged points. */
  anomalyMetrics: readonly string[];
  /** The expected band, when history.bands draws one for this series (null: none). */
  band?(point: HistoryPoint, bands: RunBandsView | undefined): { low: number; high: number } | null;
}

const stored = (key: string) => (point: HistoryPoint) => point.metrics[key] ?? null;
const share = (...keys: string[]) => (point: HistoryPoint) => {
  const fetched = point.metrics.fetched;
  return fetched > 0 ? keys.reduce((sum, key) => sum + (point.metrics[key] ?? 0), 0) / fetched : null;
};
const storedBand = (key: string) => (_point: HistoryPoint, bands: RunBandsView | undefined) => bands?.bands[key] ?? null;

export const COUNT_SERIES: readonly MetricSeries[] = [
  { key: 'fetched', label: 'Fetched', unit: 'count', colour: '#2f6fb0', value: stored('fetched'), anomalyMetrics: ['fetched'], band: storedBand('fetched') },
  { key: 'added', label: 'Added', unit: 'count', colour: '#2f6fb0', value: stored('added'), anomalyMetrics: ['added', 'addedShare', 'changedShare'], band: storedBand('added') },
  { key: 'updated', label: 'Updated', unit: 'count', colour: '#2f6fb0', value: stored('updated'), anomalyMetrics: ['updated', 'updatedShare', 'changedShare'], band: storedBand('updated') },
  { key: 'unchanged', label: 'Unchanged', unit: 'count', colour: '#2f6fb0', value: stored('unchanged'), anomalyMetrics: ['unchanged', 'changedShare'] },
  { key: 'quarantined', label: 'Quarantined', unit: 'count', colour: '#2f6fb0', value: stored('quarantined'), anomalyMetrics: ['quarantined', 'quarantinedShare'] },
  { key: 'durationMs', label: 'Duration', unit: 'ms', colour: '#2f6fb0', value: stored('durationMs'), anomalyMetrics: ['durationMs', 'durationPerRecordMs'], band: storedBand('durationMs') },
];

/** `changedShare` (stale-source: too little new or updated) shows where it is visible: unchanged rising. */
export const SHARE_SERIES: readonly MetricSeries[] = [
  { key: 'addedShare', label: 'Added share', unit: 'share', colour: '#2f6fb0', value: share('added'), anomalyMetrics: ['addedShare'] },
  { key: 'updatedShare', label: 'Updated share', unit: 'share', colour: '#8e44ad', value: share('updated'), anomalyMetrics: ['updatedShare'] },
  { key: 'unchangedShare', label: 'Unchanged share', unit: 'share', colour: '#7f8c8d', value: share('unchanged'), anomalyMetrics: ['changedShare'] },
  { key: 'quarantinedShare', label: 'Quarantined share', unit: 'share', colour: '#d35400', value: share('quarantined'), anomalyMetrics: ['quarantinedShare'] },
];

/** The duration band scaled to one record: the validator judges speed, not size. */
export const PER_RECORD_SERIES: readonly MetricSeries[] = [
  {
    key: 'durationPerRecordMs',
    label: 'Time per record',
    unit: 'ms',
    colour: '#16a085',
    value: (point) => (point.metrics.fetched > 0 ? point.metrics.durationMs / point.metrics.fetched : null),
    anomalyMetrics: ['durationPerRecordMs'],
    band: (point, bands) => {
      const band = bands?.bands.durationMs;
      const fetched = point.metrics.fetched;
      return band && fetched > 0 ? { low: band.low / fetched, high: band.high / fetched } : null;
    },
  },
];

export type Flag = 'metric' | 'run' | null;

/**
 * `metric`: an anomaly on this series (or the run failed); `run`: the run was flagged for another
 * metric. Failed runs have no verdict, and are always worth a look.
 */
export function flagOf(point: HistoryPoint, series: readonly MetricSeries[]): Flag {
  const about = (anomaly: Anomaly) => series.some((s) => s.anomalyMetrics.includes(anomaly.metric));
  if (point.status === 'failed' || point.anomalies.some(about)) return 'metric';
  return point.anomalies.length > 0 ? 'run' : null;
}

/** The anomalies of a run that this chart is about, strongest first. */
export function anomaliesOn(point: HistoryPoint, series: readonly MetricSeries[]): Anomaly[] {
  return point.anomalies.filter((a) => series.some((s) => s.anomalyMetrics.includes(a.metric))).sort((a, b) => b.score - a.score);
}

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (unit === 'share') return percent(value, value < 0.1 ? 1 : 0);
  // Per-record times are fractions of a millisecond; duration() rounds those to 0.
  if (unit === 'ms') return value < 10 ? `${value.toFixed(2)} ms` : duration(value);
  return count(Math.round(value));
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
