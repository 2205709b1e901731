import type { Migration } from './index.js';

/**
 * The committee links, appearances, videos and transcripts a run's committed batches planned from
 * their records, carried by the checkpoint (so a resumed run keeps them): the cross-batch
 * reconciliation compares them with the rows stored and reads the records themselves only when
 * they disagree. Null for checkpoints written before it: such a run is reconciled record by record.
 */
export const migration011: Migration = {
  version: 11,
  name: 'checkpoint planned related rows',
  sql: (d) => `ALTER TABLE checkpoints ADD COLUMN planned_related_json ${d.json};`,
};
