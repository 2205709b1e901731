import fs from 'node:fs';
import pg from 'pg';
import { openStore, snapshotSchemaPrefix, stagingCopyTarget } from '../../main/store/index.js';
import { redactConnectionString } from '../../shared/redact.js';
import type { TestBackend } from './backends.js';

/** The server the PostgreSQL tests use; each test gets its own schema in it. */
export const PG_URL = process.env.GATEHOUSE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Asked once per test file: is the server there? */
export async function postgresReachable(url = PG_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message || String((error as { code?: string }).code ?? error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A plain client of the test server, its errors (a terminated session) left to the caller's queries. */
export async function connectToPostgres(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * Some session waits for a lock on a table of `schema` (pg_locks, read live even inside the caller's
 * transaction). Scoped to the schema, not the server: another test file's sessions waiting on the
 * same server (a second vitest worker, another suite) are not this test's state.
 */
export async function waitsForTableOf(client: pg.Client, schema: string): Promise<boolean> {
  const { rows } = await client.query(
    'SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT l.granted AND n.nspname = $1 LIMIT 1',
    [schema],
  );
  return rows.length > 0;
}

/** What an operator types in psql: one statement from a session of its own, outside Gatehouse. */
export async function psql(statement: string): Promise<void> {
  const client = await connectToPostgres();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** `read`, given the rows of each query it runs on a session of the test's own beside Gatehouse's: what support sees from psql. */
export async function readBeside<T>(read: (rows: (text: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const client = await connectToPostgres();
  try {
    return await read(async (text) => (await client.query(text)).rows as Record<string, unknown>[]);
  } finally {
    await client.end();
  }
}

let counter = 0;

/**
 * The tag of this vitest run (set by test/global-setup.ts, inherited by its workers): every schema
 * uniqueSchema names carries it, so the run's teardown drops whatever a test left, whichever way
 * it ended (a failed assertion before its cleanup, a file whose afterAll never ran).
 */
export const RUN_TAG_VARIABLE = 'GATEHOUSE_TEST_RUN';

export function testRunTag(): string {
  return process.env[RUN_TAG_VARIABLE] ?? `p${process.pid}`;
}

/**
 * The file (in the run's temp folder, set by test/global-setup.ts) where uniqueSchema notes every name it
 * gives: a store's snapshot schemas carry a digest of its name, not the run's tag, so once a test dropped
 * the store's schema itself (from psql, as an operator would) only its name finds the snapshots left.
 */
export const NAMED_SCHEMAS_VARIABLE = 'GATEHOUSE_TEST_SCHEMAS_NAMED';

/** A schema name no other test file, process or run will pick, tagged with this run's tag. */
export function uniqueSchema(prefix = 'gh_test'): string {
  counter += 1;
  const name = `${prefix}_${testRunTag()}_${process.pid}_${Date.now().toString(36)}_${counter}`;
  const named = process.env[NAMED_SCHEMAS_VARIABLE];
  if (named) fs.appendFileSync(named, `${name}\n`);
  return name;
}

/** Every name uniqueSchema gave in this run (none when the run noted none). */
export function schemasNamed(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export function urlWithSchema(schema: string, url = PG_URL): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

/**
 * The schemas Gatehouse makes from a store's own: its snapshots, its default staging schema
 * (`<schema>_staging`) and a staging copy being built (stagingCopyTarget), each with its own.
 */
function derivedSchemas(schema: string, existing: readonly string[]): string[] {
  const copying = new URL(stagingCopyTarget(urlWithSchema(schema))).searchParams.get('schema')!;
  const snapshots = existing.filter((name) => name.startsWith(snapshotSchemaPrefix(schema)));
  const staging = `${schema}_staging`;
  const nested = [staging, copying].filter((name) => existing.includes(name)).flatMap((name) => derivedSchemas(name, existing));
  return [copying, staging, ...snapshots, ...nested];
}

/**
 * Drops `schemas` and every schema Gatehouse derived from them (snapshots, staging, staging copies),
 * also those of a schema already gone; returns what it dropped.
 */
export async function dropSchemas(schemas: string[], url = PG_URL): Promise<string[]> {
  if (schemas.length === 0) return [];
  const dropped: string[] = [];
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'gh\\_%' OR nspname = ANY($1)", [schemas]);
    const existing = rows.map((row) => row.name);
    for (const name of new Set(schemas.flatMap((schema) => [schema, ...derivedSchemas(schema, existing)]))) {
      if (!existing.includes(name)) continue;
      await client.query(`DROP SCHEMA IF EXISTS ${quoted(name)} CASCADE`);
      dropped.push(name);
    }
  } finally {
    await client.end().catch(() => {});
  }
  return dropped;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Drops every schema this run's uniqueSchema named (and what Gatehouse derived from them): the
 * run's teardown, after every file's own cleanup had its chance. `named`: the names the run gave
 * (schemasNamed), whose snapshots outlive a schema a test dropped. Returns what it found left.
 */
export async function dropRunSchemas(tag: string, named: readonly string[] = [], url = PG_URL): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  let left: string[];
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'gh\\_%' AND strpos(nspname, $1) > 0", [`_${tag}_`]);
    left = rows.map((row) => row.name);
  } catch {
    return []; // no server: no PostgreSQL test ran
  } finally {
    await client.end().catch(() => {});
  }
  return dropSchemas([...new Set([...left, ...named])], url);
}

/** One schema per test (created and migrated on open), all dropped when the file is done. */
export function postgresBackend(url = PG_URL): TestBackend {
  const schemas: string[] = [];
  return {
    name: 'postgres',
    async freshLocation() {
      const schema = uniqueSchema();
      schemas.push(schema);
      return urlWithSchema(schema, url);
    },
    open: (location, options) => openStore(location, options),
    cleanup: async () => void (await dropSchemas(schemas.splice(0), url)),
  };
}

/**
 * The PostgreSQL backend when its server answers. Outside CI an absent server skips the
 * PostgreSQL suite with one visible line; in CI (CI=true) it fails the run.
 */
export async function availablePostgresBackend(): Promise<TestBackend | null> {
  const problem = await postgresReachable();
  if (problem === null) return postgresBackend();
  const message = `PostgreSQL suite skipped: ${redactConnectionString(PG_URL)} unreachable (${problem})`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI requires PostgreSQL (set GATEHOUSE_PG_URL or start the server)`);
  console.warn(message);
  return null;
}

/**
 * Every session Gatehouse opened on the schema of `location` has ended: the server has seen a killed
 * process go (its advisory locks with it). Wait for this before the next writer, not for a time.
 */
export async function sessionsGone(location: string): Promise<void> {
  const client = await connectToPostgres();
  try {
    const name = `gatehouse:${new URL(location).searchParams.get('schema')}`;
    for (;;) {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [name]);
      if (Number(rows[0]!.n) === 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await client.end();
  }
}

/**
 * A database of its own on the test server whose default collation is a language's (ICU en-US,
 * else the libc locale en_US.UTF-8 when the server's machine has it), as a team's database often
 * is: "a" < "A" < "b" < "Zed" there, where C and SQLite put "A" < "Zed" < "a" < "b". Null when the
 * server can make neither. `drop` removes it (no run teardown knows it).
 */
export async function languageCollatedDatabase(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  const name = `gh_collated_${testRunTag()}_${process.pid}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const ways = [`LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`, `LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'`];
  for (const way of ways) {
    const made = await psql(`CREATE DATABASE ${quoted(name)} TEMPLATE template0 ENCODING 'UTF8' ${way}`).then(
      () => true,
      () => false,
    );
    if (!made) continue;
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => psql(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`) };
  }
  return null;
}
