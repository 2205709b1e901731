import { migration004 } from './004-anomaly-reviews-trials.js';
import { rebuiltSqliteTable } from './005-audit-outlives-restores.js';
import type { Migration } from './index.js';

/**
 * Bulk review has an undo: a run marked by mistake goes back to the review state it had, and the
 * audit says so. Going back to "not reviewed yet" is a `reopened` row in run_reviews (the log stays
 * append-only; the latest expected / confirmed / reopened row decides runs.review). SQLite cannot
 * change a CHECK constraint, so its small table is rebuilt; PostgreSQL swaps the constraint.
 */
export const migration009: Migration = {
  version: 9,
  name: 'reviews can be reopened',
  sql: (d) =>
    d.name === 'sqlite'
      ? rebuiltSqliteTable(d, migration004, 'run_reviews', 'v10', (created) => created.replace(/CHECK \(action IN \([^)]*\)\)/, `CHECK (action IN ${ACTIONS})`))
      : POSTGRES_SWAP_CHECK,
};

const ACTIONS = `('expected', 'confirmed', 'accepted', 'reopened')`;

const POSTGRES_SWAP_CHECK = `
ALTER TABLE run_reviews DROP CONSTRAINT IF EXISTS run_reviews_action_check;
ALTER TABLE run_reviews ADD CONSTRAINT run_reviews_action_check CHECK (action IN ${ACTIONS});
`;
