import type { Migration } from './index.js';

/**
 * A run over a source re-listed by design (congress) resumes by identity, not by position: the
 * listing a resume fetches again may have gained, lost or reordered meetings since the run was
 * interrupted, so skipping the first N would skip unread meetings and read written ones again. Each
 * batch records the keys (eventIds) of every item it handled — written, unchanged or quarantined —
 * in its own transaction, and the run records the window it listed, so a resume lists the same
 * window and skips exactly what the run already handled.
 */
export const migration016: Migration = {
  version: 16,
  name: 'resume by identity',
  sql: (d) => `
    ALTER TABLE runs ADD COLUMN source_window_json ${d.json};
    CREATE TABLE run_handled (
      run_id ${d.long} NOT NULL,
      item_key TEXT NOT NULL,
      PRIMARY KEY (run_id, item_key)
    );`,
};
