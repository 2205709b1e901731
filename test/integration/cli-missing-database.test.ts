import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { connectToPostgres, PG_URL } from '../helpers/postgres.js';

/**
 * A mistyped `--db` must not answer from, or write to, a new empty database: every command but
 * `update`, `serve` and `tasks add` refuses a database that is not there (exit 6) and creates nothing.
 */
const backends = testBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

/** Commands that only read or change a store that is already there, each well-formed but for its database. */
const REFUSED: string[][] = [
  ['runs', 'list'],
  ['runs', 'show', '1'],
  ['flags', 'set', 'BATCH_SIZE', '50', '--reason', 'a typo'],
  ['flags', 'list'],
  ['rollback', '--run', '1', '--reason', 'a typo'],
  ['tasks', 'list'],
  ['tasks', 'run', 'daily'],
  ['anomalies', 'list'],
  ['backups', 'list'],
  ['quarantine', 'list'],
];

async function databaseExists(location: string): Promise<boolean> {
  if (!location.startsWith('postgres')) return fs.existsSync(location);
  const client = await connectToPostgres();
  try {
    const schema = new URL(location).searchParams.get('schema');
    return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length > 0;
  } finally {
    await client.end();
  }
}

/** A database with nothing in it: a zero-byte file (`touch`), an empty schema. */
async function createEmptyDatabase(location: string): Promise<void> {
  if (!location.startsWith('postgres')) return fs.writeFileSync(location, '');
  const client = await connectToPostgres();
  try {
    await client.query(`CREATE SCHEMA ${new URL(location).searchParams.get('schema')}`);
  } finally {
    await client.end();
  }
}

async function holdsNoTables(location: string): Promise<boolean> {
  if (!location.startsWith('postgres')) return fs.statSync(location).size === 0;
  const client = await connectToPostgres();
  try {
    const schema = new URL(location).searchParams.get('schema');
    return (await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1', [schema])).rows.length === 0;
  } finally {
    await client.end();
  }
}

describe.each(backends)('a --db naming no database ($name)', (backend) => {
  it.each(REFUSED)('%s %s is refused with exit 6 and creates nothing', async (...command) => {
    const location = await backend.freshLocation();
    const refused = runCli([...command, '--db', location]);
    expect(refused.code, refused.stderr).toBe(6);
    expect(refused.stderr).toMatch(/^gatehouse: no database at .+\n {2}hint: .*`gatehouse update` creates a database/);
    expect(await databaseExists(location)).toBe(false);
  });

  it('names the database as --db gave it, once: a PostgreSQL URL already says its schema', async () => {
    const location = await backend.freshLocation();
    const refused = runCli(['runs', 'list', '--db', location]);
    expect(refused.stderr.split('\n')[0]).toBe(`gatehouse: no database at ${location}`);
  });

  it('is refused when the database is there but holds no store (an empty file, an empty schema), and stays empty', async () => {
    const location = await backend.freshLocation();
    await createEmptyDatabase(location);
    const refused = runCli(['runs', 'list', '--json', '--db', location]);
    expect(refused.code, refused.stderr).toBe(6);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'DB_UNREACHABLE', message: expect.stringContaining('no database at') });
    expect(await holdsNoTables(location)).toBe(true);
    // update may start a database there, as it may a new path.
    expect(runCli(['update', '--source', 'synthetic:seed=1,count=2', '--no-snapshot', '--db', location]).code).toBe(0);
    expect(runCli(['runs', 'list', '--db', location]).code).toBe(0);
  }, 60_000);

  it('is refused through GATEHOUSE_DB too, and with --json says so on stdout', async () => {
    const location = await backend.freshLocation();
    const refused = runCli(['runs', 'list', '--json'], { env: { GATEHOUSE_DB: location } });
    expect(refused.code).toBe(6);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'DB_UNREACHABLE', message: expect.stringContaining('no database at') });
    expect(await databaseExists(location)).toBe(false);
  });

  it('is created by update and by tasks add, and is then found by the rest', async () => {
    const byTask = await backend.freshLocation();
    expect(runCli(['tasks', 'add', 'daily', '--cron', '0 6 * * *', '--source', 'synthetic:count=5', '--db', byTask]).code).toBe(0);
    expect(runCli(['tasks', 'list', '--db', byTask]).stdout).toContain('daily');

    const byUpdate = await backend.freshLocation();
    expect(runCli(['update', '--source', 'synthetic:seed=1,count=5', '--no-snapshot', '--db', byUpdate]).code).toBe(0);
    const listed = runCli(['runs', 'list', '--json', '--db', byUpdate]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
  }, 60_000);
});

describe('a PostgreSQL URL naming no store', () => {
  it.runIf(backends.some((backend) => backend.name === 'postgres'))('is refused for a database the server does not have', () => {
    const noDatabase = new URL(PG_URL);
    noDatabase.pathname = '/gatehouse_no_such_database';
    const refused = runCli(['runs', 'list', '--db', noDatabase.toString()]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('no such database');
  });
});
