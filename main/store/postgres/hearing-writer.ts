import type pg from 'pg';
import { SAVEPOINT_STATEMENTS, Savepoints, type BulkHearingWriter } from '../driver.js';
import type { KnownRows } from '../known-rows.js';
import { committeeChamber, earlierWriteViolations, HEARING_COLUMNS, hearingRow, injectedWriteFault, organizationKey, parentCommitteeCode, RELATED_TABLES, relatedRows, witnessKey } from '../hearing-rows.js';
import type { Witness } from '../hearing-rows.js';
import { snakeCase, TABLES, type TableName } from '../schema.js';
import type { PlannedChange, StoreOptions } from '../types.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

interface JournalEntry {
  entity: 'hearing' | 'committee' | 'witness';
  key: string;
  before: string | null;
  afterHash: string | null;
}

/**
 * Writes a batch of hearings with a handful of multi-row statements per ROWS_PER_STATEMENT
 * hearings, journaling exactly what the SQLite writer journals: one row per hearing with the full
 * before-image (null when it did not exist) and one per committee or witness created, in the
 * same order. The caller owns the transaction; nothing here commits. `db` runs the statements as
 * named (prepared) ones.
 */
export class PostgresHearingWriter implements BulkHearingWriter {
  /** One writer per transaction, so a savepoint's release may wait for the next SAVEPOINT (or the COMMIT). */
  private readonly savepoints = new Savepoints((steps) => this.db.query(steps.map((step) => SAVEPOINT_STATEMENTS[step]).join('; ')), true);

  constructor(
    private readonly db: Queryable,
    private readonly options: StoreOptions,
  ) {}

  async writeHearings(runId: number, batchSeq: number, changes: PlannedChange[], known: KnownRows): Promise<{ hearings: number; related: number }> {
    const written = { hearings: 0, related: 0 };
    for (let start = 0; start < changes.length; start += ROWS_PER_STATEMENT) {
      const changesOfPart = changes.slice(start, start + ROWS_PER_STATEMENT);
      const part = await this.writePart(runId, batchSeq, changesOfPart, known);
      // The test seam fails where the database would, in the statement that holds the record, once
      // it is written: a failed attempt costs its statements, as a real refusal's does.
      const refused = this.options.failWriteOf && changesOfPart.find((change) => this.options.failWriteOf!(change.hearing.eventId));
      if (refused) throw injectedWriteFault(refused.hearing.eventId, 'postgres');
      written.hearings += part.hearings;
      written.related += part.related;
    }
    return written;
  }

  /**
   * Up to ROWS_PER_STATEMENT hearings of a batch. Parts go in the batch's order, so committees and
   * witnesses are created, given ids and journaled in the order the whole batch would give them.
   */
  private async writePart(runId: number, batchSeq: number, changes: PlannedChange[], known: KnownRows): Promise<{ hearings: number; related: number }> {
    const createdCommittees = await this.ensureCommittees(changes, runId, known);
    // The witnesses' statement is on its way while the client builds the hearings' columns.
    const finding = this.ensureWitnesses(changes, known);
    finding.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
    const hearingColumns = hearingColumnArrays(changes, runId, batchSeq);
    const witnesses = await finding;
    const beforeImages = await this.beforeImages(changes.filter((c) => c.kind === 'updated').map((c) => c.hearing.eventId));
    if (beforeImages.size > 0) await this.db.query(DELETE_RELATED, [[...beforeImages.keys()]]);
    const journal = journalInWriteOrder(changes, hearingColumns[CONTENT_HASH] as string[], createdCommittees, witnesses.created, beforeImages);
    return this.writeRows(runId, batchSeq, changes, hearingColumns, witnesses.ids, journal);
  }

  async findEarlierWrites(runId: number, eventIds: string[]) {
    // "+ 0" keeps the planner on the primary key: the last_run_id index would visit every row of the run.
    const { rows } = await this.db.query<{ event_id: string }>(
      'SELECT event_id FROM hearings WHERE event_id = ANY($2::text[]) AND last_run_id + 0 = $1 ORDER BY event_id',
      [runId, eventIds],
    );
    return earlierWriteViolations(rows.map((row) => row.event_id));
  }

  savepoint<T>(work: () => Promise<T>): Promise<T> {
    return this.savepoints.around(work);
  }

  /**
   * Creates the committees the batch names that the database lacks. A subcommittee's parent is
   * linked only when it is known by the time the subcommittee is reached, as in the SQLite writer.
   * Returns the codes created, in the order the batch first names them.
   */
  private async ensureCommittees(changes: PlannedChange[], runId: number, known: KnownRows): Promise<string[]> {
    const named = changes.flatMap((c) => c.hearing.committees);
    if (named.length === 0) return [];
    const unseen = [...new Set(named.flatMap((c) => [c.systemCode, parentCommitteeCode(c.systemCode) ?? c.systemCode]))].filter((code) => !known.hasCommittee(code));
    if (unseen.length > 0) {
      const { rows } = await this.db.query<{ system_code: string }>('SELECT system_code FROM committees WHERE system_code = ANY($1::text[])', [unseen]);
      for (const row of rows) known.addCommittee(row.system_code);
    }
    const created: { code: string; name: string | null; parent: string | null }[] = [];
    for (const committee of named) {
      if (known.hasCommittee(committee.systemCode)) continue;
      const parent = parentCommitteeCode(committee.systemCode);
      created.push({ code: committee.systemCode, name: committee.name, parent: parent !== null && known.hasCommittee(parent) ? parent : null });
      known.addCommittee(committee.systemCode);
    }
    if (created.length === 0) return [];
    await this.db.query(
      `INSERT INTO committees (system_code, name, chamber, parent_code, created_run_id)
       SELECT code, name, chamber, parent, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, name, chamber, parent)`,
      [created.map((c) => c.code), created.map((c) => c.name), created.map((c) => committeeChamber(c.code)), created.map((c) => c.parent), runId],
    );
    return created.map((c) => c.code);
  }

  /** Finds or creates every witness the batch names; returns ids by witness key and the ids created, in order. */
  private async ensureWitnesses(changes: PlannedChange[], known: KnownRows): Promise<{ ids: Map<string, number>; created: Map<string, number> }> {
    const distinct = new Map<string, Witness>();
    const ids = new Map<string, number>();
    for (const witness of changes.flatMap((c) => c.hearing.witnesses)) {
      const key = witnessKey(witness);
      const id = known.witnessId(key);
      if (id !== undefined) ids.set(key, id);
      else if (!distinct.has(key)) distinct.set(key, witness);
    }
    const created = new Map<string, number>();
    if (distinct.size === 0) return { ids, created };
    const all = [...distinct.values()];
    const { rows } = await this.db.query<{ id: number; normalized_name: string; organization_key: string; created: boolean }>(FIND_OR_CREATE_WITNESSES, [
      all.map((w) => w.normalizedName),
      all.map(organizationKey),
      all.map((w) => w.name),
      all.map((w) => w.organization),
    ]);
    for (const row of rows) {
      const key = `${row.normalized_name}\u0000${row.organization_key}`;
      ids.set(key, Number(row.id));
      if (row.created) created.set(key, Number(row.id));
      known.addWitness(key, Number(row.id));
    }
    return { ids, created };
  }

  /** Every row each hearing owns, exactly as stored: what a rollback puts back. */
  private async beforeImages(eventIds: string[]): Promise<Map<string, string>> {
    if (eventIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ event_id: string; image: string }>(BEFORE_IMAGES, [eventIds]);
    return new Map(rows.map((row) => [row.event_id, row.image]));
  }

  /**
   * The hearings, their committee links, appearances, videos and transcripts, and the journal, in
   * one statement: a related row's hearing is checked at the end of the statement, when it is stored.
   */
  private async writeRows(
    runId: number,
    batchSeq: number,
    changes: PlannedChange[],
    hearingColumns: unknown[][],
    witnessIds: Map<string, number>,
    journal: JournalEntry[],
  ): Promise<{ hearings: number; related: number }> {
    const all = changes.map(({ hearing }) => relatedRows(hearing, (witness) => witnessIds.get(witnessKey(witness))!));
    const { rows: written } = await this.db.query<{ hearings: string; related: string }>(WRITE_ROWS, [
      ...hearingColumns,
      ...RELATED.flatMap(({ table, types }) => types.map((_, i) => all.flatMap((related) => related[table].map((row) => row[i] ?? null)))),
      journal.map((e) => e.entity),
      journal.map((e) => e.key),
      journal.map((e) => e.before),
      journal.map((e) => e.afterHash),
      runId,
      batchSeq,
      new Date().toISOString(),
    ]);
    return { hearings: Number(written[0]!.hearings), related: Number(written[0]!.related) };
  }
}

/** Where the hearings' hashes are among hearingColumnArrays: the journal records each one. */
const CONTENT_HASH = HEARING_COLUMNS.indexOf('contentHash');

/** The batch's hearings as one array per column, in HEARING_COLUMNS order. */
function hearingColumnArrays(changes: PlannedChange[], runId: number, batchSeq: number): unknown[][] {
  const rows = changes.map((change) => hearingRow(change, runId, batchSeq));
  return HEARING_COLUMNS.map((column) => rows.map((row) => row[column]));
}

/** The SQLite writer's journal order: per hearing, the committees it created, itself, then the witnesses it created. */
function journalInWriteOrder(
  changes: PlannedChange[],
  hashes: string[],
  createdCommittees: string[],
  createdWitnesses: Map<string, number>,
  beforeImages: Map<string, string>,
): JournalEntry[] {
  const committeesLeft = new Set(createdCommittees);
  const witnessesLeft = new Map(createdWitnesses);
  const entries: JournalEntry[] = [];
  for (const [i, { hearing, kind }] of changes.entries()) {
    for (const committee of hearing.committees) {
      if (committeesLeft.delete(committee.systemCode)) entries.push({ entity: 'committee', key: committee.systemCode, before: null, afterHash: null });
    }
    entries.push({ entity: 'hearing', key: hearing.eventId, before: kind === 'updated' ? (beforeImages.get(hearing.eventId) ?? null) : null, afterHash: hashes[i]! });
    for (const witness of hearing.witnesses) {
      const id = witnessesLeft.get(witnessKey(witness));
      if (id === undefined) continue;
      witnessesLeft.delete(witnessKey(witness));
      entries.push({ entity: 'witness', key: String(id), before: null, afterHash: null });
    }
  }
  return entries;
}

/**
 * Hearings per statement, whatever the batch size. node-postgres sends each array parameter as
 * one text literal: at 5,000 hearings the stored JSON alone is a ≈ 4.6 MB string, and strings and
 * buffers that size live in V8's large-object space (allocated and freed by the OS, and copied
 * again as the literal is built, flattened and encoded). On 100k clean hearings, adaptive batches
 * sent whole took 14.5 s of client CPU against all-or-nothing's 6.5 s, the server's CPU about the
 * same; in statements of 100 they take 6.8 s. 100 keeps the JSON parameter (≈ 94 KB) under the
 * 128 KB where large objects begin; at 250 the process's system time doubles again.
 */
const ROWS_PER_STATEMENT = 100;

const PG_TYPES = { text: 'text', int: 'integer', long: 'bigint' } as const;
/** The PostgreSQL array element type of a column, for `unnest($n::type[])`. */
export const pgType = (table: TableName, column: string) => PG_TYPES[(TABLES[table].columns as Record<string, string>)[column]!.replace('?', '') as keyof typeof PG_TYPES];

/**
 * The batch's witnesses found by key, and the missing ones created, in one statement. Ids are
 * drawn in the order the batch first names the witnesses, as the SQLite writer draws them.
 */
const FIND_OR_CREATE_WITNESSES = `WITH named AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(n, o, name, org, ord)
  ), found AS (
    SELECT w.id, w.normalized_name, w.organization_key FROM witnesses w JOIN named ON w.normalized_name = named.n AND w.organization_key = named.o
  ), created AS (
    INSERT INTO witnesses (normalized_name, organization_key, name, organization)
    SELECT n, o, name, org FROM named WHERE NOT EXISTS (SELECT 1 FROM found WHERE found.normalized_name = named.n AND found.organization_key = named.o)
    ORDER BY ord RETURNING id, normalized_name, organization_key
  )
  SELECT id, normalized_name, organization_key, false AS created FROM found
  UNION ALL SELECT id, normalized_name, organization_key, true FROM created`;

/** Hearings come as one array per column ($1 on); an update keeps the hearing's first run. */
const UPSERT_HEARINGS = `INSERT INTO hearings (${HEARING_COLUMNS.map(snakeCase).join(', ')})
  SELECT * FROM unnest(${HEARING_COLUMNS.map((column, i) => `$${i + 1}::${pgType('hearings', column)}[]`).join(', ')})
  ON CONFLICT (event_id) DO UPDATE SET ${HEARING_COLUMNS.filter((c) => c !== 'eventId' && c !== 'firstRunId').map((c) => `${snakeCase(c)} = excluded.${snakeCase(c)}`).join(', ')}`;

const RELATED = RELATED_TABLES.map(({ name, table, columns }) => ({ table, columns: columns.map(snakeCase).join(', '), types: columns.map((column) => pgType(name, column)) }));
/** Each related table's rows come as one array per column, after the hearings' parameters. */
const RELATED_INSERTS = RELATED.map(({ table, columns, types }, t) => {
  const args = types.map((type, i) => `$${HEARING_COLUMNS.length + t * types.length + i + 1}::${type}[]`).join(', ');
  return `INSERT INTO ${table} (${columns}) SELECT * FROM unnest(${args}) RETURNING 1`;
});
/** The journal's entries as four arrays, then the run, the batch and the time, after the related rows' parameters. */
const JOURNAL_INSERT = (() => {
  const p = (offset: number) => `$${HEARING_COLUMNS.length + RELATED.reduce((n, { types }) => n + types.length, 0) + offset}`;
  return `INSERT INTO undo_journal (run_id, batch_seq, entity, entity_key, before_json, after_hash, created_at)
   SELECT ${p(5)}, ${p(6)}, entity, entity_key, before_json, after_hash, ${p(7)}
   FROM unnest(${p(1)}::text[], ${p(2)}::text[], ${p(3)}::jsonb[], ${p(4)}::text[]) WITH ORDINALITY AS t(entity, entity_key, before_json, after_hash, ord)
   ORDER BY ord`;
})();
const WRITE_ROWS = `WITH h AS (${UPSERT_HEARINGS} RETURNING 1),
  ${RELATED_INSERTS.map((insert, t) => `r${t} AS (${insert})`).join(',\n  ')},
  j AS (${JOURNAL_INSERT})
  SELECT (SELECT count(*) FROM h) AS hearings, ${RELATED.map((_, t) => `(SELECT count(*) FROM r${t})`).join(' + ')} AS related`;

/** Before an update, the hearing's related rows go; the new ones replace them whole. */
const DELETE_RELATED = `WITH ${RELATED.slice(0, 3).map(({ table }, t) => `d${t} AS (DELETE FROM ${table} WHERE event_id = ANY($1::text[]))`).join(', ')}
  DELETE FROM transcripts WHERE event_id = ANY($1::text[])`;

const BEFORE_IMAGES = `SELECT h.event_id, jsonb_build_object('hearing', to_jsonb(h), ${RELATED_TABLES.map(
  ({ imageKey, table }) => `'${imageKey}', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.ordinal), '[]') FROM ${table} x WHERE x.event_id = h.event_id)`,
).join(', ')})::text AS image FROM hearings h WHERE h.event_id = ANY($1::text[])`;
