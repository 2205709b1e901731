import type { Migration } from '../../sqlite/migrations.js';

/** The PostgreSQL twin of SQLite migration 004: anomaly reviews and the trial ledger. */
export const migration004: Migration = {
  version: 4,
  name: 'anomaly reviews and trials',
  sql: `
CREATE TABLE run_reviews (
id bigserial PRIMARY KEY,
run_id bigint NOT NULL REFERENCES runs(id),
action text NOT NULL CHECK (action IN ('expected', 'confirmed', 'accepted')),
reason_kind text,
reason text NOT NULL,
operator text NOT NULL,
at timestamptz NOT NULL
);
CREATE INDEX run_reviews_by_run ON run_reviews(run_id);
CREATE INDEX runs_by_verdict ON runs(verdict);

CREATE TABLE trials (
id bigserial PRIMARY KEY,
session text NOT NULL,
at timestamptz NOT NULL,
source text NOT NULL,
label text NOT NULL,
kind text NOT NULL,
level text NOT NULL CHECK (level IN ('run', 'record', 'control')),
magnitude double precision,
run_id bigint,
caught boolean NOT NULL,
caught_by_json jsonb NOT NULL,
verdict text,
detail text
);
CREATE INDEX trials_by_at ON trials(at);
`,
};
