import type { Migration } from './index.js';

/**
 * The writer lock names what holds it and for whom ("a rollback of run 12", "Ada"), so a second
 * operator's refusal — in the console or a CLI in another process — says which operation to wait
 * for and whom to ask. Null for an update (its run id names it) and for locks taken before this.
 */
export const migration019: Migration = {
  version: 19,
  name: 'writer lock names its operation',
  sql: () => `ALTER TABLE writer_lock ADD COLUMN operation TEXT;
ALTER TABLE writer_lock ADD COLUMN operator TEXT;`,
};
