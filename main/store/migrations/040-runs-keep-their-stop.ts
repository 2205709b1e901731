import type { Migration } from './index.js';

/**
 * What stopped an interrupted run (RunSummary.stop: a halt with its scope, who, when and why; a
 * stop asked; a fault), kept as data beside its `error`, which words it for people: the scheduler
 * judged whether HALT_UPDATES stopped a run by the start of that sentence. Null: the run was not
 * stopped short, or was recorded before this. `json`, not jsonb, on PostgreSQL, as the run's other
 * notes (migration 023).
 */
export const migration040: Migration = {
  version: 40,
  name: 'runs keep their stop',
  sql: (d) => `ALTER TABLE runs ADD COLUMN stop_json ${d.name === 'postgres' ? 'json' : d.json};`,
};
