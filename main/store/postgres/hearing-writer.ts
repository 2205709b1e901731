import type pg from 'pg';
import type { NormalizedHearing } from '../../../shared/record.js';
import { committeeChamber, parentCommitteeCode } from '../rows.js';
import { relatedCount } from '../sqlite/hearing-writer.js';
import type { BatchRuleViolation, PlannedChange, StoreOptions } from '../types.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

interface JournalEntry {
  entity: 'hearing' | 'committee' | 'witness';
  key: string;
  before: string | null;
  afterHash: string | null;
}

type Witness = NormalizedHearing['witnesses'][number];

/**
 * Writes a batch of hearings with a fixed handful of multi-row statements, whatever the batch
 * size, journaling exactly what the SQLite writer journals: one row per hearing with the full
 * before-image (null when it did not exist) and one per committee or witness created, in the
 * same order. The caller owns the transaction; nothing here commits.
 */
export class PostgresHearingWriter {
  constructor(private readonly options: StoreOptions) {}

  async write(db: Queryable, runId: number, batchSeq: number, changes: PlannedChange[], now: string): Promise<{ hearings: number; related: number }> {
    for (const change of changes) {
      if (this.options.failWriteOf?.(change.hearing.eventId)) throw injectedWriteFault(change.hearing.eventId);
    }
    const createdCommittees = await this.ensureCommittees(db, changes, runId);
    const witnesses = await this.ensureWitnesses(db, changes);
    const beforeImages = await this.beforeImages(db, changes.filter((c) => c.kind === 'updated').map((c) => c.hearing.eventId));
    await deleteRelated(db, [...beforeImages.keys()]);
    const hearings = await upsertHearings(db, changes, runId, batchSeq);
    const related = await insertRelated(db, changes, witnesses.ids);
    await insertJournal(db, runId, batchSeq, now, journalInWriteOrder(changes, createdCommittees, witnesses.created, beforeImages));
    return { hearings, related };
  }

  async findEarlierWrites(db: Queryable, runId: number, eventIds: string[]): Promise<BatchRuleViolation[]> {
    const { rows } = await db.query<{ event_id: string }>(
      // "+ 0" keeps the planner on the primary key: the last_run_id index would visit every row of the run.
      'SELECT event_id FROM hearings WHERE event_id = ANY($2::text[]) AND last_run_id + 0 = $1 ORDER BY event_id',
      [runId, eventIds],
    );
    return rows.map((row) => ({
      eventId: row.event_id,
      reason: { code: 'DUPLICATE_EVENT_ID', message: `eventId ${row.event_id} was already written by an earlier batch of this run` },
    }));
  }

  async verify(db: Queryable, runId: number, batchSeq: number, changes: PlannedChange[]): Promise<BatchRuleViolation[]> {
    const ids = changes.map((change) => change.hearing.eventId);
    const { rows } = await db.query<{ hearings: string; related: string; dangling: string[] }>(
      `SELECT
        (SELECT count(*) FROM hearings WHERE event_id = ANY($3::text[]) AND last_run_id + 0 = $1 AND last_batch_seq = $2) AS hearings,
        (SELECT count(*) FROM hearing_committees WHERE event_id = ANY($3::text[]))
          + (SELECT count(*) FROM appearances WHERE event_id = ANY($3::text[]))
          + (SELECT count(*) FROM videos WHERE event_id = ANY($3::text[]))
          + (SELECT count(*) FROM transcripts WHERE event_id = ANY($3::text[])) AS related,
        ARRAY(SELECT hc.event_id FROM hearing_committees hc LEFT JOIN committees c ON c.system_code = hc.system_code
            WHERE hc.event_id = ANY($3::text[]) AND c.system_code IS NULL
          UNION SELECT a.event_id FROM appearances a LEFT JOIN witnesses w ON w.id = a.witness_id
            WHERE a.event_id = ANY($3::text[]) AND w.id IS NULL) AS dangling`,
      [runId, batchSeq, ids],
    );
    const row = rows[0]!;
    const violations: BatchRuleViolation[] = row.dangling.map((eventId) => ({
      eventId,
      reason: { code: 'WRITE_FAILED', message: `a committee or witness row of ${eventId} is missing (foreign key)` },
    }));
    const hearings = Number(row.hearings);
    const related = Number(row.related);
    const plannedRelated = changes.reduce((sum, change) => sum + relatedCount(change.hearing), 0);
    if (hearings !== changes.length || related !== plannedRelated) {
      violations.push({
        eventId: null,
        reason: { code: 'WRITE_FAILED', message: `wrote ${hearings} hearings and ${related} related rows; planned ${changes.length} and ${plannedRelated}` },
      });
    }
    return violations;
  }

  /**
   * Creates the committees the batch names that the database lacks. A subcommittee's parent is
   * linked only when it is known by the time the subcommittee is reached, as in the SQLite writer.
   * Returns the codes created, in the order the batch first names them.
   */
  private async ensureCommittees(db: Queryable, changes: PlannedChange[], runId: number): Promise<string[]> {
    const named = changes.flatMap((c) => c.hearing.committees);
    if (named.length === 0) return [];
    const candidates = [...new Set(named.flatMap((c) => [c.systemCode, parentCommitteeCode(c.systemCode) ?? c.systemCode]))];
    const { rows } = await db.query<{ system_code: string }>('SELECT system_code FROM committees WHERE system_code = ANY($1::text[])', [candidates]);
    const known = new Set(rows.map((row) => row.system_code));
    const created: { code: string; name: string | null; parent: string | null }[] = [];
    for (const committee of named) {
      if (known.has(committee.systemCode)) continue;
      const parent = parentCommitteeCode(committee.systemCode);
      created.push({ code: committee.systemCode, name: committee.name, parent: parent !== null && known.has(parent) ? parent : null });
      known.add(committee.systemCode);
    }
    if (created.length === 0) return [];
    await db.query(
      `INSERT INTO committees (system_code, name, chamber, parent_code, created_run_id)
       SELECT code, name, chamber, parent, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, name, chamber, parent)`,
      [created.map((c) => c.code), created.map((c) => c.name), created.map((c) => committeeChamber(c.code)), created.map((c) => c.parent), runId],
    );
    return created.map((c) => c.code);
  }

  /** Finds or creates every witness the batch names; returns ids by witness key and the ids created, in order. */
  private async ensureWitnesses(db: Queryable, changes: PlannedChange[]): Promise<{ ids: Map<string, number>; created: Map<string, number> }> {
    const distinct = new Map<string, Witness>();
    for (const witness of changes.flatMap((c) => c.hearing.witnesses)) {
      if (!distinct.has(witnessKey(witness))) distinct.set(witnessKey(witness), witness);
    }
    const ids = new Map<string, number>();
    const created = new Map<string, number>();
    if (distinct.size === 0) return { ids, created };
    const all = [...distinct.values()];
    const found = await db.query<{ id: string; normalized_name: string; organization_key: string }>(
      `SELECT w.id, w.normalized_name, w.organization_key FROM witnesses w
       JOIN unnest($1::text[], $2::text[]) AS t(n, o) ON w.normalized_name = t.n AND w.organization_key = t.o`,
      [all.map((w) => w.normalizedName), all.map(organizationKey)],
    );
    for (const row of found.rows) ids.set(`${row.normalized_name}\u0000${row.organization_key}`, Number(row.id));
    const missing = all.filter((w) => !ids.has(witnessKey(w)));
    if (missing.length === 0) return { ids, created };
    // Ids are drawn in the order the batch first names the witnesses, as the SQLite writer draws them.
    const inserted = await db.query<{ id: string; normalized_name: string; organization_key: string }>(
      `INSERT INTO witnesses (normalized_name, organization_key, name, organization)
       SELECT n, o, name, org FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(n, o, name, org, ord)
       ORDER BY ord RETURNING id, normalized_name, organization_key`,
      [missing.map((w) => w.normalizedName), missing.map(organizationKey), missing.map((w) => w.name), missing.map((w) => w.organization)],
    );
    for (const row of inserted.rows) {
      const key = `${row.normalized_name}\u0000${row.organization_key}`;
      ids.set(key, Number(row.id));
      created.set(key, Number(row.id));
    }
    return { ids, created };
  }

  /** Every row each hearing owns, exactly as stored: what a rollback puts back. */
  private async beforeImages(db: Queryable, eventIds: string[]): Promise<Map<string, string>> {
    if (eventIds.length === 0) return new Map();
    const { rows } = await db.query<{ event_id: string; image: string }>(
      `SELECT h.event_id, jsonb_build_object(
        'hearing', to_jsonb(h),
        'committees', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.ordinal), '[]') FROM hearing_committees x WHERE x.event_id = h.event_id),
        'appearances', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.ordinal), '[]') FROM appearances x WHERE x.event_id = h.event_id),
        'videos', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.ordinal), '[]') FROM videos x WHERE x.event_id = h.event_id),
        'transcripts', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.ordinal), '[]') FROM transcripts x WHERE x.event_id = h.event_id)
      )::text AS image FROM hearings h WHERE h.event_id = ANY($1::text[])`,
      [eventIds],
    );
    return new Map(rows.map((row) => [row.event_id, row.image]));
  }
}

function organizationKey(witness: Witness): string {
  return (witness.organization ?? '').toLowerCase();
}

function witnessKey(witness: Witness): string {
  return `${witness.normalizedName}\u0000${organizationKey(witness)}`;
}

async function deleteRelated(db: Queryable, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db.query(
    `WITH c AS (DELETE FROM hearing_committees WHERE event_id = ANY($1::text[])),
      a AS (DELETE FROM appearances WHERE event_id = ANY($1::text[])),
      v AS (DELETE FROM videos WHERE event_id = ANY($1::text[]))
    DELETE FROM transcripts WHERE event_id = ANY($1::text[])`,
    [eventIds],
  );
}

const HEARING_COLUMNS = [
  ['event_id', 'text'], ['congress', 'integer'], ['chamber', 'text'], ['meeting_type', 'text'], ['meeting_status', 'text'],
  ['title', 'text'], ['starts_at', 'text'], ['update_date', 'text'], ['room', 'text'], ['building', 'text'], ['address', 'text'],
  ['content_hash', 'text'], ['content_json', 'text'], ['last_position', 'integer'],
] as const;

async function upsertHearings(db: Queryable, changes: PlannedChange[], runId: number, batchSeq: number): Promise<number> {
  const columns = HEARING_COLUMNS.map(([name]) => name);
  const unnestArgs = HEARING_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const runParam = HEARING_COLUMNS.length + 1;
  const updates = columns.filter((c) => c !== 'event_id').map((c) => `${c} = excluded.${c}`);
  const result = await db.query(
    `INSERT INTO hearings (${columns.join(', ')}, first_run_id, last_run_id, last_batch_seq)
     SELECT *, $${runParam}::bigint, $${runParam}::bigint, $${runParam + 1}::integer FROM unnest(${unnestArgs})
     ON CONFLICT (event_id) DO UPDATE SET ${updates.join(', ')}, last_run_id = excluded.last_run_id, last_batch_seq = excluded.last_batch_seq`,
    [...hearingColumnArrays(changes), runId, batchSeq],
  );
  return result.rowCount ?? 0;
}

function hearingColumnArrays(changes: PlannedChange[]): unknown[][] {
  const rows = changes.map(({ hearing, contentHash, position }) => [
    hearing.eventId, hearing.congress, hearing.chamber, hearing.type, hearing.meetingStatus, hearing.title, hearing.date,
    hearing.updateDate, hearing.location?.room ?? null, hearing.location?.building ?? null, hearing.location?.address ?? null,
    contentHash, JSON.stringify(hearing), position,
  ]);
  return HEARING_COLUMNS.map((_, column) => rows.map((row) => row[column]));
}

/** Committee links, appearances, videos and transcripts of the whole batch in one statement. */
async function insertRelated(db: Queryable, changes: PlannedChange[], witnessIds: Map<string, number>): Promise<number> {
  const links = changes.flatMap(({ hearing }) => hearing.committees.map((c, i) => [hearing.eventId, c.systemCode, i === 0 ? 1 : 0, i]));
  const appearances = changes.flatMap(({ hearing }) =>
    hearing.witnesses.map((w, i) => [hearing.eventId, witnessIds.get(witnessKey(w)), i, w.position]),
  );
  const videos = changes.flatMap(({ hearing }) => hearing.videos.map((v, i) => [hearing.eventId, i, v.name, v.url]));
  const transcripts = changes.flatMap(({ hearing }) => hearing.transcripts.map((t, i) => [hearing.eventId, i, t.jacketNumber, t.url]));
  const column = (rows: unknown[][], i: number) => rows.map((row) => row[i] ?? null);
  const { rows } = await db.query<{ n: string }>(
    `WITH c AS (INSERT INTO hearing_committees (event_id, system_code, is_primary, ordinal)
        SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[]) RETURNING 1),
      a AS (INSERT INTO appearances (event_id, witness_id, ordinal, position)
        SELECT * FROM unnest($5::text[], $6::bigint[], $7::integer[], $8::text[]) RETURNING 1),
      v AS (INSERT INTO videos (event_id, ordinal, name, url)
        SELECT * FROM unnest($9::text[], $10::integer[], $11::text[], $12::text[]) RETURNING 1),
      t AS (INSERT INTO transcripts (event_id, ordinal, jacket_number, url)
        SELECT * FROM unnest($13::text[], $14::integer[], $15::text[], $16::text[]) RETURNING 1)
    SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM a) + (SELECT count(*) FROM v) + (SELECT count(*) FROM t) AS n`,
    [links, appearances, videos, transcripts].flatMap((rowsOf) => [0, 1, 2, 3].map((i) => column(rowsOf, i))),
  );
  return Number(rows[0]!.n);
}

/** The SQLite writer's journal order: per hearing, the committees it created, itself, then the witnesses it created. */
function journalInWriteOrder(
  changes: PlannedChange[],
  createdCommittees: string[],
  createdWitnesses: Map<string, number>,
  beforeImages: Map<string, string>,
): JournalEntry[] {
  const committeesLeft = new Set(createdCommittees);
  const witnessesLeft = new Map(createdWitnesses);
  const entries: JournalEntry[] = [];
  for (const { hearing, contentHash, kind } of changes) {
    for (const committee of hearing.committees) {
      if (!committeesLeft.delete(committee.systemCode)) continue;
      entries.push({ entity: 'committee', key: committee.systemCode, before: null, afterHash: null });
    }
    const before = kind === 'updated' ? (beforeImages.get(hearing.eventId) ?? null) : null;
    entries.push({ entity: 'hearing', key: hearing.eventId, before, afterHash: contentHash });
    for (const witness of hearing.witnesses) {
      const id = witnessesLeft.get(witnessKey(witness));
      if (id === undefined) continue;
      witnessesLeft.delete(witnessKey(witness));
      entries.push({ entity: 'witness', key: String(id), before: null, afterHash: null });
    }
  }
  return entries;
}

async function insertJournal(db: Queryable, runId: number, batchSeq: number, now: string, entries: JournalEntry[]): Promise<void> {
  await db.query(
    `INSERT INTO undo_journal (run_id, batch_seq, entity, entity_key, before_json, after_hash, created_at)
     SELECT $5, $6, entity, entity_key, before_json, after_hash, $7
     FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[]) WITH ORDINALITY AS t(entity, entity_key, before_json, after_hash, ord)
     ORDER BY ord`,
    [entries.map((e) => e.entity), entries.map((e) => e.key), entries.map((e) => e.before), entries.map((e) => e.afterHash), runId, batchSeq, now],
  );
}

/** What the fault seam throws: shaped like a driver error (a SQLSTATE) so the engine cannot tell the difference. */
export function injectedWriteFault(eventId: string): Error {
  const error = new Error(`could not write block (injected fault writing eventId ${eventId})`);
  (error as Error & { code: string }).code = 'XX001';
  return error;
}
