import { sql, type RawBuilder } from 'kysely';
import { RELATED_TABLES, type Backend, type Db, type RelatedTable, type RelatedTotals, type Store } from '../store/index.js';

/**
 * The counts the cross-batch reconciliation compares, each one set-based query bounded by the
 * run's own rows (the undo journal by run, hearings by last run): never a scan of the database.
 * Judging them is reconcile.ts's; this only counts.
 */
export interface ReconciliationFacts {
  /** Hearings the run's journal says it wrote (not undone since). */
  hearingsWritten: number;
  /** Of those, the ones no longer stored: up to SAMPLE ids, and how many. */
  hearingsMissing: Sample;
  /** Related rows of the run's hearings whose hearing is not stored, per table (only the missing hearings can have any). */
  orphanRows: Record<RelatedTable, number>;
  /** Committees and witnesses the run created that none of its hearings refers to. */
  unreferencedCreated: { committees: number; witnesses: number };
  /**
   * Per related table, the rows of the run's hearings (committee links and appearances only where
   * they name a stored committee and witness), weighted by their hearing's source position + 1, and
   * whether each agrees with what the checkpoint says the committed records listed (null: the
   * checkpoint does not say).
   */
  relatedTotals: { stored: Record<RelatedTable, number>; planned: RelatedTotals | null; agree: boolean };
  /**
   * Hearings the run wrote whose related rows differ in number from their own record, counting
   * only committee links and appearances that name a stored committee and witness. Read record by
   * record only when the totals disagree (or are not known): when they agree, no hearing differs.
   */
  relatedMismatch: Sample;
  /** Hearings whose first / last writer is the run. */
  stored: { added: number; updated: number };
  /** What the run's batch rows say they wrote. */
  batches: { added: number; updated: number };
  quarantineRows: number;
}

export interface Sample {
  count: number;
  ids: string[];
}

const SAMPLE = 5;
/** A committee link or appearance counts only where it names a stored committee or witness. */
const REFERS_TO: Partial<Record<RelatedTable, RawBuilder<unknown>>> = {
  hearing_committees: sql`JOIN committees AS c ON c.system_code = r.system_code`,
  appearances: sql`JOIN witnesses AS w ON w.id = r.witness_id`,
};
/** Each related table, the record field listing its rows, and the join that proves a row's other reference. */
const RELATED = RELATED_TABLES.map(({ table, member }) => ({ table, field: member, refersTo: REFERS_TO[table] }));

/**
 * `WITH h AS (…)`: the run's hearings with their stored record as `doc`. PostgreSQL materializes
 * them on the server so it parses each record once rather than once per array field below. SQLite
 * must not: its materialized CTE is a temp table in this process's memory (temp_store = MEMORY),
 * and a 1,000,000-hearing run's records took its peak RSS from 259 MB to 1.17 GB.
 */
function withRunHearingDocs(backend: Backend, runId: number): RawBuilder<unknown> {
  const rows = backend === 'sqlite'
    ? sql`NOT MATERIALIZED (SELECT event_id, first_run_id, content_json AS doc FROM hearings WHERE last_run_id = ${runId})`
    : sql`MATERIALIZED (SELECT event_id, first_run_id, content_json::jsonb AS doc FROM hearings WHERE last_run_id = ${runId})`;
  return sql`WITH h AS ${rows}`;
}

/** The length of one array field of a hearing's stored record. */
function recordArrayLength(backend: Backend, field: string): RawBuilder<number> {
  return backend === 'sqlite'
    ? sql<number>`coalesce(json_array_length(h.doc, ${`$.${field}`}), 0)`
    : sql<number>`coalesce(jsonb_array_length(h.doc -> ${field}), 0)`;
}

async function count(db: Db, query: RawBuilder<unknown>): Promise<number> {
  const { rows } = await sql<{ n: number | string | null }>`SELECT (${query}) AS n`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Up to SAMPLE ids of `query`, read only when a count already said there are `total` of them. */
async function sample(db: Db, total: number, query: RawBuilder<{ id: string }>): Promise<Sample> {
  if (total === 0) return { count: 0, ids: [] };
  const { rows } = await sql<{ id: string }>`${query} ORDER BY 1 LIMIT ${SAMPLE}`.execute(db);
  return { count: total, ids: rows.map((row) => row.id) };
}

/**
 * Reads the run's hearings twice (its journal entries, then its rows by last_run_id), each time
 * counting everything in one pass; ids are read only for a check that found something. The stored
 * records are read (≈ 40 % of the reconciliation at 100k hearings) only when the related rows do
 * not add up to what the checkpoint says the committed records listed.
 */
export function reconciliationFacts(store: Pick<Store, 'queries'>, runId: number, planned: RelatedTotals | null): Promise<ReconciliationFacts> {
  return store.queries.keyedReads((trx) => countFacts(trx, store.queries.backend, runId, planned));
}

async function countFacts(db: Db, backend: Backend, runId: number, planned: RelatedTotals | null): Promise<ReconciliationFacts> {
  // batch_seq >= 0 holds for every row; it makes the run's index (run_id, batch_seq) the better match
  // for SQLite's planner, which has no statistics and for the DISTINCT otherwise reads every
  // hearing ever journaled through undo_journal_by_entity: a cost that grew with the database.
  const written = sql`SELECT DISTINCT entity_key FROM undo_journal WHERE run_id = ${runId} AND batch_seq >= 0 AND entity = 'hearing' AND undone_by IS NULL`;
  const missing = sql`SELECT w.entity_key FROM (${written}) AS w WHERE NOT EXISTS (SELECT 1 FROM hearings h WHERE h.event_id = w.entity_key)`;
  const journal = await counts<'written' | 'missing'>(db, sql`SELECT count(*) AS written, count(*) - count(h.event_id) AS missing FROM (${written}) AS w LEFT JOIN hearings AS h ON h.event_id = w.entity_key`);
  const hearingsMissing = await sample(db, journal.missing, sql<{ id: string }>`SELECT m.entity_key AS id FROM (${missing}) AS m`);
  // A row of the run's points at no stored hearing only if its hearing is one of the missing ones.
  const orphanRows = Object.fromEntries(RELATED.map(({ table }) => [table, 0])) as Record<RelatedTable, number>;
  if (hearingsMissing.count > 0) {
    for (const { table } of RELATED) orphanRows[table] = await count(db, sql`SELECT count(*) FROM ${sql.id(table)} AS r WHERE r.event_id IN (${missing})`);
  }
  const stored = await counts<'total' | 'added' | `w${number}`>(db, storedTotals(runId));
  const storedWeighted = Object.fromEntries(RELATED.map(({ table }, i) => [table, stored[`w${i}`]])) as Record<RelatedTable, number>;
  const agree = planned !== null && RELATED.every(({ table }) => planned[table].weighted === storedWeighted[table]);
  const mismatch = sql.join(RELATED.map(({ table, field, refersTo }) => sql`${recordArrayLength(backend, field)} <> ${storedRows(table, refersTo)}`), sql` OR `);
  const mismatched = agree ? 0 : (await counts<'n'>(db, sql`${withRunHearingDocs(backend, runId)} SELECT sum(CASE WHEN ${mismatch} THEN 1 ELSE 0 END) AS n FROM h`)).n;
  return {
    hearingsWritten: journal.written,
    hearingsMissing,
    orphanRows,
    unreferencedCreated: {
      committees: await count(db, sql`SELECT count(*) FROM committees AS c WHERE c.created_run_id = ${runId} AND NOT EXISTS (${committeeLinkOfRun(runId)})`),
      witnesses: await count(db, sql`SELECT count(*) FROM (${witnessesCreatedBy(runId)} EXCEPT ${witnessesOfRun(runId)}) AS unreferenced`),
    },
    relatedTotals: { stored: storedWeighted, planned, agree },
    relatedMismatch: await sample(db, mismatched, sql<{ id: string }>`${withRunHearingDocs(backend, runId)} SELECT h.event_id AS id FROM h WHERE ${mismatch}`),
    stored: { added: stored.added, updated: stored.total - stored.added },
    batches: await batchCounts(db, runId),
    quarantineRows: await count(db, sql`SELECT count(*) FROM quarantine WHERE run_id = ${runId}`),
  };
}

/** The related rows of one hearing `h` of the run's, counted where they name a stored committee or witness. */
function storedRows(table: RelatedTable, refersTo?: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(SELECT count(*) FROM ${sql.id(table)} AS r ${refersTo ?? sql``} WHERE r.event_id = h.event_id)`;
}

/**
 * The run's hearings (`total`), those it added, and per related table (w0…w3, not by table name:
 * the query layer turns snake_case result keys into camelCase) its rows weighted by their hearing's
 * position + 1, counted where they name a stored committee or witness. The hearings are read from
 * the run's index alone, which carries first_run_id and last_position (migration 13): never their
 * rows, stored JSON and all. Each table's sum is one join from the run's hearings (CROSS JOIN
 * keeps SQLite starting from them), run once: a count per hearing and table in correlated
 * subqueries gave the same sums in ≈ 195 ms of SQLite's CPU at 100,000 hearings, the joins in ≈ 140.
 */
export function storedTotals(runId: number): RawBuilder<unknown> {
  const weighted = sql.join(RELATED.map(({ table, refersTo }, i) => sql`(SELECT sum(h.last_position + 1) FROM hearings AS h CROSS JOIN ${sql.id(table)} AS r ${refersTo ?? sql``}
    WHERE h.last_run_id = ${runId} AND r.event_id = h.event_id) AS ${sql.id(`w${i}`)}`));
  return sql`SELECT count(*) AS total, sum(CASE WHEN h.first_run_id = ${runId} THEN 1 ELSE 0 END) AS added, ${weighted} FROM hearings AS h WHERE h.last_run_id = ${runId}`;
}

/**
 * A link from one of the run's hearings to committee `c`, found through hearing_committees_by_code
 * (CROSS JOIN keeps SQLite from starting at the run's hearings instead): it stops at the first
 * link, where a NOT IN over every link of the run's hearings read them all (SQLite ≈ 40–80 ms,
 * PostgreSQL ≈ 170 ms at 50,000 hearings). A link's code is NOT NULL and a committee's is its key,
 * so NOT EXISTS counts what NOT IN counted.
 */
function committeeLinkOfRun(runId: number): RawBuilder<unknown> {
  return sql`SELECT 1 FROM hearing_committees AS r CROSS JOIN hearings AS h WHERE r.system_code = c.system_code AND h.event_id = r.event_id AND h.last_run_id = ${runId}`;
}

/**
 * The witnesses the run's journal says it created (not undone since). Taken EXCEPT the witnesses of
 * its appearances: SQLite keeps the created ones (thousands) in a temporary index and strikes off
 * each appearance's, where `NOT IN (appearances)` first built an index of every appearance
 * (≈ 400,000 at 100,000 hearings): ≈ 60–160 ms instead of ≈ 145–470 ms on a loaded machine. A
 * witness is created once, so the journal holds each id once and the set difference counts what
 * NOT IN counted (witness_id is NOT NULL).
 */
function witnessesCreatedBy(runId: number): RawBuilder<unknown> {
  return sql`SELECT CAST(j.entity_key AS BIGINT) FROM undo_journal AS j WHERE j.run_id = ${runId} AND j.entity = 'witness' AND j.undone_by IS NULL`;
}

/**
 * The witness of every appearance of the run's hearings, joined from the run's hearings in index
 * order: an IN list of those hearings first built them into a temporary table of their own, which
 * took SQLite ≈ 15 % longer at 100,000 hearings. CROSS JOIN with the condition in WHERE, as above.
 */
function witnessesOfRun(runId: number): RawBuilder<unknown> {
  return sql`SELECT r.witness_id FROM hearings AS h CROSS JOIN appearances AS r WHERE r.event_id = h.event_id AND h.last_run_id = ${runId}`;
}

/** One row of counts, as numbers (PostgreSQL returns bigint sums as text, and null over no rows). */
async function counts<K extends string>(db: Db, query: RawBuilder<unknown>): Promise<Record<K, number>> {
  const { rows } = await sql<Record<K, string | number | null>>`${query}`.execute(db);
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([key, value]) => [key, Number(value ?? 0)])) as Record<K, number>;
}

async function batchCounts(db: Db, runId: number): Promise<{ added: number; updated: number }> {
  const { rows } = await sql<{ added: string | number | null; updated: string | number | null }>`
    SELECT sum(added) AS added, sum(updated) AS updated FROM batches WHERE run_id = ${runId} AND status <> 'rolled_back'`.execute(db);
  return { added: Number(rows[0]?.added ?? 0), updated: Number(rows[0]?.updated ?? 0) };
}
