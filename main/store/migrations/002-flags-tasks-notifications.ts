import type { Migration } from './index.js';

/**
 * Feature flag values and their audit trail, scheduled tasks, and the notification throttle.
 * The throttle lives in the database so that separate processes (the app, `gatehouse scheduler`,
 * a one-off `gatehouse update`) agree on what was already sent.
 */
export const migration002: Migration = {
  version: 2,
  name: 'flags, scheduled tasks, notification throttle',
  sql: (d) => `
CREATE TABLE flag_values (
flag TEXT NOT NULL,
scope TEXT NOT NULL,
value_json TEXT NOT NULL,
updated_at ${d.time} NOT NULL,
updated_by TEXT NOT NULL,
PRIMARY KEY (flag, scope)
);

CREATE TABLE flag_events (
id ${d.id},
flag TEXT NOT NULL,
scope TEXT NOT NULL,
old_json TEXT,
new_json TEXT,
actor TEXT NOT NULL,
reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
at ${d.time} NOT NULL
);
CREATE INDEX flag_events_by_flag ON flag_events(flag, scope, id);

CREATE TABLE scheduled_tasks (
name TEXT PRIMARY KEY,
cron TEXT NOT NULL,
source TEXT NOT NULL,
lookback_days INTEGER NOT NULL CHECK (lookback_days >= 0),
enabled ${d.bool} NOT NULL${d.name === 'sqlite' ? ' CHECK (enabled IN (0, 1))' : ''},
created_at ${d.time} NOT NULL,
updated_at ${d.time} NOT NULL,
last_fired_at ${d.time},
last_run_id ${d.long}
);

CREATE TABLE notification_throttle (
cause TEXT PRIMARY KEY,
last_sent_at ${d.time} NOT NULL,
folded INTEGER NOT NULL DEFAULT 0
);
`,
};
