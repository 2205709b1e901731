import type { Migration } from './index.js';

/**
 * A resumed run reads the event ids it has written, a page at a time in key order, so a run of a
 * million hearings is not one result of a million rows (≈ 280 MB and 5 s, measured). The index on
 * last_run_id alone left each page to sort every row of the run (SQLite planned a temporary
 * B-tree per page: 77 s for a million); with the event id beside it, each page is one range of the
 * index. Every other reader of the old index filters on last_run_id, which leads this one.
 */
export const migration012: Migration = {
  version: 12,
  name: 'run hearings in key order',
  sql: () => 'DROP INDEX IF EXISTS hearings_by_last_run;\nCREATE INDEX hearings_by_last_run ON hearings(last_run_id, event_id);',
};
