import type { Migration } from './index.js';

/**
 * A task switched off is a kill switch like a flag, and support reads why as they read a flag
 * event's reason. Its own column, as flag events keep theirs, rather than inside the event's JSON
 * copy of the task. Null: an event recorded before this, or an add or edit given no reason.
 */
export const migration038: Migration = {
  version: 38,
  name: 'task events say why',
  sql: () => 'ALTER TABLE task_events ADD COLUMN reason TEXT;',
};
