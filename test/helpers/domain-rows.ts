import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../../main/store/index.js';

/**
 * Every domain row as text, by natural key (witnesses by name and organization, never by id), so
 * two databases that hold the same data compare equal however their ids were assigned.
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

export type DomainRows = Record<string, string[]>;

function lines(rows: Record<string, unknown>[]): string[] {
  return rows.map((row) => JSON.stringify(Object.values(row).map((v) => (v === null || v === undefined ? null : String(v))))).sort();
}

export async function domainRows(location: string): Promise<DomainRows> {
  const result: DomainRows = {};
  if (isPostgresUrl(location)) {
    const url = new URL(location);
    const schema = url.searchParams.get('schema') ?? 'public';
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path="${schema}"` });
    await client.connect();
    try {
      for (const [table, sql] of Object.entries(QUERIES)) result[table] = lines((await client.query(sql)).rows);
    } finally {
      await client.end();
    }
    return result;
  }
  const db = new Database(location, { readonly: true });
  try {
    for (const [table, sql] of Object.entries(QUERIES)) result[table] = lines(db.prepare(sql).all() as Record<string, unknown>[]);
  } finally {
    db.close();
  }
  return result;
}

/** One sha256 per table: what the rollback-hash test compares. */
export function hashDomainRows(rows: DomainRows): Record<string, string> {
  return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, crypto.createHash('sha256').update(list.join('\n')).digest('hex')]));
}
