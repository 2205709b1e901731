import { migration020 } from './020-writer-attempts.js';
import type { Migration } from './index.js';

/**
 * An attempt its operator stopped (Ctrl-C or SIGTERM to `gatehouse trial`) ends `stopped`, not
 * `failed`: nothing went wrong, and an analyst counting failures must not count a stop. SQLite
 * cannot change a CHECK constraint, so its small table is rebuilt; PostgreSQL swaps the constraint.
 */
export const migration031: Migration = {
  version: 31,
  name: 'attempts can be stopped',
  sql: (d) => (d.name === 'sqlite' ? SQLITE_REBUILD(migration020.sql(d)) : POSTGRES_SWAP_CHECK),
};

const OUTCOMES = `('succeeded', 'failed', 'unfinished', 'stopped')`;
const OLD_CHECK = /CHECK \(outcome IN \([^)]*\)\)/;

const SQLITE_REBUILD = (created: string) => `
${created.replace('CREATE TABLE writer_attempts ', 'CREATE TABLE writer_attempts_v31 ').replace(OLD_CHECK, `CHECK (outcome IN ${OUTCOMES})`).trim()}
INSERT INTO writer_attempts_v31 SELECT * FROM writer_attempts;
DROP TABLE writer_attempts;
ALTER TABLE writer_attempts_v31 RENAME TO writer_attempts;
`;

const POSTGRES_SWAP_CHECK = `
ALTER TABLE writer_attempts DROP CONSTRAINT IF EXISTS writer_attempts_outcome_check;
ALTER TABLE writer_attempts ADD CONSTRAINT writer_attempts_outcome_check CHECK (outcome IN ${OUTCOMES});
`;
