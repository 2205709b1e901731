import Database from 'better-sqlite3';
import pg from 'pg';
import { contentHash } from '../main/engine/index.js';
import { openSource, type RecordSource, type SourceItem } from '../main/sources/index.js';
import { HEARING_COLUMNS, hearingRow, relatedRows, type RelatedTable } from '../main/store/hearing-rows.js';
import { pgType } from '../main/store/postgres/hearing-writer.js';
import { snakeCase } from '../main/store/schema.js';
import { applyRecordRules } from '../main/validation/index.js';
import { organizationKey, witnessKey, type NormalizedHearing, type Witness } from '../shared/record.js';

/**
 * The floors (STYLE: measure against a floor): the same normalized rows the engine writes, into the
 * same schema, by the plainest writer each backend allows — no rules, classification, journal,
 * checkpoints or batch rows. `commitEvery` null writes everything in one transaction; a number
 * commits every that many hearings, the floor for batches of that size.
 */
export interface FloorHearing {
  hearing: NormalizedHearing;
  contentHash: string;
}

/** The synthetic records a bench case starts from, read before any clock starts. */
export async function syntheticItems(records: number, seed = 1): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of (await openSource(`synthetic:seed=${seed},count=${records}`)).items()) items.push(item);
  return items;
}

/**
 * The engine reads records already generated, as the floor writes rows from records generated before
 * its clock: making up synthetic hearings is the bench's work, not the engine's (≈ 15 % of a 100k
 * run here). Record rules, hashing, classification, writes, journal, checkpoints and reconciliation
 * all stay on the engine's clock.
 */
export function preReadSource(items: readonly SourceItem[]): RecordSource {
  return {
    description: `${items.length} synthetic records, read before the clock`,
    expectedCount: items.length,
    async *items(options = {}) {
      for (let index = options.skip ?? 0; index < items.length; index++) yield items[index]!;
    },
  };
}

/** Normalized before any clock starts, so a floor times the database's share alone. */
export function floorHearingsOf(items: readonly SourceItem[]): FloorHearing[] {
  const hearings: FloorHearing[] = [];
  for (const item of items) {
    const outcome = applyRecordRules(item.raw, { isKnownCommittee: () => true });
    if (outcome.ok) hearings.push({ hearing: outcome.hearing, contentHash: contentHash(outcome.hearing) });
  }
  return hearings;
}

export const floorHearings = async (records: number, seed = 1): Promise<FloorHearing[]> => floorHearingsOf(await syntheticItems(records, seed));

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

const RELATED_COLUMNS: Record<RelatedTable, string> = {
  hearing_committees: 'event_id, system_code, is_primary, ordinal',
  appearances: 'event_id, witness_id, ordinal, position',
  videos: 'event_id, ordinal, name, url',
  transcripts: 'event_id, ordinal, jacket_number, url',
};
const RELATED_TYPES: Record<RelatedTable, string[]> = {
  hearing_committees: ['text', 'text', 'integer', 'integer'],
  appearances: ['text', 'bigint', 'integer', 'text'],
  videos: ['text', 'integer', 'text', 'text'],
  transcripts: ['text', 'integer', 'text', 'text'],
};
const RELATED_TABLES = Object.keys(RELATED_COLUMNS) as RelatedTable[];

/** As the engine's writers do, hearingRow serialises the stored JSON inside the floor's clock. */
const asChange = ({ hearing, contentHash: hash }: FloorHearing, position: number) => ({
  kind: 'added' as const, hearing, contentHash: hash, position, raw: null, diff: [],
});

/** SQLite: prepared statements in a loop, one transaction per `commitEvery` hearings. */
export function writeSqliteFloor(file: string, hearings: FloorHearing[], commitEvery: number | null): void {
  const db = new Database(file);
  // The store's own connection settings, foreign keys included: the schema's cost is part of the floor.
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  try {
    const committee = db.prepare('INSERT INTO committees (system_code, name) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const hearing = db.prepare(`INSERT INTO hearings (${HEARING_COLUMNS.map(snakeCase).join(', ')}) VALUES (${HEARING_COLUMNS.map(() => '?').join(', ')})`);
    const witness = db.prepare(`INSERT INTO witnesses (normalized_name, organization_key, name, organization) VALUES (?, ?, ?, ?)
      ON CONFLICT (normalized_name, organization_key) DO UPDATE SET name = excluded.name RETURNING id`).pluck();
    const related = Object.fromEntries(
      RELATED_TABLES.map((table) => [table, db.prepare(`INSERT INTO ${table} (${RELATED_COLUMNS[table]}) VALUES (?, ?, ?, ?)`)]),
    ) as Record<RelatedTable, Database.Statement>;
    // Witness ids kept for the run, as the PostgreSQL floor and the engine's writers keep them.
    const witnessIds = new Map<string, number>();
    const witnessId = (w: Witness): number => {
      const key = witnessKey(w);
      const known = witnessIds.get(key);
      if (known !== undefined) return known;
      const id = witness.get(w.normalizedName, organizationKey(w), w.name, w.organization) as number;
      witnessIds.set(key, id);
      return id;
    };
    const writeChunk = db.transaction((chunk: FloorHearing[], first: number) => {
      chunk.forEach((item, i) => {
        for (const c of item.hearing.committees) committee.run(c.systemCode, c.name);
        const row = hearingRow(asChange(item, first + i), 1, 1);
        // By position and spread as arguments, as the engine's SQLite writer binds: by name,
        // better-sqlite3 looks each key up, and an array it reads one element at a time.
        hearing.run(...HEARING_COLUMNS.map((c) => row[c]));
        const rows = relatedRows(item.hearing, witnessId);
        for (const table of RELATED_TABLES) for (const row of rows[table]) related[table].run(...row);
      });
    });
    const size = commitEvery ?? hearings.length;
    chunks(hearings, Math.max(1, size)).forEach((chunk, i) => writeChunk(chunk, i * size));
  } finally {
    db.close();
  }
}

/** Statement size for the one-transaction PostgreSQL floor: parameters stay far below pg's limits. */
const PG_STATEMENT_ROWS = 1000;

/**
 * PostgreSQL: one multi-row `unnest` INSERT per table per chunk (committees, witnesses with their
 * ids returned, hearings, related rows), one transaction per `commitEvery` hearings.
 */
export async function writePostgresFloor(config: pg.ClientConfig, hearings: FloorHearing[], commitEvery: number | null): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const witnessIds = new Map<string, number>();
    const transactions = commitEvery === null ? [hearings] : chunks(hearings, commitEvery);
    let position = 0;
    for (const transaction of transactions) {
      await client.query('BEGIN');
      for (const chunk of chunks(transaction, PG_STATEMENT_ROWS)) {
        await writePostgresChunk(client, chunk, position, witnessIds);
        position += chunk.length;
      }
      await client.query('COMMIT');
    }
  } finally {
    await client.end();
  }
}

async function writePostgresChunk(client: pg.Client, chunk: FloorHearing[], first: number, witnessIds: Map<string, number>): Promise<void> {
  const committees = new Map(chunk.flatMap(({ hearing }) => hearing.committees.map((c) => [c.systemCode, c.name] as const)));
  await client.query('INSERT INTO committees (system_code, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [
    [...committees.keys()],
    [...committees.values()],
  ]);
  const witnesses = new Map(chunk.flatMap(({ hearing }) => hearing.witnesses.map((w) => [witnessKey(w), w] as const)));
  if (witnesses.size > 0) {
    const all = [...witnesses.values()];
    const { rows } = await client.query<{ id: number; normalized_name: string; organization_key: string }>(
      `INSERT INTO witnesses (normalized_name, organization_key, name, organization) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (normalized_name, organization_key) DO UPDATE SET name = excluded.name RETURNING id, normalized_name, organization_key`,
      [all.map((w) => w.normalizedName), all.map(organizationKey), all.map((w) => w.name), all.map((w) => w.organization)],
    );
    for (const row of rows) witnessIds.set(`${row.normalized_name}\u0000${row.organization_key}`, Number(row.id));
  }
  const hearingRows = chunk.map((item, i) => hearingRow(asChange(item, first + i), 1, 1));
  await client.query(
    `INSERT INTO hearings (${HEARING_COLUMNS.map(snakeCase).join(', ')}) SELECT * FROM unnest(${HEARING_COLUMNS.map((c, i) => `$${i + 1}::${pgType('hearings', c)}[]`).join(', ')})`,
    HEARING_COLUMNS.map((column) => hearingRows.map((row) => row[column])),
  );
  const related = chunk.map(({ hearing }) => relatedRows(hearing, (w) => witnessIds.get(witnessKey(w))!));
  for (const table of RELATED_TABLES) {
    const types = RELATED_TYPES[table];
    const columns = types.map((_, i) => related.flatMap((rows) => rows[table].map((row) => row[i] ?? null)));
    if (columns[0]!.length === 0) continue;
    await client.query(`INSERT INTO ${table} (${RELATED_COLUMNS[table]}) SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`, columns);
  }
}
