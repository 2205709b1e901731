import type { Migration } from './index.js';

/**
 * The cross-batch reconciliation reads, for each of a run's hearings, its first run and its source
 * position beside the key. With them in the run's index it never reads the hearing rows, each
 * about a kilobyte of stored JSON: on SQLite, 100k hearings, the reconciliation's count of the
 * run's rows took ≈ 0.35 s less from a cold page cache (≈ 0.75 s → ≈ 0.4 s). The index still leads
 * with (last_run_id, event_id), so a resume's pages stay ranges of it. PostgreSQL carries the two
 * as INCLUDE columns, outside the key, for the same index on both backends; it can answer from the
 * index alone only once the run's heap pages are marked all-visible (after a vacuum: 5,000 hearings,
 * an index-only scan with no heap fetch), so right after a run it still reads their rows.
 */
export const migration013: Migration = {
  version: 13,
  name: 'run hearings carry reconciled columns',
  sql: (d) => `DROP INDEX IF EXISTS hearings_by_last_run;
CREATE INDEX hearings_by_last_run ON hearings(last_run_id, event_id${d.name === 'postgres' ? ') INCLUDE (first_run_id, last_position)' : ', first_run_id, last_position)'};`,
};
