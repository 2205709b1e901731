import type { Migration } from './index.js';

/**
 * A scheduled task's failures in a row and, while it backs off, the scheduled time it next tries
 * (main/scheduler/backoff.ts). Every task starts with none: the tasks failing today begin to back
 * off at their next failure.
 */
export const migration026: Migration = {
  version: 26,
  name: 'task backoff',
  sql: (d) => `ALTER TABLE scheduled_tasks ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scheduled_tasks ADD COLUMN retry_at ${d.time};`,
};
