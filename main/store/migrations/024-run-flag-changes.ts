import type { Migration } from './index.js';

/**
 * The kills that reached a run while it was going (main/flags/mid-run-kills.ts), as a JSON list
 * beside `flags_json`, which keeps meaning "the flags at the start". Null: none (and every run
 * recorded before this). `json`, not jsonb, on PostgreSQL: it is read back to people in the order
 * it was written (migration 023).
 */
export const migration024: Migration = {
  version: 24,
  name: 'run flag changes',
  sql: (d) => `ALTER TABLE runs ADD COLUMN flag_changes_json ${d.name === 'postgres' ? 'json' : d.json};`,
};
