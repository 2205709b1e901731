import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { addTask } from '../../main/scheduler/index.js';
import { withStoreAt } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { openStore } from '../../main/store/index.js';
import { tester } from '../helpers/callers.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { snapshotSchemaPrefix, stagingCopyTarget } from '../../main/store/index.js';
import { stagingCopySchema } from '../../main/store/postgres/target.js';
import { availablePostgresBackend, connectToPostgres, PG_URL, psql, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();
const ROLE = `gh_test_team_role_${process.pid}`;
const READER = `gh_test_team_reader_${process.pid}`;
const DATABASE = decodeURIComponent(new URL(PG_URL).pathname.slice(1));
const asRole = (location: string, role = ROLE) => {
  const url = new URL(location);
  url.username = role;
  url.password = '';
  return url.toString();
};

/** What an administrator gives a team's read/write role on a store it does not own: nothing to create, nothing to own. */
const readWriteGrants = (schema: string, role = ROLE) => `GRANT USAGE ON SCHEMA "${schema}" TO ${role};
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${role}`;

/**
 * A team's read/write role: it may use the store's schema and every table and sequence of it, but
 * owns nothing and may create nothing (no CREATE on the database or the schema). Opening a migrated
 * store asked for both anyway (CREATE SCHEMA IF NOT EXISTS, CREATE TABLE IF NOT EXISTS
 * schema_migrations) and was refused "permission denied for database". SQLite has no roles.
 */
/** The console's trials.run on `source` (its Staging target `staging`), and the latest job it then shows. */
async function consoleTrialRun(source: string, staging: string) {
  const store = await openStore(source);
  const engine = createInProcessEngineHost({ location: source });
  try {
    const api = createApi({ store, engine, transport: 'http', databaseLocation: source });
    const run = await dispatch(api, 'trials.run', { controls: 1, staging: new URL(staging).searchParams.get('schema') }, tester);
    return { run, job: await dispatch(api, 'trials.job', {}, tester) };
  } finally {
    await engine.close();
    await store.close();
  }
}

describe.skipIf(backend === null)('a PostgreSQL role that reads and writes a store it does not own', () => {
  beforeAll(() => backend && psql(`CREATE ROLE ${ROLE} LOGIN; CREATE ROLE ${READER} LOGIN`));
  afterAll(async () => {
    for (const role of [ROLE, READER]) {
      await psql(`REVOKE CREATE ON DATABASE "${DATABASE}" FROM ${role}`).catch(() => {});
      await psql(`DROP OWNED BY ${role}`).catch(() => {});
      await psql(`DROP ROLE IF EXISTS ${role}`);
    }
    await backend?.cleanup();
  });

  it('lists runs and runs an update on the migrated store without CREATE on the database or the schema', async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    const schema = new URL(location).searchParams.get('schema')!;
    await psql(readWriteGrants(schema));

    const listed = runCli(['runs', 'list', '--db', asRole(location), '--json']);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(listed.stdout) as { runId: number }[]).map((run) => run.runId)).toEqual([1]);
    const updated = runCli(['update', '--db', asRole(location), '--source', 'synthetic:seed=2,count=20', '--no-snapshot', '--json']);
    expect({ code: updated.code, stderr: updated.stderr, status: (JSON.parse(updated.stdout) as { status: string }).status }).toEqual({ code: 0, stderr: '', status: 'success' });
  });

  it('updates (a snapshot due by policy said not taken), rolls back, sets flags, adds and runs tasks and lists backups and trials with USAGE and DML only', async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    await psql(readWriteGrants(new URL(location).searchParams.get('schema')!));
    const db = asRole(location);

    // A new mode makes a snapshot due; the role may not make its schema, so the run goes on without one and says why.
    const updated = runCli(['update', '--db', db, '--source', 'synthetic:seed=2,count=20', '--mode', 'all-or-nothing', '--json']);
    expect({ code: updated.code, stderr: updated.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(updated.stdout) as { runId: number; status: string; snapshot: { taken: boolean; reason: string } };
    expect(summary).toMatchObject({ status: 'success', snapshot: { taken: false, reason: expect.stringContaining(`but not taken: role ${ROLE} may not create schemas in database ${DATABASE}`) } });
    const ran = (args: string[]) => {
      const result = runCli([...args, '--db', db]);
      return { args, code: result.code, stderr: result.code === 0 ? '' : result.stderr };
    };
    for (const args of [
      ['rollback', '--run', String(summary.runId), '--reason', 'drill'],
      ['flags', 'set', 'BATCH_SIZE', '10', '--scope', 'task:daily', '--reason', 'canary'],
      ['tasks', 'add', 'daily', '--cron', '0 3 * * *', '--source', 'synthetic:seed=3,count=10'],
      ['tasks', 'run', 'daily'],
      ['tasks', 'disable', 'daily', '--reason', 'drill'],
      ['backups', 'list'],
      ['report', 'trial'],
    ]) {
      expect(ran(args)).toEqual({ args, code: 0, stderr: '' });
    }
    // Asked for by name, a snapshot it cannot take is refused with the grant that lets it.
    expect(ran(['backups', 'create'])).toEqual({
      args: ['backups', 'create'],
      code: 2,
      stderr: expect.stringContaining(`: role ${ROLE} may not create schemas in database ${DATABASE}, and each snapshot is a schema beside the store's; nothing was changed\n  hint: GRANT CREATE ON DATABASE "${DATABASE}" TO "${ROLE}" lets it take snapshots`),
    });
  });

  it('reads with SELECT only, and each write is refused DB_NOT_WRITABLE naming the table it may not write', async () => {
    const location = await backend!.freshLocation();
    // The owner's store, made in this process: the CLI spawns are spent on what the reader is allowed and refused.
    await withStoreAt(backend!, location, async (store) => {
      expect((await runUpdate({ store, source: arraySource(hearingRecords(20)), task: 'daily' })).status).toBe('success');
      await addTask(store, { name: 'daily', cron: '0 3 * * *', source: 'synthetic:seed=3,count=10' });
    });
    const schema = new URL(location).searchParams.get('schema')!;
    await psql(`GRANT USAGE ON SCHEMA "${schema}" TO ${READER}; GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${READER}`);
    const db = asRole(location, READER);
    for (const args of [['runs', 'list'], ['flags', 'list'], ['tasks', 'list'], ['backups', 'list'], ['report', 'trial']]) {
      const read = runCli([...args, '--db', db]);
      expect({ args, code: read.code, stderr: read.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
    for (const args of [
      ['update', '--source', 'synthetic:seed=2,count=20'],
      ['rollback', '--run', '1', '--reason', 'drill'],
      ['flags', 'set', 'BATCH_SIZE', '10', '--reason', 'canary'],
      ['tasks', 'add', 'weekly', '--cron', '0 3 * * 1', '--source', 'synthetic:seed=3,count=10'],
      ['tasks', 'run', 'daily'],
      ['backups', 'create'],
    ]) {
      const refused = runCli([...args, '--db', db]);
      expect({ args, code: refused.code, stderr: refused.stderr }).toEqual({
        args,
        code: 2,
        stderr: expect.stringMatching(/^gatehouse: cannot use database postgres:\/\/\S+: permission denied for table [a-z_]+\n {2}hint: the role Gatehouse connects as needs every privilege/),
      });
    }
  });

  it('refuses a trial it may not build a staging copy for, naming the grant (not a schema the owner could make), and runs it once granted', async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    const schema = new URL(location).searchParams.get('schema')!;
    await psql(readWriteGrants(schema));
    const staging = asRole(urlWithSchema(`${schema}_staging`));
    const trial = () => runCli(['trial', '--db', asRole(location), '--staging', staging, '--control', '1', '--json']);
    // This store's schemas and any a trial of it could make (staging, its copy, snapshots): not another test's on the same server.
    const ours = (name: string) => name.startsWith(schema) || name === stagingCopySchema(`${schema}_staging`) || [schema, `${schema}_staging`].some((s) => name.startsWith(snapshotSchemaPrefix(s)));
    const schemasNow = async () => {
      const client = await connectToPostgres();
      try {
        return (await client.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'gh\\_%' ORDER BY 1")).rows.map((row) => row.name).filter(ours);
      } finally {
        await client.end();
      }
    };
    const before = await schemasNow();

    const refused = trial();
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 2,
      stderr: `gatehouse: role ${ROLE} may not create schemas in database ${DATABASE}, and each trial builds its staging copy in a new schema (${new URL(stagingCopyTarget(staging)).searchParams.get('schema')}) that then takes the place of staging schema ${schema}_staging; nothing was changed
  hint: GRANT CREATE ON DATABASE "${DATABASE}" TO "${ROLE}" (as the database's owner) lets it run trials; a schema made for it beforehand does not, as each trial drops and makes both anew; or run trials as a role that has that privilege\n`,
    });
    expect(await schemasNow()).toEqual(before);
    // The console refuses it at trials.run, in the same words, with no job started (it was handed one that failed as it began).
    const [message, hint] = refused.stderr.replace(/^gatehouse: /, '').trimEnd().split('\n  hint: ');
    expect(await consoleTrialRun(asRole(location), staging)).toEqual({ run: { ok: false, error: { code: 'DB_NOT_WRITABLE', message, hint } }, job: { ok: true, data: null } });
    expect(await schemasNow()).toEqual(before);

    // A staging schema the owner made for it is one it may not drop, as each fresh copy does.
    await psql(`GRANT CREATE ON DATABASE "${DATABASE}" TO ${ROLE}; CREATE SCHEMA "${schema}_staging"`);
    const notOwned = trial();
    expect({ code: notOwned.code, stderr: notOwned.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining(`staging schema ${schema}_staging belongs to role postgres, and role ${ROLE} may not drop it, as a fresh staging copy does; nothing was changed\n  hint: ALTER SCHEMA "${schema}_staging" OWNER TO "${ROLE}" (as a superuser)`),
    });

    await psql(`ALTER SCHEMA "${schema}_staging" OWNER TO ${ROLE}`);
    const ran = trial();
    await psql(`REVOKE CREATE ON DATABASE "${DATABASE}" FROM ${ROLE}`);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it("refuses a trial over a half-made staging copy the owner's killed trial left, naming it and the grant, and runs it once that is the role's", async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    const schema = new URL(location).searchParams.get('schema')!;
    await psql(readWriteGrants(schema));
    const staging = asRole(urlWithSchema(`${schema}_staging`));
    const copying = new URL(stagingCopyTarget(staging)).searchParams.get('schema')!;
    // What a trial run as the owner leaves when killed while it builds its copy: the copy's schema, the owner's.
    await psql(`GRANT CREATE ON DATABASE "${DATABASE}" TO ${ROLE}; CREATE SCHEMA "${copying}"`);
    try {
      const trial = () => runCli(['trial', '--db', asRole(location), '--staging', staging, '--control', '1', '--json']);
      const refused = trial();
      expect({ code: refused.code, stderr: refused.stderr }).toEqual({
        code: 2,
        stderr: `gatehouse: schema ${copying}, where a trial builds its staging copy of staging schema ${schema}_staging, was left by a trial of role postgres (killed while copying), and role ${ROLE} may not drop it, as a fresh staging copy does; nothing was changed
  hint: ALTER SCHEMA "${copying}" OWNER TO "${ROLE}" (as a superuser), or DROP SCHEMA "${copying}" CASCADE as its owner once no trial runs on ${schema}_staging\n`,
      });
      await psql(`ALTER SCHEMA "${copying}" OWNER TO ${ROLE}`);
      const ran = trial();
      expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      await psql(`REVOKE CREATE ON DATABASE "${DATABASE}" FROM ${ROLE}; DROP SCHEMA IF EXISTS "${copying}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_staging" CASCADE`);
    }
  });

  it("refuses to delete or prune the owner's snapshots naming the ownership it lacks, and deletes nothing", async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    for (let i = 0; i < 2; i++) expect(runCli(['backups', 'create', '--db', location]).code).toBe(0);
    await psql(readWriteGrants(new URL(location).searchParams.get('schema')!));
    const db = asRole(location);
    const listed = () => (JSON.parse(runCli(['backups', 'list', '--db', location, '--json']).stdout) as { snapshots: { id: string; file: string; unavailable: string | null }[] }).snapshots;
    const before = listed();
    expect(before.map((snapshot) => snapshot.unavailable)).toEqual([null, null, null]);

    const deleted = runCli(['backups', 'delete', '--db', db, '--id', before[1]!.id, '--reason', 'bad data']);
    expect({ code: deleted.code, stderr: deleted.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining(`: role ${ROLE} does not own snapshot schema ${before[1]!.file} (owned by postgres), and only a schema's owner may drop it; nothing was deleted\n  hint: ALTER SCHEMA "${before[1]!.file}" OWNER TO "${ROLE}" (run as a superuser) lets ${ROLE} drop it; or run this as postgres`),
    });
    const pruned = runCli(['backups', 'prune', '--db', db, '--keep', '1', '--reason', 'retention by hand']);
    expect({ code: pruned.code, stderr: pruned.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining(`: role ${ROLE} does not own snapshot schemas ${[before[1]!.file, before[2]!.file].sort().join(', ')} (owned by postgres)`),
    });
    expect(listed()).toEqual(before);
  });

  it('rolls back a run that created enough witnesses to index them, without owning the table to index (it goes on without the index)', async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    await psql(readWriteGrants(new URL(location).searchParams.get('schema')!));
    const db = asRole(location);
    const updated = runCli(['update', '--db', db, '--source', 'synthetic:seed=5,count=200', '--no-snapshot', '--json']);
    expect(updated.code).toBe(0);
    const rolledBack = runCli(['rollback', '--db', db, '--run', String((JSON.parse(updated.stdout) as { runId: number }).runId), '--reason', 'drill', '--json']);
    expect({ code: rolledBack.code, stderr: rolledBack.stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining('failed') });
    const hearings = JSON.parse(runCli(['runs', 'list', '--db', db, '--json']).stdout) as { runId: number; status: string }[];
    expect(hearings.map((run) => run.status)).toContain('rolled_back');
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
