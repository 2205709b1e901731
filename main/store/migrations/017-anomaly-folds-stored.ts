import { sql } from 'kysely';
import { refoldWhereStale } from '../repositories/anomaly-folds.js';
import type { Migration } from './index.js';

/**
 * Each anomalous run keeps the id of the run that opened its fold (issue 10 item 3's change), set
 * when its verdict is recorded: the anomaly list, its open count and the overview read folds by
 * SQL instead of folding every anomalous run ever recorded on each call. The runs that open a fold
 * have an index of their own, so a page of folds, newest first, is a walk back along it. The runs
 * of a database from before get their folds by the same rule, here, in the migration's transaction.
 */
export const migration017: Migration = {
  version: 17,
  name: 'anomaly folds stored',
  sql: (d) => `
    ALTER TABLE runs ADD COLUMN fold_start_id ${d.long};
    CREATE INDEX runs_by_fold ON runs(fold_start_id, review);
    CREATE INDEX runs_opening_folds ON runs(started_at, id) WHERE fold_start_id = id;`,
  backfill: async (db, dialect) => {
    await refoldWhereStale(db);
    // PostgreSQL plans the fold reads by the column's statistics, which a backfill of every anomalous run outdates at once.
    if (dialect.name === 'postgres') await sql`ANALYZE runs`.execute(db);
  },
};
