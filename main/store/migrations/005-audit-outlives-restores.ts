import { migration003 } from './003-rollback-events.js';
import { migration004 } from './004-anomaly-reviews-trials.js';
import type { Dialect, Migration } from './index.js';

/**
 * The audit outlives restores: a restore replaces the run and domain tables, so rollback events
 * and reviews may name runs that are no longer there, and lose their foreign keys to runs (SQLite
 * cannot drop a constraint: those two small tables are rebuilt). Run ids get a high-water mark that
 * no restore lowers, restores are recorded, and PostgreSQL gets its snapshot list.
 */
export const migration005: Migration = {
  version: 5,
  name: 'audit outlives restores',
  sql: (d) => `
${d.name === 'sqlite' ? [rebuiltSqliteTable(d, migration003, 'rollback_events', 'v5'), rebuiltSqliteTable(d, migration004, 'run_reviews', 'v5')].join('\n\n') : POSTGRES_DROP_RUN_REFERENCES}

CREATE TABLE sequences (
name TEXT PRIMARY KEY,
value ${d.long} NOT NULL
);
INSERT INTO sequences (name, value) SELECT 'runs', coalesce(max(id), 0) FROM runs;

CREATE TABLE restore_events (
id ${d.id},
snapshot_id TEXT NOT NULL,
snapshot_taken_at ${d.time} NOT NULL,
safety_snapshot_id TEXT,
operator TEXT NOT NULL,
reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
at ${d.time} NOT NULL,
hearings_before INTEGER NOT NULL,
hearings_after INTEGER NOT NULL
);

CREATE INDEX quarantine_by_run_batch ON quarantine(run_id, batch_seq, id);
CREATE INDEX runs_by_task ON runs(task, id);
`,
};

/**
 * SQLite cannot drop or change a constraint: the table is created again as an earlier migration
 * made it, without its reference to runs and with `change` applied, refilled, and put in the old
 * one's place (migrations 5 and 9).
 */
export function rebuiltSqliteTable(sqlite: Dialect, migration: Migration, table: string, suffix: string, change = (created: string) => created): string {
  const created = migration.sql(sqlite).match(new RegExp(`CREATE TABLE ${table} \\([\\s\\S]*?\\n\\);`))![0];
  return `${change(created.replace(`CREATE TABLE ${table} `, `CREATE TABLE ${table}_${suffix} `).replace(' REFERENCES runs(id)', ''))}
INSERT INTO ${table}_${suffix} SELECT * FROM ${table};
DROP TABLE ${table};
ALTER TABLE ${table}_${suffix} RENAME TO ${table};
CREATE INDEX ${table}_by_run ON ${table}(run_id);`;
}

const POSTGRES_DROP_RUN_REFERENCES = `
ALTER TABLE rollback_events DROP CONSTRAINT IF EXISTS rollback_events_run_id_fkey;
ALTER TABLE run_reviews DROP CONSTRAINT IF EXISTS run_reviews_run_id_fkey;

CREATE TABLE snapshots (
id TEXT PRIMARY KEY,
place TEXT NOT NULL,
created_at timestamptz NOT NULL,
kind TEXT NOT NULL,
run_id bigint,
size_bytes bigint NOT NULL,
sha256 TEXT NOT NULL
);
`;
