import type { Migration } from './index.js';

/**
 * A restore records the runs it took away, so "run N no longer exists" names the restore that
 * removed it, not merely the latest one (a later restore from an older snapshot did not). NULL for
 * restores recorded before this: for them only the latest restore can be named.
 */
export const migration021: Migration = {
  version: 21,
  name: 'restore removed runs',
  sql: (d) => `ALTER TABLE restore_events ADD COLUMN removed_run_ids_json ${d.json};`,
};
