import type { Migration } from './index.js';

/**
 * Which settings judged each trial in the ledger: the task it ran as (`gatehouse trial --task`,
 * trials.run's `task`) and that task's sensitivity version in force. Both null: the default
 * sensitivity and no task, as every trial recorded before this was judged.
 */
export const migration027: Migration = {
  version: 27,
  name: 'trial task and sensitivity version',
  sql: () => `ALTER TABLE trials ADD COLUMN task TEXT;
ALTER TABLE trials ADD COLUMN sensitivity_version INTEGER;`,
};
