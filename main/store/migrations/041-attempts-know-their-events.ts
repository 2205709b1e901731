import type { Migration } from './index.js';

/**
 * A rollback or restore whose process died before it ended its attempt was settled `unfinished`,
 * support told to look in the audit for its event. Each is one transaction made under the writer
 * lock, so the next writer can look itself: its attempt now keeps, as it begins, the id of the newest
 * event of its kind then stored (0: none yet), and its own event, if it was committed, is the one
 * for its target after that one (main/store/writer-attempts.ts). Null for other operations, and for
 * attempts begun before this migration: theirs cannot be told apart from one before them.
 */
export const migration041: Migration = {
  version: 41,
  name: 'attempts know their events',
  sql: (d) => `ALTER TABLE writer_attempts ADD COLUMN last_event_before ${d.long};`,
};
