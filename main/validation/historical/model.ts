import type { Anomaly, AssumedState, HistoryEntry, MetricBand, SensitivitySettings, ValidationResult } from '../../../shared/validation.js';
import { FORGOTTEN_AFTER_DAYS } from './baseline.js';
import { CalendarDays, approximateCongressCalendar, dayNumberOf, type CongressCalendar } from './calendar.js';
import { fallbackJudgement } from './fallback.js';
import { trainingRuns, type TrainingRun } from './history-prep.js';
import { judgeWithWalk } from './judgement.js';
import { StreamWalk } from './stream-walk.js';
import { resolveThresholds, type AlarmThresholds, type ResolvedThresholds } from './thresholds.js';

export type { MetricBand };

export const SEASONAL_METHOD = 'regime-walk-v2';
export const FALLBACK_METHOD = 'median-fallback';
export const BASELINE_METHOD = 'first-load';
export const STALE_METHOD = 'stale-history';

/**
 * Below this many training runs the walk only learns and the young-history fallback judges:
 * three weeks of daily runs, three of them on the judged weekday (MIN_SAME_WEEKDAY_RUNS). With three runs or more the
 * fallback always answers ok or anomalous; with one or two, only a gross departure is called.
 */
export const MIN_HISTORY_RUNS = 21;
export { MIN_SAME_WEEKDAY_RUNS } from './stream-walk.js';
export const MIN_FALLBACK_RUNS = 3;

export interface JudgeOptions {
  /** The congressional calendar: the prior each stream's own history confirms or rejects. */
  calendar?: CongressCalendar;
  /** Raw alarm thresholds other than the evaluated defaults (the harness tunes these). */
  thresholds?: Partial<AlarmThresholds>;
  /** The task's sensitivity settings (issue 10 item 7). */
  sensitivity?: SensitivitySettings;
}

const TRIAL_RUN: HistoryEntry = { startedAt: '', metrics: {}, origin: 'trial' };

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
 * Everything learnt from one history, built once by walking it: judging a run against it is one
 * more step of the walk. `extendedWith` walks one run further without touching this model, so a
 * caller judging day after day (the engine, --batch, the backtest) never re-reads the past.
 */
export class HistoryModel {
  private constructor(
    private readonly walk: StreamWalk,
    /** The training runs, in time order (the fallback reads them). */
    private readonly runs: TrainingRun[],
    readonly options: JudgeOptions,
    readonly thresholds: ResolvedThresholds,
    /** Whether trial runs train this model (it judges a trial run). */
    readonly forTrial: boolean,
  ) {}

  static fromHistory(history: readonly HistoryEntry[], options: JudgeOptions = {}, forTrial = false): HistoryModel {
    const model = HistoryModel.empty(options, forTrial);
    for (const run of trainingRuns(history, forTrial ? TRIAL_RUN : undefined)) model.learnRun(run);
    return model;
  }

  /** A model of no history: the start of a walk. */
  static empty(options: JudgeOptions = {}, forTrial = false): HistoryModel {
    const thresholds = resolveThresholds(options.sensitivity, options.thresholds);
    return new HistoryModel(new StreamWalk(daysFor(options.calendar), thresholds, MIN_HISTORY_RUNS, !forTrial), [], options, thresholds, forTrial);
  }

  /** This model walked one run further (the run must start after every run in it); this one is left as it was. */
  extendedWith(entry: HistoryEntry): HistoryModel {
    const [run] = trainingRuns([entry], this.forTrial ? TRIAL_RUN : undefined);
    if (!run) return this;
    if (!(run.time > this.walk.lastTime)) return HistoryModel.fromHistory([...this.runs.map((r) => r.entry), entry], this.options, this.forTrial);
    const model = new HistoryModel(this.walk.copy(), [...this.runs], this.options, this.thresholds, this.forTrial);
    model.learnRun(run);
    return model;
  }

  /**
   * Walks this model one run further in place: for a caller that owns the model and walks a
   * whole history (the backtest, the console's bands) in one linear pass. Entries that may not
   * train (a confirmed anomaly, a trial run) are skipped, as in `fromHistory`.
   */
  learn(entry: HistoryEntry): void {
    const [run] = trainingRuns([entry], this.forTrial ? TRIAL_RUN : undefined);
    if (run && run.time > this.walk.lastTime) this.learnRun(run);
  }

  private learnRun(run: TrainingRun): void {
    const walk = this.walk;
    walk.advance(run, (evaluation) => isAnomalous(evaluation.findings.length, this.thresholds, () => judgeWithWalk(walk, run.entry).anomalies));
    this.runs.push(run);
  }

  get size(): number {
    return this.runs.length;
  }

  /** Whether `entry` starts after every run of this history (so it cannot be its own baseline). */
  precedes(entry: HistoryEntry): boolean {
    return this.runs.length === 0 || this.walk.lastTime < Date.parse(entry.startedAt);
  }

  judge(current: HistoryEntry): ValidationResult {
    if (!this.precedes(current)) {
      // The current run (or a later one) is in this history: judge against the runs before it.
      const cutoff = Date.parse(current.startedAt);
      return HistoryModel.fromHistory(this.runs.filter((r) => r.time < cutoff).map((r) => r.entry), this.options, this.forTrial).judge(current);
    }
    if (this.runs.length === 0) {
      return { verdict: 'baseline', method: BASELINE_METHOD, historySize: 0, anomalies: [], bands: {}, state: { regime: 'young', since: null, description: 'a first load: nothing before it to compare with' } };
    }
    const stale = staleHistory(this.runs[this.runs.length - 1]!.entry.startedAt, current.startedAt);
    if (stale) return { verdict: 'insufficient_history', method: STALE_METHOD, historySize: this.runs.length, anomalies: [], bands: {}, state: stale };
    const { weekday } = this.walk.spanOf(current, dayNumberOf(current.startedAt));
    if (this.walk.canJudge(weekday)) {
      const { anomalies, bands, state } = judgeWithWalk(this.walk, current);
      return this.result(anomalies, bands, SEASONAL_METHOD, state);
    }
    const { anomalies, bands } = fallbackJudgement(this.runs.map((r) => r.entry), current, this.thresholds);
    const description = `a young history (${this.runs.length} run${this.runs.length === 1 ? '' : 's'})`;
    return this.result(anomalies, bands, FALLBACK_METHOD, { regime: 'young', since: this.runs[0]!.entry.startedAt, description });
  }

  /** Each metric's band for `current` (what the console draws), in the state the model assumes for it. */
  expectedBands(current: HistoryEntry): Record<string, MetricBand> {
    return this.judge(current).bands ?? {};
  }

  private result(anomalies: Anomaly[], bands: Record<string, MetricBand>, method: string, state: ValidationResult['state']): ValidationResult {
    const anomalous = isAnomalous(anomalies.length, this.thresholds, () => anomalies);
    const verdict = anomalous ? 'anomalous' : this.runs.length < MIN_FALLBACK_RUNS ? 'insufficient_history' : 'ok';
    return { verdict, method, historySize: this.runs.length, anomalies: anomalous ? anomalies : [], bands, state };
  }
}

/**
 * The state of a run that comes FORGOTTEN_AFTER_DAYS or more after the latest run of its history,
 * or null: nothing learnt still holds (the fallback's medians no more than the walk's bands), so
 * the honest answer is that the history is too old to judge by — no bands, no alarms.
 */
function staleHistory(latest: string, current: string): AssumedState | null {
  const days = dayNumberOf(current) - dayNumberOf(latest);
  if (days < FORGOTTEN_AFTER_DAYS) return null;
  const years = Math.round(days / 365.25);
  return { regime: 'young', since: null, description: `a stale history: its latest run (${new Date(Date.parse(latest)).toISOString().slice(0, 10)}) is ${years} years before this one, and nothing learnt from it still holds` };
}

/**
 * The seed's "require 2+ signals to alert": a run is anomalous when at least `minSignals`
 * distinct metrics are off. The full list is only worked out when it matters.
 */
function isAnomalous(found: number, thresholds: ResolvedThresholds, anomalies: () => readonly Anomaly[]): boolean {
  if (found === 0) return false;
  if (thresholds.minSignals <= 1) return true;
  return new Set(anomalies().map((a) => a.metric)).size >= thresholds.minSignals;
}
