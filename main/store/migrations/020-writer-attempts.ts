import type { Migration } from './index.js';

/**
 * Every rollback and restore leaves a row as it starts, closed with its outcome as it ends. One cut
 * off with its process (kill -9 of `gatehouse serve`) used to leave nothing at all in the audit; its
 * row is now settled as `unfinished` by the next writer, so support staff see who started what and
 * that it did not end. Kept through restores, like the rest of the audit.
 */
export const migration020: Migration = {
  version: 20,
  name: 'writer attempts',
  sql: (d) => `
CREATE TABLE writer_attempts (
id ${d.id},
operation TEXT NOT NULL,
operator TEXT,
pid INTEGER NOT NULL,
host TEXT NOT NULL,
started_at ${d.time} NOT NULL,
ended_at ${d.time},
outcome TEXT CHECK (outcome IN ('succeeded', 'failed', 'unfinished')),
detail TEXT
);
`,
};
