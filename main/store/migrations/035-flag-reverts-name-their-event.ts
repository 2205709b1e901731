import type { Migration } from './index.js';

/**
 * A `flags revert` recorded its change (old → new, who, why) but not which event it put back, and
 * its values alone cannot say (the flag may have changed again between the event and its revert):
 * support reading the audit could not tell what was undone. Null: not a revert (and every event
 * recorded before this). No foreign key: the audit is append-only, the event reverted stays.
 */
export const migration035: Migration = {
  version: 35,
  name: 'flag reverts name their event',
  sql: (d) => `ALTER TABLE flag_events ADD COLUMN reverts_event_id ${d.long};`,
};
