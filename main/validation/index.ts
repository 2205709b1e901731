// Record rules: one record at a time.
export { applyRecordRules, parseIsoDate, type RecordRuleContext, type RuleOutcome } from './record-rules.js';
export { normalizeWitnessName } from './witness-names.js';
