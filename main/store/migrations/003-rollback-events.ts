import type { Migration } from './index.js';

/**
 * Rollback bookkeeping: who undid what and why, and which journal rows a rollback has consumed
 * (so rolling back twice finds nothing left to do).
 */
export const migration003: Migration = {
  version: 3,
  name: 'rollback events and undo journal state',
  sql: (d) => `
CREATE TABLE rollback_events (
id ${d.id},
run_id ${d.long} NOT NULL REFERENCES runs(id),
batch_seq INTEGER,
operator TEXT NOT NULL,
at ${d.time} NOT NULL,
reason TEXT,
on_conflict TEXT NOT NULL,
restored INTEGER NOT NULL,
deleted INTEGER NOT NULL,
skipped INTEGER NOT NULL,
forced INTEGER NOT NULL,
created_rows_deleted INTEGER NOT NULL,
created_rows_kept INTEGER NOT NULL,
run_rolled_back ${d.bool} NOT NULL
);
CREATE INDEX rollback_events_by_run ON rollback_events(run_id);

ALTER TABLE undo_journal ADD COLUMN undone_by ${d.long} REFERENCES rollback_events(id);
ALTER TABLE undo_journal ADD COLUMN undo_outcome TEXT;
CREATE INDEX undo_journal_by_entity ON undo_journal(entity, entity_key, id);
`,
};
