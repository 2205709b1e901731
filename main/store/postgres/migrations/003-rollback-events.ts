import type { Migration } from '../../sqlite/migrations.js';

/** The PostgreSQL twin of SQLite migration 003: rollback events and undo-journal state. */
export const migration003: Migration = {
  version: 3,
  name: 'rollback events and undo journal state',
  sql: `
CREATE TABLE rollback_events (
id bigserial PRIMARY KEY,
run_id bigint NOT NULL REFERENCES runs(id),
batch_seq integer,
operator text NOT NULL,
at timestamptz NOT NULL,
reason text,
on_conflict text NOT NULL,
restored integer NOT NULL,
deleted integer NOT NULL,
skipped integer NOT NULL,
forced integer NOT NULL,
created_rows_deleted integer NOT NULL,
created_rows_kept integer NOT NULL,
run_rolled_back boolean NOT NULL
);
CREATE INDEX rollback_events_by_run ON rollback_events(run_id);

ALTER TABLE undo_journal ADD COLUMN undone_by bigint REFERENCES rollback_events(id);
ALTER TABLE undo_journal ADD COLUMN undo_outcome text;
CREATE INDEX undo_journal_by_entity ON undo_journal(entity, entity_key, id);
`,
};
