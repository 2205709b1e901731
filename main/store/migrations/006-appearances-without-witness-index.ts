import type { Migration } from './index.js';

/**
 * Issue 12: `appearances_by_witness` was written at every batch commit for one reader — rollback's
 * "is this witness still referenced?" — and made about half of batch mode's extra WAL bytes. That
 * check now reads the appearances once per rollback, for every witness the rollback created at once.
 */
export const migration006: Migration = {
  version: 6,
  name: 'appearances without witness index',
  sql: () => 'DROP INDEX IF EXISTS appearances_by_witness;',
};
