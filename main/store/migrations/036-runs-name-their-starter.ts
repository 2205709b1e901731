import type { Migration } from './index.js';

/**
 * Who started a run was named only in the writer-lock row, and only while the run held it: once it
 * ended, support could not tell who had run an update, nor whether the scheduler had. Null: a run
 * recorded before this (or through the store without a name). A run's own column, not an audit
 * table: a restore brings each run back with its starter, as the snapshot holds it.
 */
export const migration036: Migration = {
  version: 36,
  name: 'runs name their starter',
  sql: () => 'ALTER TABLE runs ADD COLUMN started_by TEXT;',
};
