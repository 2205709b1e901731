import { sql } from 'kysely';
import type { Db } from '../../main/store/index.js';

/** Columns migrations added with nothing else (no backfill to undo), by the version that added them. */
const ADDED_COLUMNS: readonly { version: number; table: string; column: string }[] = [
  { version: 24, table: 'runs', column: 'flag_changes_json' },
  { version: 26, table: 'scheduled_tasks', column: 'consecutive_failures' },
  { version: 26, table: 'scheduled_tasks', column: 'retry_at' },
  { version: 27, table: 'trials', column: 'task' },
  { version: 27, table: 'trials', column: 'sensitivity_version' },
  { version: 34, table: 'runs', column: 'source_warnings_json' },
  { version: 35, table: 'flag_events', column: 'reverts_event_id' },
  { version: 36, table: 'runs', column: 'started_by' },
  { version: 37, table: 'trials', column: 'window_runs' },
  { version: 37, table: 'trials', column: 'first_alert_run' },
  { version: 37, table: 'trials', column: 'first_alert_run_id' },
  { version: 37, table: 'trials', column: 'alert_verdict' },
  { version: 38, table: 'task_events', column: 'reason' },
  { version: 39, table: 'runs', column: 'resumed_after_batches' },
  { version: 39, table: 'runs', column: 'follow_up_error' },
  { version: 39, table: 'runs', column: 'after_resume_of' },
  { version: 40, table: 'runs', column: 'stop_json' },
  { version: 41, table: 'writer_attempts', column: 'last_event_before' },
];

/**
 * Makes a database look as one from before migration `version` to the next open: the columns
 * added since dropped and the migrations forgotten, so they apply again as they would on an old
 * database. One list, so a new migration that adds a column is undone in every test that winds back.
 */
export async function windSchemaBackTo(db: Db, version: number): Promise<void> {
  for (const added of [...ADDED_COLUMNS].reverse().filter((added) => added.version >= version)) {
    await sql`ALTER TABLE ${sql.table(added.table)} DROP COLUMN ${sql.ref(added.column)}`.execute(db);
  }
  await sql`DELETE FROM schema_migrations WHERE version >= ${version}`.execute(db);
}
