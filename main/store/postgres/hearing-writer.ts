import { slices } from '../../../shared/slices.js';
import { savepointStatement, Savepoints, type BulkHearingWriter } from '../driver.js';
import type { KnownRows } from '../known-rows.js';
import { committeesToCreate, earlierWriteViolations, HEARING_COLUMNS, hearingRow, injectedWriteFault, parentCommitteeCode, RELATED_TABLES, relatedRows } from '../hearing-rows.js';
import { organizationKey, witnessKey, type Witness } from '../../../shared/record.js';
import { snakeCase, TABLES, type TableName } from '../schema.js';
import type { PlannedChange, StoreOptions } from '../types.js';
import type { Queryable } from './connection.js';

interface JournalEntry {
  entity: 'hearing' | 'committee' | 'witness';
  /** Null for a witness the statement may create: its id is known only there. */
  key: string | null;
  before: string | null;
  afterHash: string | null;
  /** A witness's place among the part's unseen ones (from 1): journaled only if the statement creates it. */
  unseenWitness: number | null;
}

/**
 * The witnesses a part names that this run has not seen, in the order the part first names them,
 * each with its place (from 1). The write statement finds or creates them itself; an appearance
 * of one carries minus its place as its witness id until the statement puts the real id in.
 */
interface UnseenWitnesses {
  places: Map<string, number>;
  witnesses: Witness[];
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
  readonly savepoints = new Savepoints((steps) => this.db.query(steps.map((step) => savepointStatement(step, this.options)).join('; ')), true);

  constructor(
    private readonly db: Queryable,
    private readonly options: StoreOptions,
  ) {}

  async writeHearings(runId: number, batchSeq: number, changes: PlannedChange[], known: KnownRows): Promise<{ hearings: number; related: number }> {
    const written = { hearings: 0, related: 0 };
    for (const changesOfPart of slices(changes, ROWS_PER_STATEMENT)) {
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
    const unseen = unseenWitnesses(changes, known);
    const hearingColumns = hearingColumnArrays(changes, runId, batchSeq);
    const beforeImages = await this.beforeImages(changes.filter((c) => c.kind === 'updated').map((c) => c.hearing.eventId));
    if (beforeImages.size > 0) await this.db.query(DELETE_RELATED, [[...beforeImages.keys()]]);
    const journal = journalInWriteOrder(changes, hearingColumns[CONTENT_HASH] as string[], createdCommittees, unseen, beforeImages);
    return this.writeRows(runId, batchSeq, changes, hearingColumns, unseen, journal, known);
  }

  async findEarlierWrites(runId: number, eventIds: string[]) {
    // "+ 0" keeps the planner on the primary key: the last_run_id index would visit every row of the run.
    const { rows } = await this.db.query<{ event_id: string }>(
      'SELECT event_id FROM hearings WHERE event_id = ANY($2::text[]) AND last_run_id + 0 = $1 ORDER BY event_id',
      [runId, eventIds],
    );
    return earlierWriteViolations(rows.map((row) => row.event_id));
  }

  /**
   * Creates the committees the batch names that the database lacks (`committeesToCreate`, read
   * ahead in one query). Returns the codes created, in the order the batch first names them.
   */
  private async ensureCommittees(changes: PlannedChange[], runId: number, known: KnownRows): Promise<string[]> {
    const named = changes.flatMap((c) => c.hearing.committees);
    if (named.length === 0) return [];
    const unseen = [...new Set(named.flatMap((c) => [c.systemCode, parentCommitteeCode(c.systemCode) ?? c.systemCode]))].filter((code) => !known.hasCommittee(code));
    if (unseen.length > 0) {
      const { rows } = await this.db.query<{ system_code: string }>('SELECT system_code FROM committees WHERE system_code = ANY($1::text[])', [unseen]);
      for (const row of rows) known.addCommittee(row.system_code);
    }
    const created = [...committeesToCreate(named, (code) => known.hasCommittee(code), known)];
    if (created.length === 0) return [];
    await this.db.query(
      `INSERT INTO committees (system_code, name, chamber, parent_code, created_run_id)
       SELECT code, name, chamber, parent, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, name, chamber, parent)`,
      [created.map((c) => c.code), created.map((c) => c.name), created.map((c) => c.chamber), created.map((c) => c.parent), runId],
    );
    return created.map((c) => c.code);
  }

  /** Every row each hearing owns, exactly as stored: what a rollback puts back. */
  private async beforeImages(eventIds: string[]): Promise<Map<string, string>> {
    if (eventIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ event_id: string; image: string }>(BEFORE_IMAGES, [eventIds]);
    return new Map(rows.map((row) => [row.event_id, row.image]));
  }

  /**
   * The part's unseen witnesses (found or created), the hearings, their committee links,
   * appearances, videos and transcripts, and the journal, in one statement: a related row's hearing
   * and witness are checked at the end of the statement, when they are stored. One round trip, so
   * a part that isolation writes again does not find its witnesses a second time.
   */
  private async writeRows(
    runId: number,
    batchSeq: number,
    changes: PlannedChange[],
    hearingColumns: unknown[][],
    unseen: UnseenWitnesses,
    journal: JournalEntry[],
    known: KnownRows,
  ): Promise<{ hearings: number; related: number }> {
    const witnessId = (witness: Witness) => known.witnessId(witnessKey(witness)) ?? -unseen.places.get(witnessKey(witness))!;
    const all = changes.map(({ hearing }) => relatedRows(hearing, witnessId));
    const { rows: written } = await this.db.query<{ hearings: string; related: string; witness_ids: string[] }>(WRITE_ROWS, [
      ...hearingColumns,
      ...RELATED.flatMap(({ table, types }) => types.map((_, i) => all.flatMap((related) => related[table].map((row) => row[i] ?? null)))),
      journal.map((e) => e.entity),
      journal.map((e) => e.key),
      journal.map((e) => e.before),
      journal.map((e) => e.afterHash),
      journal.map((e) => e.unseenWitness),
      runId,
      batchSeq,
      new Date().toISOString(),
      unseen.witnesses.map((w) => w.normalizedName),
      unseen.witnesses.map(organizationKey),
      unseen.witnesses.map((w) => w.name),
      unseen.witnesses.map((w) => w.organization),
    ]);
    const ids = written[0]!.witness_ids;
    for (const [i, witness] of unseen.witnesses.entries()) known.addWitness(witnessKey(witness), Number(ids[i]));
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

/** The witnesses of `changes` that `known` lacks, in the order the part first names them. */
function unseenWitnesses(changes: PlannedChange[], known: KnownRows): UnseenWitnesses {
  const unseen: UnseenWitnesses = { places: new Map(), witnesses: [] };
  for (const { hearing } of changes) {
    for (const witness of hearing.witnesses) {
      const key = witnessKey(witness);
      if (known.witnessId(key) !== undefined || unseen.places.has(key)) continue;
      unseen.witnesses.push(witness);
      unseen.places.set(key, unseen.witnesses.length);
    }
  }
  return unseen;
}

/**
 * The SQLite writer's journal order: per hearing, the committees it created, itself, then the
 * witnesses it created. Every unseen witness has an entry at the hearing that first names it; the
 * statement keeps the entries of those it creates and drops those it finds.
 */
function journalInWriteOrder(
  changes: PlannedChange[],
  hashes: string[],
  createdCommittees: string[],
  unseen: UnseenWitnesses,
  beforeImages: Map<string, string>,
): JournalEntry[] {
  const committeesLeft = new Set(createdCommittees);
  const witnessesLeft = new Set(unseen.places.keys());
  const entries: JournalEntry[] = [];
  for (const [i, { hearing, kind }] of changes.entries()) {
    for (const committee of hearing.committees) {
      if (committeesLeft.delete(committee.systemCode)) entries.push({ entity: 'committee', key: committee.systemCode, before: null, afterHash: null, unseenWitness: null });
    }
    const before = kind === 'updated' ? (beforeImages.get(hearing.eventId) ?? null) : null;
    entries.push({ entity: 'hearing', key: hearing.eventId, before, afterHash: hashes[i]!, unseenWitness: null });
    for (const witness of hearing.witnesses) {
      const key = witnessKey(witness);
      if (witnessesLeft.delete(key)) entries.push({ entity: 'witness', key: null, before: null, afterHash: null, unseenWitness: unseen.places.get(key)! });
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

/** Hearings come as one array per column ($1 on); an update keeps the hearing's first run. */
const UPSERT_HEARINGS = `INSERT INTO hearings (${HEARING_COLUMNS.map(snakeCase).join(', ')})
  SELECT * FROM unnest(${HEARING_COLUMNS.map((column, i) => `$${i + 1}::${pgType('hearings', column)}[]`).join(', ')})
  ON CONFLICT (event_id) DO UPDATE SET ${HEARING_COLUMNS.filter((c) => c !== 'eventId' && c !== 'firstRunId').map((c) => `${snakeCase(c)} = excluded.${snakeCase(c)}`).join(', ')}`;

const RELATED = RELATED_TABLES.map(({ name, table, columns }) => ({
  table,
  columns: columns.map(snakeCase).join(', '),
  types: columns.map((column) => pgType(name, column)),
  witnessColumn: columns.indexOf('witnessId' as never),
}));
/**
 * Every table a batch's transaction may write: the hearings with their related rows and journal
 * (this writer), the quarantine, batch, checkpoint and handled-key rows (the shared repository).
 */
export const BATCH_WRITE_TABLES = ['hearings', 'committees', 'witnesses', ...RELATED.map(({ table }) => table), 'undo_journal', 'quarantine', 'batches', 'checkpoints', 'run_handled'];
/** After the hearings' and the related rows' parameters, the journal's, the run's and the unseen witnesses'. */
const param = (offset: number) => `$${HEARING_COLUMNS.length + RELATED.reduce((n, { types }) => n + types.length, 0) + offset}`;
/**
 * Each related table's rows come as one array per column, after the hearings' parameters. A
 * witness id below zero is minus the place of an unseen witness, found or created by the statement.
 */
const RELATED_INSERTS = RELATED.map(({ table, columns, types, witnessColumn }, t) => {
  const args = types.map((type, i) => `$${HEARING_COLUMNS.length + t * types.length + i + 1}::${type}[]`).join(', ');
  const names = types.map((_, i) => `c${i}`);
  if (witnessColumn < 0) return `INSERT INTO ${table} (${columns}) SELECT * FROM unnest(${args}) RETURNING 1`;
  const values = names.map((name, i) => (i === witnessColumn ? `coalesce(w.id, t.${name})` : `t.${name}`)).join(', ');
  return `INSERT INTO ${table} (${columns}) SELECT ${values} FROM unnest(${args}) AS t(${names.join(', ')})
    LEFT JOIN witness_ids w ON w.place = -t.c${witnessColumn} RETURNING 1`;
});
/**
 * The part's unseen witnesses found by key, and the missing ones created. Ids are drawn in the
 * order the part first names the witnesses, as the SQLite writer draws them.
 */
const WITNESS_CTES = `named AS (
    SELECT * FROM unnest(${param(9)}::text[], ${param(10)}::text[], ${param(11)}::text[], ${param(12)}::text[]) WITH ORDINALITY AS t(n, o, name, org, place)
  ), found AS (
    SELECT w.id, named.place FROM witnesses w JOIN named ON w.normalized_name = named.n AND w.organization_key = named.o
  ), created AS (
    INSERT INTO witnesses (normalized_name, organization_key, name, organization)
    SELECT n, o, name, org FROM named WHERE NOT EXISTS (SELECT 1 FROM found WHERE found.place = named.place)
    ORDER BY place RETURNING id, normalized_name, organization_key
  ), witness_ids AS (
    SELECT id, place, false AS created FROM found
    UNION ALL SELECT created.id, named.place, true FROM created JOIN named ON named.n = created.normalized_name AND named.o = created.organization_key
  )`;
/** The journal's entries as five arrays, in order; an unseen witness's entry stays only if the statement created it. */
const JOURNAL_INSERT = `INSERT INTO undo_journal (run_id, batch_seq, entity, entity_key, before_json, after_hash, created_at)
   SELECT ${param(6)}, ${param(7)}, t.entity, coalesce(t.entity_key, w.id::text), t.before_json, t.after_hash, ${param(8)}
   FROM unnest(${param(1)}::text[], ${param(2)}::text[], ${param(3)}::jsonb[], ${param(4)}::text[], ${param(5)}::integer[])
     WITH ORDINALITY AS t(entity, entity_key, before_json, after_hash, unseen_witness, ord)
   LEFT JOIN witness_ids w ON w.place = t.unseen_witness
   WHERE t.unseen_witness IS NULL OR w.created
   ORDER BY t.ord`;
/** The witnesses' ids come back in the order of their places, for the run's KnownRows. */
const WRITE_ROWS = `WITH ${WITNESS_CTES},
  h AS (${UPSERT_HEARINGS} RETURNING 1),
  ${RELATED_INSERTS.map((insert, t) => `r${t} AS (${insert})`).join(',\n  ')},
  j AS (${JOURNAL_INSERT})
  SELECT (SELECT count(*) FROM h) AS hearings, ${RELATED.map((_, t) => `(SELECT count(*) FROM r${t})`).join(' + ')} AS related,
    ARRAY(SELECT id FROM witness_ids ORDER BY place) AS witness_ids`;

/** Before an update, the hearing's related rows go; the new ones replace them whole. */
const DELETE_RELATED = `WITH ${RELATED.slice(0, 3).map(({ table }, t) => `d${t} AS (DELETE FROM ${table} WHERE event_id = ANY($1::text[]))`).join(', ')}
  DELETE FROM transcripts WHERE event_id = ANY($1::text[])`;

const BEFORE_IMAGES = `SELECT h.event_id, jsonb_build_object('hearing', to_jsonb(h), ${RELATED_TABLES.map(
  ({ imageKey, table }) => `'${imageKey}', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.ordinal), '[]') FROM ${table} x WHERE x.event_id = h.event_id)`,
).join(', ')})::text AS image FROM hearings h WHERE h.event_id = ANY($1::text[])`;
