/** Staging trials (issue 5): inject anomalies into runs on a copy and measure what is caught. */
export { magnitudeMeaning, parseTrialSpec, trialSpecOf, RECORD_ANOMALY_KINDS, TRIAL_KINDS, DEFAULT_RECORD_FRACTION, type RecordAnomalyKind, type TrialSpec } from './specs.js';
export { runTrials, sessionEnd, type CopyFindings, type TrialOutcome, type TrialProgress, type TrialRequest, type TrialResult } from './run-trials.js';
export { summariseTrials, isAttributableCatch, type KindTally, type LedgerSummary, type MagnitudeTally } from './ledger.js';
export { alarmsFor, attributableAlarms, attributeCatch, type Attribution } from './attribution.js';
export { seedSyntheticHistory, SEEDED_MS_PER_RECORD, type SeedOptions } from './history-seed.js';
export { recordFromStored, TrialClock, meteredSource } from './realise.js';
export { checkedStagingTarget, existingStagingFor, stagingLabel, stagingTargetFor, withStagingLedger } from './staging-target.js';
export { sensitivityWhatIfWithStaging, type SensitivityWhatIfRequest } from './sensitivity-what-if.js';
export { sweepSpecs, SWEEP_MAGNITUDES, MAX_SWEEP_REPEAT } from './sweep.js';
