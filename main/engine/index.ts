export { runUpdate, lockHolderText, type UpdateOptions, type JudgeInput, type BeforeRunInput, type BeforeRunResult, type BatchSettings } from './run-update.js';
export { busyWriteRefusal, environmentFailure, withBusyWriteRefusals } from './busy-refusal.js';
export { checkBatchSize } from './batch-sizes.js';
export { contentHash, diffHearings, classify } from './classify.js';
export { keepLockFresh, HEARTBEAT_EVERY_MS, STALE_LOCK_MS } from './lock-heartbeat.js';
export { noRunToResume, notResumedWhenBusy, otherSourceRefusal, refuseUnresumable, resumable, runDetail } from './open-run.js';
export { eventFor, resumeCommand, StopAsked, taskContinuation } from './finish-run.js';
