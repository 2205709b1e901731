import type { Migration } from './index.js';

/**
 * Operator feedback on anomalous runs (expected / confirmed, and the acceptance of a held run),
 * and the staging trial ledger. runs.review (from 001) mirrors the latest expected/confirmed mark
 * so the validator's history query can filter without a join.
 */
export const migration004: Migration = {
  version: 4,
  name: 'anomaly reviews and trials',
  sql: (d) => `
CREATE TABLE run_reviews (
id ${d.id},
run_id ${d.long} NOT NULL REFERENCES runs(id),
action TEXT NOT NULL CHECK (action IN ('expected', 'confirmed', 'accepted')),
reason_kind TEXT,
reason TEXT NOT NULL,
operator TEXT NOT NULL,
at ${d.time} NOT NULL
);
CREATE INDEX run_reviews_by_run ON run_reviews(run_id);
CREATE INDEX runs_by_verdict ON runs(verdict);

CREATE TABLE trials (
id ${d.id},
session TEXT NOT NULL,
at ${d.time} NOT NULL,
source TEXT NOT NULL,
label TEXT NOT NULL,
kind TEXT NOT NULL,
level TEXT NOT NULL CHECK (level IN ('run', 'record', 'control')),
magnitude ${d.real},
run_id ${d.long},
caught ${d.bool} NOT NULL,
caught_by_json ${d.json} NOT NULL,
verdict TEXT,
detail TEXT
);
CREATE INDEX trials_by_at ON trials(at);
`,
};
