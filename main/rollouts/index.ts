export { abortRollout, decideRollout, GUARDRAIL_OPERATOR, guardAfterRun, pauseRollout, pausedNotification, rolloutDetail, rolloutNoticeSubject, rolloutStatus, startRollout, type Actor, type GuardDependencies, type GuardOutcome } from './controller.js';
export { evaluateGuardrails, type ObservedRun } from './guardrails.js';
export { alwaysValidHalfWidth, rateDifference, sequentialDifference, wilson } from './sequential.js';
export { DEFAULT_STAGES, parseStageSpec } from './stages.js';
export { rolloutLedger } from './ledger.js';
export { ranOnTheChanges } from './observe.js';
export { controlOnTheChanges } from './flags.js';
