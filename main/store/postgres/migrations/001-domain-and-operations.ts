import type { Migration } from '../../sqlite/migrations.js';

/**
 * The PostgreSQL twin of SQLite migration 001: the same tables and columns. Ids are bigserial,
 * operational times timestamptz (read back as ISO strings by rows.ts), summaries jsonb. Hearing
 * times stay text exactly as the source gave them; content_json, raw_json and reasons_json stay
 * text because they hold whatever the source produced, and jsonb refuses a \u0000 escape that
 * JSON text keeps losslessly.
 */
export const migration001: Migration = {
  version: 1,
  name: 'domain and operations tables',
  sql: `
CREATE TABLE committees (
system_code text PRIMARY KEY,
name text,
chamber text,
parent_code text REFERENCES committees(system_code),
created_run_id bigint
);

CREATE TABLE hearings (
event_id text PRIMARY KEY,
congress integer NOT NULL CHECK (congress BETWEEN 1 AND 200),
chamber text NOT NULL CHECK (chamber IN ('House', 'Senate', 'NoChamber')),
meeting_type text NOT NULL CHECK (meeting_type IN ('Hearing', 'Meeting', 'Markup')),
meeting_status text NOT NULL CHECK (meeting_status IN ('Scheduled', 'Canceled', 'Postponed', 'Rescheduled')),
title text NOT NULL CHECK (length(trim(title)) > 0),
starts_at text NOT NULL,
update_date text,
room text,
building text,
address text,
content_hash text NOT NULL,
content_json text NOT NULL,
first_run_id bigint NOT NULL,
last_run_id bigint NOT NULL,
last_batch_seq integer NOT NULL,
last_position integer
);
CREATE INDEX hearings_by_last_run ON hearings(last_run_id);
CREATE INDEX hearings_by_start ON hearings(starts_at);

CREATE TABLE hearing_committees (
event_id text NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
system_code text NOT NULL REFERENCES committees(system_code),
is_primary integer NOT NULL,
ordinal integer NOT NULL,
PRIMARY KEY (event_id, system_code)
);
CREATE INDEX hearing_committees_by_code ON hearing_committees(system_code);

CREATE TABLE witnesses (
id bigserial PRIMARY KEY,
normalized_name text NOT NULL,
organization_key text NOT NULL,
name text NOT NULL,
organization text,
UNIQUE (normalized_name, organization_key)
);

CREATE TABLE appearances (
event_id text NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
witness_id bigint NOT NULL REFERENCES witnesses(id),
ordinal integer NOT NULL,
position text,
PRIMARY KEY (event_id, witness_id)
);
CREATE INDEX appearances_by_witness ON appearances(witness_id);

CREATE TABLE videos (
event_id text NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
ordinal integer NOT NULL,
name text,
url text NOT NULL,
PRIMARY KEY (event_id, ordinal)
);

CREATE TABLE transcripts (
event_id text NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
ordinal integer NOT NULL,
jacket_number text,
url text,
PRIMARY KEY (event_id, ordinal)
);

CREATE TABLE runs (
id bigserial PRIMARY KEY,
status text NOT NULL,
mode text NOT NULL,
batch_size integer NOT NULL,
task text,
source text NOT NULL,
started_at timestamptz NOT NULL,
finished_at timestamptz,
pid integer,
host text,
metrics_json jsonb NOT NULL,
batch_counts_json jsonb NOT NULL,
validation_json jsonb,
verdict text,
flags_json jsonb NOT NULL DEFAULT '{}',
error text,
resumed_from bigint,
backup_id text,
review text
);
CREATE INDEX runs_by_start ON runs(started_at);

CREATE TABLE batches (
run_id bigint NOT NULL REFERENCES runs(id),
seq integer NOT NULL,
status text NOT NULL,
planned integer NOT NULL,
written integer NOT NULL,
added integer NOT NULL,
updated integer NOT NULL,
quarantined integer NOT NULL,
retries integer NOT NULL,
duration_ms bigint NOT NULL,
error text,
first_position integer NOT NULL,
last_position integer NOT NULL,
finished_at timestamptz NOT NULL,
PRIMARY KEY (run_id, seq)
);

CREATE TABLE quarantine (
id bigserial PRIMARY KEY,
run_id bigint NOT NULL REFERENCES runs(id),
batch_seq integer,
event_id text,
source_position integer,
reasons_json text NOT NULL,
raw_json text NOT NULL,
created_at timestamptz NOT NULL
);
CREATE INDEX quarantine_by_run ON quarantine(run_id);

CREATE TABLE checkpoints (
run_id bigint PRIMARY KEY REFERENCES runs(id),
batch_seq integer NOT NULL,
next_position integer NOT NULL,
metrics_json jsonb NOT NULL,
batch_counts_json jsonb NOT NULL,
positions_done_json jsonb NOT NULL,
updated_at timestamptz NOT NULL
);

CREATE TABLE writer_lock (
id integer PRIMARY KEY CHECK (id = 1),
run_id bigint,
pid integer NOT NULL,
host text NOT NULL,
since timestamptz NOT NULL,
heartbeat_at timestamptz NOT NULL
);

CREATE TABLE undo_journal (
id bigserial PRIMARY KEY,
run_id bigint NOT NULL,
batch_seq integer NOT NULL,
entity text NOT NULL,
entity_key text NOT NULL,
before_json jsonb,
after_hash text,
created_at timestamptz NOT NULL
);
CREATE INDEX undo_journal_by_run ON undo_journal(run_id, batch_seq);
`,
};
