import type { Migration } from './index.js';

/**
 * What the source noticed while a run read it (Congress.gov's pagination disagreeing with itself:
 * `sourceWarnings` of the run summary), kept with the run so `runs show` and the console's run detail
 * still say it once `gatehouse update` has printed it. Null: nothing noticed (and every run recorded
 * before this). `json`, not jsonb, on PostgreSQL: it is read back to people in the order it was
 * written (migration 023).
 */
export const migration034: Migration = {
  version: 34,
  name: 'run source warnings',
  sql: (d) => `ALTER TABLE runs ADD COLUMN source_warnings_json ${d.name === 'postgres' ? 'json' : d.json};`,
};
