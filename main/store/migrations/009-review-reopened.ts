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
  sql: (d) => (d.name === 'sqlite' ? SQLITE_REBUILD : POSTGRES_SWAP_CHECK),
};

const ACTIONS = `('expected', 'confirmed', 'accepted', 'reopened')`;

const SQLITE_REBUILD = `
CREATE TABLE run_reviews_v10 (
id INTEGER PRIMARY KEY,
run_id INTEGER NOT NULL,
action TEXT NOT NULL CHECK (action IN ${ACTIONS}),
reason_kind TEXT,
reason TEXT NOT NULL,
operator TEXT NOT NULL,
at TEXT NOT NULL
);
INSERT INTO run_reviews_v10 SELECT * FROM run_reviews;
DROP TABLE run_reviews;
ALTER TABLE run_reviews_v10 RENAME TO run_reviews;
CREATE INDEX run_reviews_by_run ON run_reviews(run_id);
`;

const POSTGRES_SWAP_CHECK = `
ALTER TABLE run_reviews DROP CONSTRAINT IF EXISTS run_reviews_action_check;
ALTER TABLE run_reviews ADD CONSTRAINT run_reviews_action_check CHECK (action IN ${ACTIONS});
`;
