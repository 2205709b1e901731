import type { Migration } from './index.js';

/**
 * Scheduled tasks outlive restores (they are operations configuration, as flag values are), so
 * their changes get an audit trail of their own, kept like the flag events: who added, edited,
 * disabled or enabled a task, when, and the task before and after (sources redacted).
 */
export const migration015: Migration = {
  version: 15,
  name: 'task events',
  sql: (d) => `
CREATE TABLE task_events (
id ${d.id},
task TEXT NOT NULL,
action TEXT NOT NULL CHECK (action IN ('added', 'edited')),
old_json TEXT,
new_json TEXT NOT NULL,
operator TEXT NOT NULL,
at ${d.time} NOT NULL
);
CREATE INDEX task_events_by_task ON task_events(task, id);
`,
};
