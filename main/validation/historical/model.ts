import type { Anomaly, HistoryEntry, ValidationResult } from '../../../shared/validation.js';
import { CalendarDays, approximateCongressCalendar, type CongressCalendar, type DayInfo } from './calendar.js';
import { buildDurationModel, durationAnomaly, durationBand, type DurationModel } from './duration.js';
import { LEVEL_SHIFT_LOOKBACK, levelShiftAnomaly } from './level-shift.js';
import { buildMixModel, mixAnomalies, type MixModel } from './mix.js';
import { metricOf, toPoint, toPoints, type RunPoint } from './points.js';
import { staticAnomalies } from './static-rules.js';
import { thresholdsWith, type AlarmThresholds } from './thresholds.js';
import { VOLUME_METRICS, buildVolumeModel, recentRegime, volumeAnomaly, volumeBand, type Regime, type VolumeModel } from './volume.js';

/** What a metric was expected to be on one run, and where its alarm would have fired. */
export interface MetricBand {
  expected: number;
  low: number;
  high: number;
}

export const SEASONAL_METHOD = 'seasonal-robust-v1';
export const STATIC_METHOD = 'static-fallback';

/**
 * Below these the seasonal model does not judge and the static fallback answers. Three weeks of
 * daily runs, and three clean session runs on the current weekday: a weekday factor resting on one
 * or two days is hostage to whichever of them was odd, and the dispersion needs out-of-sample
 * residuals, which only start once the first week has set a level. The old plan waited 30 days;
 * count-aware bands, widened by the uncertainty of a short history, can start sooner.
 */
export const MIN_HISTORY_RUNS = 21;
export const MIN_SAME_WEEKDAY_RUNS = 3;

export interface JudgeOptions {
  /** The congressional calendar the season is read from; defaults to the typical one. */
  calendar?: CongressCalendar;
  /** Stricter or looser alarms than the evaluated defaults (sigmas, one-sided). */
  thresholds?: Partial<AlarmThresholds>;
}

const calendarDays = new WeakMap<CongressCalendar, CalendarDays>();

export function daysFor(calendar: CongressCalendar = approximateCongressCalendar): CalendarDays {
  let days = calendarDays.get(calendar);
  if (!days) {
    days = new CalendarDays(calendar);
    calendarDays.set(calendar, days);
  }
  return days;
}

/**
 * Everything learnt from one history, built once: judging a run against it is then a handful of
 * table lookups. Rebuild (or let `judgeRun`'s cache rebuild) only when the history changes.
 */
export class HistoryModel {
  private constructor(
    private readonly points: readonly RunPoint[],
    private readonly days: CalendarDays,
    private readonly volume: readonly VolumeModel[],
    private readonly mix: MixModel | null,
    private readonly duration: DurationModel | null,
    readonly options: JudgeOptions,
  ) {}

  static fromHistory(history: readonly HistoryEntry[], options: JudgeOptions = {}): HistoryModel {
    const days = daysFor(options.calendar);
    const points = toPoints(history, days);
    const volume = points.length >= MIN_HISTORY_RUNS ? VOLUME_METRICS.map((m) => buildVolumeModel(points, m)).filter((m): m is VolumeModel => m !== null) : [];
    return new HistoryModel(points, days, volume, buildMixModel(points), buildDurationModel(points), options);
  }

  get size(): number {
    return this.points.length;
  }

  /** The latest run in the history; a run judged against this model must start after it. */
  get lastStartedAt(): string | null {
    return this.points[this.points.length - 1]?.startedAt ?? null;
  }

  /** Whether `entry` starts after every run of this history (so it cannot be its own baseline). */
  precedes(entry: HistoryEntry): boolean {
    const last = this.points[this.points.length - 1];
    return last === undefined || last.time < Date.parse(entry.startedAt);
  }

  /** Thresholds are per judgement, not per model, so one cached model serves every sensitivity. */
  judge(current: HistoryEntry, thresholds: Partial<AlarmThresholds> | undefined = this.options.thresholds): ValidationResult {
    if (!this.precedes(current)) {
      // The current run (or a later one) is in this history: judge against the runs before it.
      const cutoff = Date.parse(current.startedAt);
      return HistoryModel.fromHistory(this.points.filter((p) => p.time < cutoff).map(toEntry), this.options).judge(current, thresholds);
    }
    const point = toPoint(current, this.days);
    if (!this.canJudgeSeasonally(point.info)) {
      const anomalies = staticAnomalies(this.points, point);
      return result(anomalies.length > 0 ? 'anomalous' : 'insufficient_history', STATIC_METHOD, this.size, anomalies);
    }
    const anomalies = this.seasonalAnomalies(point, thresholdsWith(thresholds));
    return result(anomalies.length > 0 ? 'anomalous' : 'ok', SEASONAL_METHOD, this.size, anomalies);
  }

  /**
   * The band each metric's alarm fires outside of for `current` (volumes: the seasonal range of the
   * day; durationMs: the range for a run of its size), with the same alarm thresholds as `judge`.
   * Empty when the seasonal model cannot judge that day (the static fallback has no band).
   */
  expectedBands(current: HistoryEntry, thresholds: Partial<AlarmThresholds> | undefined = this.options.thresholds): Record<string, MetricBand> {
    const point = toPoint(current, this.days);
    if (!this.precedes(current) || !this.canJudgeSeasonally(point.info)) return {};
    const alarm = thresholdsWith(thresholds);
    const bands: Record<string, MetricBand> = {};
    for (const model of this.volume) {
      const score = model.metric === 'fetched' ? alarm.fetched : alarm.addedOrUpdated;
      bands[model.metric] = volumeBand(model, point.info, score, signatureScore(alarm, score), this.regimeFor(point.info));
    }
    if (this.duration) bands.durationMs = durationBand(this.duration, metricOf(point, 'fetched'), alarm.duration);
    return bands;
  }

  /** The season the last busy runs show (fetched speaks for all volumes), near a recess boundary. */
  private regimeFor(info: DayInfo): Regime | undefined {
    const fetched = this.volume.find((m) => m.metric === 'fetched');
    return fetched ? recentRegime(fetched, this.points, info) : undefined;
  }

  private canJudgeSeasonally(info: DayInfo): boolean {
    const fetched = this.volume.find((m) => m.metric === 'fetched');
    return this.size >= MIN_HISTORY_RUNS && fetched !== undefined && (fetched.weekdayCount[info.weekday] ?? 0) >= MIN_SAME_WEEKDAY_RUNS;
  }

  private seasonalAnomalies(point: RunPoint, thresholds: AlarmThresholds): Anomaly[] {
    const found: Anomaly[] = [];
    const recent = this.points.slice(-LEVEL_SHIFT_LOOKBACK);
    const regime = this.regimeFor(point.info);
    for (const model of this.volume) {
      const alarmScore = model.metric === 'fetched' ? thresholds.fetched : thresholds.addedOrUpdated;
      const single = volumeAnomaly(model, point.info, metricOf(point, model.metric), alarmScore, signatureScore(thresholds, alarmScore), regime);
      // The combined score is its own scale; added and updated need the same extra evidence as singly.
      const anomaly = single ?? levelShiftAnomaly(model, recent, point, thresholds.levelShift + alarmScore - thresholds.fetched);
      // Once fetched is off, added and updated are off the same way: one sentence is enough.
      if (anomaly && !repeatsFetched(found, anomaly)) found.push(anomaly);
    }
    if (this.mix) found.push(...mixAnomalies(this.mix, point, thresholds));
    const slow = this.duration ? durationAnomaly(this.duration, point, thresholds.duration) : null;
    if (slow) found.push(slow);
    return found;
  }
}

/** The empty-run bar for a metric: added and updated keep their extra margin over fetched. */
function signatureScore(thresholds: AlarmThresholds, alarmScore: number): number {
  return thresholds.signature + alarmScore - thresholds.fetched;
}

function repeatsFetched(found: readonly Anomaly[], anomaly: Anomaly): boolean {
  const direction = (a: Anomaly): number => Math.sign(a.value - (a.expected ?? a.value));
  return found.some((a) => a.metric === 'fetched' && a.metric !== anomaly.metric && direction(a) === direction(anomaly));
}

function toEntry(point: RunPoint): HistoryEntry {
  return { startedAt: point.startedAt, metrics: { ...point.metrics } };
}

function result(verdict: ValidationResult['verdict'], method: string, historySize: number, anomalies: Anomaly[]): ValidationResult {
  return { verdict, method, historySize, anomalies };
}
