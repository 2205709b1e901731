import type { Migration } from './index.js';

/**
 * The hearings and everything hanging off them, runs with their batches, quarantine,
 * checkpoints and undo journal, and the writer lock. On PostgreSQL ids are bigserial, operational
 * times timestamptz and summaries jsonb; hearing times stay text exactly as the source gave them,
 * and content_json, raw_json and reasons_json stay text because they hold whatever the source
 * produced (jsonb refuses a \u0000 escape that JSON text keeps losslessly).
 */
export const migration001: Migration = {
  version: 1,
  name: 'domain and operations tables',
  sql: (d) => `
CREATE TABLE committees (
system_code TEXT PRIMARY KEY,
name TEXT,
chamber TEXT,
parent_code TEXT REFERENCES committees(system_code),
created_run_id ${d.long}
);

CREATE TABLE hearings (
event_id TEXT PRIMARY KEY,
congress INTEGER NOT NULL CHECK (congress BETWEEN 1 AND 200),
chamber TEXT NOT NULL CHECK (chamber IN ('House', 'Senate', 'NoChamber')),
meeting_type TEXT NOT NULL CHECK (meeting_type IN ('Hearing', 'Meeting', 'Markup')),
meeting_status TEXT NOT NULL CHECK (meeting_status IN ('Scheduled', 'Canceled', 'Postponed', 'Rescheduled')),
title TEXT NOT NULL CHECK (length(trim(title)) > 0),
starts_at TEXT NOT NULL,
update_date TEXT,
room TEXT,
building TEXT,
address TEXT,
content_hash TEXT NOT NULL,
content_json TEXT NOT NULL,
first_run_id ${d.long} NOT NULL,
last_run_id ${d.long} NOT NULL,
last_batch_seq INTEGER NOT NULL,
last_position INTEGER
);
CREATE INDEX hearings_by_last_run ON hearings(last_run_id);
CREATE INDEX hearings_by_start ON hearings(starts_at);

CREATE TABLE hearing_committees (
event_id TEXT NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
system_code TEXT NOT NULL REFERENCES committees(system_code),
is_primary INTEGER NOT NULL,
ordinal INTEGER NOT NULL,
PRIMARY KEY (event_id, system_code)
);
CREATE INDEX hearing_committees_by_code ON hearing_committees(system_code);

CREATE TABLE witnesses (
id ${d.id},
normalized_name TEXT NOT NULL,
organization_key TEXT NOT NULL,
name TEXT NOT NULL,
organization TEXT,
UNIQUE (normalized_name, organization_key)
);

CREATE TABLE appearances (
event_id TEXT NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
witness_id ${d.long} NOT NULL REFERENCES witnesses(id),
ordinal INTEGER NOT NULL,
position TEXT,
PRIMARY KEY (event_id, witness_id)
);
CREATE INDEX appearances_by_witness ON appearances(witness_id);

CREATE TABLE videos (
event_id TEXT NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
ordinal INTEGER NOT NULL,
name TEXT,
url TEXT NOT NULL,
PRIMARY KEY (event_id, ordinal)
);

CREATE TABLE transcripts (
event_id TEXT NOT NULL REFERENCES hearings(event_id) ON DELETE CASCADE,
ordinal INTEGER NOT NULL,
jacket_number TEXT,
url TEXT,
PRIMARY KEY (event_id, ordinal)
);

CREATE TABLE runs (
id ${d.id},
status TEXT NOT NULL,
mode TEXT NOT NULL,
batch_size INTEGER NOT NULL,
task TEXT,
source TEXT NOT NULL,
started_at ${d.time} NOT NULL,
finished_at ${d.time},
pid INTEGER,
host TEXT,
metrics_json ${d.json} NOT NULL,
batch_counts_json ${d.json} NOT NULL,
validation_json ${d.json},
verdict TEXT,
flags_json ${d.json} NOT NULL DEFAULT '{}',
error TEXT,
resumed_from ${d.long},
backup_id TEXT,
review TEXT
);
CREATE INDEX runs_by_start ON runs(started_at);

CREATE TABLE batches (
run_id ${d.long} NOT NULL REFERENCES runs(id),
seq INTEGER NOT NULL,
status TEXT NOT NULL,
planned INTEGER NOT NULL,
written INTEGER NOT NULL,
added INTEGER NOT NULL,
updated INTEGER NOT NULL,
quarantined INTEGER NOT NULL,
retries INTEGER NOT NULL,
duration_ms ${d.long} NOT NULL,
error TEXT,
first_position INTEGER NOT NULL,
last_position INTEGER NOT NULL,
finished_at ${d.time} NOT NULL,
PRIMARY KEY (run_id, seq)
);

CREATE TABLE quarantine (
id ${d.id},
run_id ${d.long} NOT NULL REFERENCES runs(id),
batch_seq INTEGER,
event_id TEXT,
source_position INTEGER,
reasons_json TEXT NOT NULL,
raw_json TEXT NOT NULL,
created_at ${d.time} NOT NULL
);
CREATE INDEX quarantine_by_run ON quarantine(run_id);

CREATE TABLE checkpoints (
run_id ${d.long} PRIMARY KEY REFERENCES runs(id),
batch_seq INTEGER NOT NULL,
next_position INTEGER NOT NULL,
metrics_json ${d.json} NOT NULL,
batch_counts_json ${d.json} NOT NULL,
positions_done_json ${d.json} NOT NULL,
updated_at ${d.time} NOT NULL
);

CREATE TABLE writer_lock (
id INTEGER PRIMARY KEY CHECK (id = 1),
run_id ${d.long},
pid INTEGER NOT NULL,
host TEXT NOT NULL,
since ${d.time} NOT NULL,
heartbeat_at ${d.time} NOT NULL
);

CREATE TABLE undo_journal (
id ${d.id},
run_id ${d.long} NOT NULL,
batch_seq INTEGER NOT NULL,
entity TEXT NOT NULL,
entity_key TEXT NOT NULL,
before_json ${d.json},
after_hash TEXT,
created_at ${d.time} NOT NULL
);
CREATE INDEX undo_journal_by_run ON undo_journal(run_id, batch_seq);
`,
};
