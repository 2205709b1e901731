import type { Migration } from './index.js';

/**
 * The audit outlives restores: a restore replaces the run and domain tables, so rollback events
 * and reviews may name runs that are no longer there, and lose their foreign keys to runs (SQLite
 * cannot drop a constraint: those two small tables are rebuilt). Run ids get a high-water mark that
 * no restore lowers, restores are recorded, and PostgreSQL gets its snapshot list.
 */
export const migration005: Migration = {
  version: 5,
  name: 'audit outlives restores',
  sql: (d) => `
${d.name === 'sqlite' ? SQLITE_DROP_RUN_REFERENCES : POSTGRES_DROP_RUN_REFERENCES}

CREATE TABLE sequences (
name TEXT PRIMARY KEY,
value ${d.long} NOT NULL
);
INSERT INTO sequences (name, value) SELECT 'runs', coalesce(max(id), 0) FROM runs;

CREATE TABLE restore_events (
id ${d.id},
snapshot_id TEXT NOT NULL,
snapshot_taken_at ${d.time} NOT NULL,
safety_snapshot_id TEXT,
operator TEXT NOT NULL,
reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
at ${d.time} NOT NULL,
hearings_before INTEGER NOT NULL,
hearings_after INTEGER NOT NULL
);

CREATE INDEX quarantine_by_run_batch ON quarantine(run_id, batch_seq, id);
CREATE INDEX runs_by_task ON runs(task, id);
`,
};

const SQLITE_DROP_RUN_REFERENCES = `
CREATE TABLE rollback_events_v5 (
id INTEGER PRIMARY KEY,
run_id INTEGER NOT NULL,
batch_seq INTEGER,
operator TEXT NOT NULL,
at TEXT NOT NULL,
reason TEXT,
on_conflict TEXT NOT NULL,
restored INTEGER NOT NULL,
deleted INTEGER NOT NULL,
skipped INTEGER NOT NULL,
forced INTEGER NOT NULL,
created_rows_deleted INTEGER NOT NULL,
created_rows_kept INTEGER NOT NULL,
run_rolled_back INTEGER NOT NULL
);
INSERT INTO rollback_events_v5 SELECT * FROM rollback_events;
DROP TABLE rollback_events;
ALTER TABLE rollback_events_v5 RENAME TO rollback_events;
CREATE INDEX rollback_events_by_run ON rollback_events(run_id);

CREATE TABLE run_reviews_v5 (
id INTEGER PRIMARY KEY,
run_id INTEGER NOT NULL,
action TEXT NOT NULL CHECK (action IN ('expected', 'confirmed', 'accepted')),
reason_kind TEXT,
reason TEXT NOT NULL,
operator TEXT NOT NULL,
at TEXT NOT NULL
);
INSERT INTO run_reviews_v5 SELECT * FROM run_reviews;
DROP TABLE run_reviews;
ALTER TABLE run_reviews_v5 RENAME TO run_reviews;
CREATE INDEX run_reviews_by_run ON run_reviews(run_id);
`;

const POSTGRES_DROP_RUN_REFERENCES = `
ALTER TABLE rollback_events DROP CONSTRAINT IF EXISTS rollback_events_run_id_fkey;
ALTER TABLE run_reviews DROP CONSTRAINT IF EXISTS run_reviews_run_id_fkey;

CREATE TABLE snapshots (
id TEXT PRIMARY KEY,
place TEXT NOT NULL,
created_at timestamptz NOT NULL,
kind TEXT NOT NULL,
run_id bigint,
size_bytes bigint NOT NULL,
sha256 TEXT NOT NULL
);
`;
