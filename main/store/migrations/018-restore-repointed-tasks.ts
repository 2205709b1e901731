import type { Migration } from './index.js';

/**
 * A restore can remove the run a kept scheduled task names as its last; it then points the task at
 * its newest run that survived (or none) and records which tasks it re-pointed, from what to what,
 * with the restore itself. Restores recorded before this list none.
 */
export const migration018: Migration = {
  version: 18,
  name: 'restore repointed tasks',
  sql: (d) => `ALTER TABLE restore_events ADD COLUMN repointed_tasks_json ${d.json} NOT NULL DEFAULT '[]';`,
};
