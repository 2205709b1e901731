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
${d.name === 'sqlite' ? [withoutRunReference(migration003, 'rollback_events', d), withoutRunReference(migration004, 'run_reviews', d)].join('\n\n') : POSTGRES_DROP_RUN_REFERENCES}

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
 * SQLite cannot drop a constraint: the table is created again as an earlier migration made it,
 * without its reference to runs, refilled, and put in the old one's place.
 */
function withoutRunReference(migration: Migration, table: string, dialect: Dialect): string {
  const created = migration.sql(dialect).match(new RegExp(`CREATE TABLE ${table} \\([\\s\\S]*?\\n\\);`))![0];
  return `${created.replace(`CREATE TABLE ${table} `, `CREATE TABLE ${table}_v5 `).replace(' REFERENCES runs(id)', '')}
INSERT INTO ${table}_v5 SELECT * FROM ${table};
DROP TABLE ${table};
ALTER TABLE ${table}_v5 RENAME TO ${table};
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
