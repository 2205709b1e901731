// Record rules: one record at a time.
export { applyRecordRules, parseIsoDate, type RecordRuleContext, type RuleOutcome } from './record-rules.js';
export { normalizeWitnessName } from './witness-names.js';

// ── Historical validation: one run judged against the runs before it (issues 5 and 10). ──
export { judgeRun, modelFor, historyFingerprint } from './historical/cache.js';
export { FORGOTTEN_AFTER_DAYS } from './historical/baseline.js';
export {
  BASELINE_METHOD,
  FALLBACK_METHOD,
  HistoryModel,
  MIN_FALLBACK_RUNS,
  MIN_HISTORY_RUNS,
  MIN_SAME_WEEKDAY_RUNS,
  SEASONAL_METHOD,
  STALE_METHOD,
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
  injectionSpan,
  RUN_ANOMALY_KINDS,
  RUN_ANOMALY_MAGNITUDES,
  asRunMetrics,
  injectIntoSeries,
  injectRunAnomaly,
  isRunAnomalyKind,
  magnitudeOf,
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
export { createBatchJudge, describeZodError, judgeBatchLines, judgeCase, runEntrySchema, runHistorySchema, type BatchJudge, type BatchOutcome, type BatchSensitivity, type CaseVerdict } from './historical/batch-lines.js';
export { DEFAULT_THRESHOLDS, resolveThresholds, type AlarmThresholds, type ResolvedThresholds } from './historical/thresholds.js';
export { calendarDay, historyEntryOf, judgeAsStored, judgedHistory, originOf, trainsValidator, validationHistory, type StoredRunToJudge } from './historical/store-judge.js';
export { CHANGE_OPEN_DAYS } from './historical/volume-track.js';
export type { DayInfo } from './historical/calendar.js';
export { ANOMALY_REVIEWS, EXPECTED_REASON_KINDS, acceptHeldRun, countOpenAnomalies, listAnomalousRuns, markAnomaly, markAnomalies, undoMarks, type AnomalyReview, type ExpectedReasonKind, type MarkRequest, type RunExpectation } from './feedback.js';
export { backtest, wasJudgeable, type BacktestReport, type BacktestRun } from './backtest.js';
export { expectedBands, type RunBands } from './bands.js';
export { LIVE_HISTORY_RUNS } from './walk-stored.js';
export { sensitivityWhatIf, type SettingsOutcome, type TrialCase, type TrialCaseOutcome, type TrialKindOutcome, type WhatIfInput, type WhatIfReport } from './what-if.js';
export { runReviews, type RunReview } from './reviews.js';
export { sensitivityVersions } from './sensitivity-versions.js';
export { batchSensitivity, historicalJudge, requireKnownTask, saveSensitivity, sensitivityHistory, sensitivityInForce, sensitivityTasks, whatIfForTask, type SensitivitySave } from './sensitivity.js';
// ── end of historical validation ──
