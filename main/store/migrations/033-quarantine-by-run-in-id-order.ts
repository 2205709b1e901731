import type { Migration } from './index.js';

/**
 * `quarantine.list` for one run reads its entries in id order, a page at a time. PostgreSQL's index
 * on run_id alone holds no id order, so for a run with many entries it walked the primary key from
 * the first entry of all, filtering: 0.8–1.6 s for the last of 500 runs among 1,000,000 entries, on
 * every open of that run's detail. An index on (run_id, id) reads the page in order (under 1 ms) and
 * serves every lookup the one on run_id did, so it replaces it. SQLite's index on run_id already
 * held rowid order; the same index keeps both backends' schemas alike at no extra cost. Written to
 * run again harmlessly, as it does on a database wound back before it (test/helpers/schema-rewind.ts).
 */
export const migration033: Migration = {
  version: 33,
  name: 'quarantine by run in id order',
  sql: () => `
CREATE INDEX IF NOT EXISTS quarantine_by_run_in_id_order ON quarantine(run_id, id);
DROP INDEX IF EXISTS quarantine_by_run;
`,
};
