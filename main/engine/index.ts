export { runUpdate, checkBatchSize, lockHolderText, STALE_LOCK_MS, type UpdateOptions, type JudgeInput, type BeforeRunInput, type BeforeRunResult } from './run-update.js';
export { contentHash, diffHearings, classify } from './classify.js';
export { keepLockFresh, HEARTBEAT_EVERY_MS } from './lock-heartbeat.js';
