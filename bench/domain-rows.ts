import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../main/store/index.js';
import { connectionConfig, parsePostgresTarget } from '../main/store/postgres/target.js';

/**
 * Reading a database from outside the store, as a checker would: the crash-safety proof, the
 * soak and the rollback-hash test compare what is stored, on SQLite files and PostgreSQL schemas
 * alike. Read-only, one connection per call.
 */
export type Rows = Record<string, unknown>[];
export type Query = (sql: string, params?: unknown[]) => Promise<Rows>;

/** Runs `work` with a query function on a SQLite file or a `postgres://…?schema=NAME` URL. */
export async function withReader<T>(location: string, work: (query: Query) => Promise<T>): Promise<T> {
  if (isPostgresUrl(location)) {
    // The store's own connection settings: same schema parsing, search_path set at connect.
    const client = new pg.Client(connectionConfig(parsePostgresTarget(location)));
    client.on('error', () => {});
    await client.connect();
    try {
      return await work(async (sql, params) => (await client.query(sql, params)).rows as Rows);
    } finally {
      await client.end().catch(() => {});
    }
  }
  const db = new Database(location, { readonly: true, fileMustExist: true });
  try {
    return await work(async (sql, params) => db.prepare(sql).all(...(params ?? [])) as Rows);
  } finally {
    db.close();
  }
}

/**
 * Every domain row by natural key (witnesses by name and organization, never by id), so two
 * databases that hold the same data compare equal however their ids were assigned.
 */
const QUERIES: Record<string, string> = {
  hearings: `SELECT event_id, congress, chamber, meeting_type, meeting_status, title, starts_at, update_date, room, building,
    address, content_hash, content_json FROM hearings`,
  hearing_committees: 'SELECT event_id, system_code, is_primary, ordinal FROM hearing_committees',
  committees: 'SELECT system_code, name, chamber, parent_code FROM committees',
  witnesses: 'SELECT normalized_name, organization_key, name, organization FROM witnesses',
  appearances: `SELECT a.event_id, w.normalized_name, w.organization_key, a.ordinal, a.position
    FROM appearances a JOIN witnesses w ON w.id = a.witness_id`,
  videos: 'SELECT event_id, ordinal, name, url FROM videos',
  transcripts: 'SELECT event_id, ordinal, jacket_number, url FROM transcripts',
};

/** Per table, one line of text per row, sorted: equal lists mean equal rows, duplicates included. */
export type DomainRows = Record<string, string[]>;

function lines(rows: Rows): string[] {
  return rows.map((row) => JSON.stringify(Object.values(row).map((v) => (v === null || v === undefined ? null : String(v))))).sort();
}

export async function domainRows(location: string): Promise<DomainRows> {
  return withReader(location, async (query) => {
    const result: DomainRows = {};
    for (const [table, sql] of Object.entries(QUERIES)) result[table] = lines(await query(sql));
    return result;
  });
}

/** One sha256 per table: what the rollback-hash test compares. */
export function hashDomainRows(rows: DomainRows): Record<string, string> {
  return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, crypto.createHash('sha256').update(list.join('\n')).digest('hex')]));
}

export type Fingerprint = Record<string, { rows: number; sha256: string }>;

/** Per domain table: row count and hash of its rows, small enough to print when two differ. */
export async function domainFingerprint(location: string): Promise<Fingerprint> {
  const rows = await domainRows(location);
  const hashes = hashDomainRows(rows);
  return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, { rows: list.length, sha256: hashes[table]! }]));
}
