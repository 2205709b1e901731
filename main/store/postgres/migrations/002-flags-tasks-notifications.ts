import type { Migration } from '../../sqlite/migrations.js';

/** The PostgreSQL twin of SQLite migration 002: flags with their audit trail, scheduled tasks, notification throttle. */
export const migration002: Migration = {
  version: 2,
  name: 'flags, scheduled tasks, notification throttle',
  sql: `
CREATE TABLE flag_values (
flag text NOT NULL,
scope text NOT NULL,
value_json text NOT NULL,
updated_at timestamptz NOT NULL,
updated_by text NOT NULL,
PRIMARY KEY (flag, scope)
);

CREATE TABLE flag_events (
id bigserial PRIMARY KEY,
flag text NOT NULL,
scope text NOT NULL,
old_json text,
new_json text,
actor text NOT NULL,
reason text NOT NULL CHECK (length(trim(reason)) > 0),
at timestamptz NOT NULL
);
CREATE INDEX flag_events_by_flag ON flag_events(flag, scope, id);

CREATE TABLE scheduled_tasks (
name text PRIMARY KEY,
cron text NOT NULL,
source text NOT NULL,
lookback_days integer NOT NULL CHECK (lookback_days >= 0),
enabled boolean NOT NULL,
created_at timestamptz NOT NULL,
updated_at timestamptz NOT NULL,
last_fired_at timestamptz,
last_run_id bigint
);

CREATE TABLE notification_throttle (
cause text PRIMARY KEY,
last_sent_at timestamptz NOT NULL,
folded integer NOT NULL DEFAULT 0
);
`,
};
