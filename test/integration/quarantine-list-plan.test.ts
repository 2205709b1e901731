import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * `quarantine.list` for one run, as a run's detail in the console asks for it. On PostgreSQL the
 * only index on run_id held no id order, so the plan walked the primary key from the table's first
 * entry, filtering out every other run's (1.6 s for the last of 500 runs among 1,000,000 entries),
 * or fetched the whole run and sorted it. Migration 033's index on (run_id, id) reads the page in order.
 */
const RUNS = 3;
const PER_RUN = 2_000;

async function quarantineOfRuns(db: Db, backend: 'sqlite' | 'postgres'): Promise<void> {
  const now = new Date().toISOString();
  for (let run = 1; run <= RUNS; run++) {
    await db.insertInto('runs').values({ id: run, status: 'success', mode: 'batch', batchSize: 50, source: 'synthetic', startedAt: now, metricsJson: '{}', batchCountsJson: '{}', flagsJson: '{}' }).execute();
  }
  // Run by run, as runs write them: each run's entries after the previous run's.
  const series = backend === 'sqlite' ? sql`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${sql.lit(RUNS * PER_RUN)}) SELECT n FROM g` : sql`SELECT generate_series(1, ${sql.lit(RUNS * PER_RUN)}) AS n`;
  await sql`INSERT INTO quarantine (run_id, batch_seq, event_id, source_position, reasons_json, raw_json, created_at)
    SELECT (n - 1) / ${sql.lit(PER_RUN)} + 1, 1, CAST(n AS TEXT), n, '[]', '{}', ${now} FROM (${series}) AS numbers ORDER BY numbers.n`.execute(db);
  await sql`ANALYZE quarantine`.execute(db);
}

/** The plan of listQuarantine's query for the last run; on PostgreSQL as on a table too big to read whole (no sequential or bitmap scan). */
async function planOfLastRunPage(db: Db, backend: 'sqlite' | 'postgres'): Promise<string> {
  const page = sql`SELECT * FROM quarantine WHERE run_id = ${RUNS} ORDER BY id LIMIT 1000`;
  if (backend === 'sqlite') return (await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${page}`.execute(db)).rows.map((row) => row.detail).join('\n');
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
    return (await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${page}`.execute(trx)).rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

describe.each(backends)('one run\'s quarantine, read a page at a time ($name)', (backend) => {
  it('comes in id order straight from an index on (run_id, id): no sort, no walk past other runs\' entries', async () => {
    await withFreshStore(backend, async (store) => {
      await quarantineOfRuns(store.queries.db, backend.name);
      const plan = await planOfLastRunPage(store.queries.db, backend.name);
      expect(plan).toMatch(/quarantine_by_run_in_id_order/);
      expect(plan).not.toMatch(/Sort|TEMP B-TREE|Filter/i);
      const entries = await store.listQuarantine({ runId: RUNS, limit: 1000 });
      expect(entries.map((entry) => entry.sourcePosition)).toEqual(Array.from({ length: 1000 }, (_, i) => (RUNS - 1) * PER_RUN + i + 1));
    });
  }, 60_000);
});
