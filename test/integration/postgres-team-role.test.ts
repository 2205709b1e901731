import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, PG_URL, psql, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();
const ROLE = `gh_test_team_role_${process.pid}`;
const DATABASE = decodeURIComponent(new URL(PG_URL).pathname.slice(1));
const asRole = (location: string) => {
  const url = new URL(location);
  url.username = ROLE;
  url.password = '';
  return url.toString();
};

/**
 * A team's read/write role: it may use the store's schema and every table and sequence of it, but
 * owns nothing and may create nothing (no CREATE on the database or the schema). Opening a migrated
 * store asked for both anyway (CREATE SCHEMA IF NOT EXISTS, CREATE TABLE IF NOT EXISTS
 * schema_migrations) and was refused "permission denied for database". SQLite has no roles.
 */
describe.skipIf(backend === null)('a PostgreSQL role that reads and writes a store it does not own', () => {
  beforeAll(() => backend && psql(`CREATE ROLE ${ROLE} LOGIN`));
  afterAll(async () => {
    await psql(`DROP OWNED BY ${ROLE}`).catch(() => {});
    await psql(`DROP ROLE IF EXISTS ${ROLE}`);
    await backend?.cleanup();
  });

  it('lists runs and runs an update on the migrated store without CREATE on the database or the schema', async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    const schema = new URL(location).searchParams.get('schema')!;
    await psql(`GRANT USAGE ON SCHEMA "${schema}" TO ${ROLE};
      GRANT ALL ON ALL TABLES IN SCHEMA "${schema}" TO ${ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${ROLE}`);

    const listed = runCli(['runs', 'list', '--db', asRole(location), '--json']);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(listed.stdout) as { runId: number }[]).map((run) => run.runId)).toEqual([1]);
    const updated = runCli(['update', '--db', asRole(location), '--source', 'synthetic:seed=2,count=20', '--no-snapshot', '--json']);
    expect({ code: updated.code, stderr: updated.stderr, status: (JSON.parse(updated.stdout) as { status: string }).status }).toEqual({ code: 0, stderr: '', status: 'success' });
  });

  it('is refused DB_NOT_WRITABLE naming the grant it lacks: CREATE on the database for a new store, USAGE on the schema of one it cannot reach', async () => {
    const fresh = runCli(['update', '--db', asRole(urlWithSchema(uniqueSchema())), '--source', 'synthetic:seed=1,count=5']);
    expect({ code: fresh.code, stderr: fresh.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining(`permission denied for database ${DATABASE}; opening the store (migrating it first, when due) is one transaction, rolled back: nothing was changed\n  hint: GRANT CREATE ON DATABASE "${DATABASE}" TO ${ROLE} lets it make the schema`),
    });

    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5']).code).toBe(0);
    const unreachable = runCli(['runs', 'list', '--db', asRole(location)]);
    expect({ code: unreachable.code, stderr: unreachable.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining(`hint: GRANT USAGE ON SCHEMA "${new URL(location).searchParams.get('schema')}" TO ${ROLE} lets it reach the store`),
    });
  });
});
