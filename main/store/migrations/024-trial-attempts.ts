import type { Migration } from './index.js';

/**
 * A trial session is an attempt too: it leaves a row as it starts in the database it copies from,
 * naming the staging target it holds (a SQLite path, or a PostgreSQL schema of the same database).
 * A trial killed with its process (kill -9 of `gatehouse serve`) left nothing; its row is settled
 * `unfinished` by the next trial on that target, or by the next writer once no trial holds it.
 */
export const migration024: Migration = {
  version: 24,
  name: 'trial attempts',
  sql: () => 'ALTER TABLE writer_attempts ADD COLUMN trial_staging TEXT;',
};
