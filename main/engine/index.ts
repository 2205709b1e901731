export { runUpdate, checkBatchSize, STALE_LOCK_MS, type UpdateOptions, type JudgeInput } from './run-update.js';
export { contentHash, diffHearings, classify } from './classify.js';
