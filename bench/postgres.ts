import pg from 'pg';
import { runUpdate } from '../main/engine/index.js';
import { openSource } from '../main/sources/index.js';
import { openStore, snapshotSchemaPrefix } from '../main/store/index.js';

export interface PostgresMeasurement {
  records: number;
  ms: number;
  recordsPerSecond: number;
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server benches use: GATEHOUSE_PG_URL, or the local one. */
export function postgresBenchUrl(): string {
  return process.env.GATEHOUSE_PG_URL ?? DEFAULT_URL;
}

/** A store location in `schema` of the server at `url`. */
export function benchSchemaUrl(url: string, schema: string): string {
  const location = new URL(url);
  location.searchParams.set('schema', schema);
  return location.toString();
}

/**
 * The 100,000-record synthetic run on PostgreSQL in batch mode (N=50), end to end as
 * `gatehouse update --db postgres://…` does it, into a fresh schema dropped afterwards.
 * Target: at least 10,000 records/s against a local server.
 */
export async function measurePostgresUpdate(
  records = 100_000,
  url = postgresBenchUrl(),
): Promise<PostgresMeasurement> {
  const schema = `gh_bench_${process.pid}_${Date.now().toString(36)}`;
  try {
    const started = performance.now();
    const store = await openStore(benchSchemaUrl(url, schema));
    const source = await openSource(`synthetic:seed=1,count=${records}`);
    const summary = await runUpdate({ store, source, mode: 'batch', batchSize: 50 });
    await store.close();
    const ms = performance.now() - started;
    if (summary.metrics.fetched !== records) throw new Error(`bench run fetched ${summary.metrics.fetched} of ${records}`);
    return { records, ms, recordsPerSecond: (records / ms) * 1000 };
  } finally {
    await dropSchema(url, schema);
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  try {
    await client.connect();
    // Its snapshots too: a run on it may have taken one, in a schema of its own named from this one's.
    const { rows } = await client.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)', [snapshotSchemaPrefix(schema)]);
    for (const name of [schema, ...rows.map((row) => row.name)]) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end().catch(() => {});
  }
}
