// Record rules: one record at a time.
export { applyRecordRules, parseIsoDate, type RecordRuleContext, type RuleOutcome } from './record-rules.js';
export { normalizeWitnessName } from './witness-names.js';

// ── Historical validation: one run judged against the runs before it (issue 5). ──
export { judgeRun, modelFor, historyFingerprint } from './historical/cache.js';
export {
  HistoryModel,
  MIN_HISTORY_RUNS,
  MIN_SAME_WEEKDAY_RUNS,
  SEASONAL_METHOD,
  STATIC_METHOD,
  type JudgeOptions,
  type MetricBand,
} from './historical/model.js';
export {
  approximateCongressCalendar,
  calendarFromRecesses,
  type CongressCalendar,
  type DayRange,
} from './historical/calendar.js';
export {
  LEVEL_SHIFT_SPAN,
  RUN_ANOMALY_KINDS,
  RUN_ANOMALY_MAGNITUDES,
  asRunMetrics,
  injectIntoSeries,
  injectRunAnomaly,
  isRunAnomalyKind,
  magnitudeOf,
  parseRunAnomalySpec,
  type InjectionContext,
  type RunAnomalyKind,
  type RunAnomalySpec,
} from './historical/injection.js';
export {
  SYNTHETIC_ORGANISATIONS,
  generateHistory,
  jitteredCalendar,
  typicalBusyDay,
  type HistoryOptions,
  type OrganisationProfile,
  type SyntheticDay,
} from './historical/synthetic-history.js';
export { createBatchJudge, describeZodError, runEntrySchema, type BatchJudge, type BatchOutcome } from './historical/batch-lines.js';
export { DEFAULT_THRESHOLDS, type AlarmThresholds } from './historical/thresholds.js';
export { calendarDay, historicalJudge, historyBefore, trainsValidator, type StoredRunToJudge } from './historical/store-judge.js';
export type { DayInfo } from './historical/calendar.js';
export { ANOMALY_REVIEWS, EXPECTED_REASON_KINDS, acceptHeldRun, listAnomalousRuns, markAnomaly, type AnomalyReview, type ExpectedReasonKind, type MarkRequest } from './feedback.js';
export { backtest, type BacktestReport } from './backtest.js';
export { expectedBands, type RunBands } from './bands.js';
// ── end of historical validation ──
