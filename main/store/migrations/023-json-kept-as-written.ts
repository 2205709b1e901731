import type { Migration } from './index.js';

/**
 * The JSON columns the code writes and hands back to people — run summaries, checkpoints, trials,
 * rollouts, sensitivity versions, restore events — were jsonb on PostgreSQL, which stores an
 * object's keys in its own order (shortest first). `runs show --json` and the API's runs.get then
 * printed `{"added", "fetched", …}` from PostgreSQL and `{"fetched", "added", …}` from SQLite for
 * the same run, against DESIGN §3's one contract. `json` keeps the text as written, as SQLite's TEXT
 * does. Rows written before this keep the order jsonb gave them: the order they were written in is
 * gone. undo_journal.before_json stays jsonb: PostgreSQL itself builds those images
 * (jsonb_build_object in the bulk writer), so there is no written order to keep, and only the
 * rollback reads them.
 */
const KEPT_AS_WRITTEN: Record<string, string[]> = {
  runs: ['metrics_json', 'batch_counts_json', 'validation_json', 'flags_json', 'snapshot_json', 'reconciliation_json', 'source_fingerprint_json', 'source_window_json'],
  checkpoints: ['metrics_json', 'batch_counts_json', 'positions_done_json', 'planned_related_json'],
  trials: ['caught_by_json'],
  rollouts: ['flag_changes_json', 'stages_json', 'applied_json'],
  rollout_ledger: ['evidence_json'],
  sensitivity_versions: ['settings_json'],
  restore_events: ['repointed_tasks_json', 'removed_run_ids_json'],
};

export const migration023: Migration = {
  version: 23,
  name: 'json kept as written',
  sql: (d) =>
    d.name !== 'postgres'
      ? ''
      : Object.entries(KEPT_AS_WRITTEN)
          .map(([table, columns]) => `ALTER TABLE ${table} ${columns.map((column) => `ALTER COLUMN ${column} TYPE json USING ${column}::json`).join(', ')};`)
          .join('\n'),
};
