import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createSnapshotOnRequest } from '../../main/backup/index.js';
import { openStore } from '../../main/store/index.js';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, PG_URL, psql, testRunTag } from '../helpers/postgres.js';

/**
 * A team's shared server as a DBA sets it up for one application: a database where PUBLIC may not
 * create schemas, a schema made for the role and owned by it (its store: the role migrates it
 * itself), and a second one for its trials' staging. The role may do anything inside its schemas
 * and create none, so every snapshot, safety snapshot and staging copy is a schema it cannot make.
 */
const backend = await availablePostgresBackend();
const TAG = `gh_lp_${testRunTag()}_${process.pid}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
const [ROLE, DATABASE, SCHEMA, STAGING] = [`${TAG}_app`, `${TAG}_db`, `${TAG}_main`, `${TAG}_stage`];
/** The test server's superuser: the database's owner, and the role that takes the snapshot the team's role may not read. */
const OWNER = new URL(PG_URL).username || 'postgres';

function urlOf(role: string, schema = SCHEMA): string {
  const url = new URL(PG_URL);
  url.username = role;
  url.password = '';
  url.pathname = `/${DATABASE}`;
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** One statement as the superuser, in the team's database (psql() speaks to the test server's own). */
async function asSuperuser(statement: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: urlOf(OWNER).replace(/\?.*$/, '') });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.skipIf(backend === null)('a role that owns its schema but may create none (a DBA’s least privilege)', () => {
  const db = urlOf(ROLE);
  beforeAll(async () => {
    await psql(`CREATE ROLE ${ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    await psql(`CREATE DATABASE ${DATABASE}`);
    await psql(`REVOKE CREATE ON DATABASE ${DATABASE} FROM PUBLIC; GRANT CONNECT ON DATABASE ${DATABASE} TO ${ROLE}`);
    await asSuperuser(`CREATE SCHEMA ${SCHEMA} AUTHORIZATION ${ROLE}; CREATE SCHEMA ${STAGING} AUTHORIZATION ${ROLE}`);
  });
  afterAll(async () => {
    await psql(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => {});
    await psql(`DROP ROLE IF EXISTS ${ROLE}`);
  });

  it('updates without the snapshot it may not take, saying why; refuses one asked for, writing nothing; rolls back and sets flags', async () => {
    const first = runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=60', '--json']);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const { snapshot } = JSON.parse(first.stdout) as { snapshot: { taken: boolean; reason: string } };
    expect(snapshot.taken).toBe(false);
    // The role owns the store: "take them as the role that owns the store" sent it to itself.
    expect(snapshot.reason).toBe(
      `due (no snapshot of this database exists yet) but not taken: role ${ROLE} may not create schemas in database ${DATABASE}, and each snapshot is a schema beside the store's (GRANT CREATE ON DATABASE "${DATABASE}" TO "${ROLE}" lets it take snapshots; or take them as a role that has that privilege); the undo journal makes this run reversible`,
    );

    const forced = runCli(['update', '--db', db, '--source', 'synthetic:seed=2,count=60', '--snapshot']);
    expect({ code: forced.code, stderr: forced.stderr }).toEqual({
      code: 2,
      stderr: `gatehouse: cannot take a snapshot of ${db}: role ${ROLE} may not create schemas in database ${DATABASE}, and each snapshot is a schema beside the store's; nothing was changed\n  hint: GRANT CREATE ON DATABASE "${DATABASE}" TO "${ROLE}" lets it take snapshots; or take them as a role that has that privilege\n`,
    });
    for (const args of [
      ['update', '--source', 'synthetic:seed=3,count=60', '--no-snapshot'],
      ['rollback', '--run', '2', '--reason', 'drill'],
      ['flags', 'set', 'BATCH_SIZE', '25', '--reason', 'drill'],
    ]) {
      const done = runCli([...args, '--db', db]);
      expect({ args, code: done.code, stderr: done.code === 0 ? '' : done.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
    const runs = await asSuperuser(`SELECT id, status FROM ${SCHEMA}.runs ORDER BY id`);
    expect(runs.rows).toEqual([
      { id: '1', status: 'success' },
      { id: '2', status: 'rolled_back' },
    ]);
  });

  it("refuses to restore a snapshot the owner took, saying it cannot take the safety snapshot first, not that the snapshot's schema is missing", async () => {
    // The database's owner took it: its schema is the owner's, which the role may not even look into.
    const store = await openStore(urlOf(OWNER));
    const snapshot = await createSnapshotOnRequest(store).finally(() => store.close());

    const verified = runCli(['backups', 'verify', '--db', db, '--id', snapshot.id]);
    expect(verified.stdout).not.toContain('is missing');
    expect(verified.stdout).toContain(`role ${ROLE} may not read schema ${snapshot.file}`);
    const restored = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'drill']);
    expect({ code: restored.code, stderr: restored.stderr }).toEqual({
      code: 2,
      stderr: `gatehouse: snapshot ${snapshot.id} cannot be restored: a restore first takes a safety snapshot of the database as it is, and role ${ROLE} may not create schemas in database ${DATABASE}, and each snapshot is a schema beside the store's; nothing was restored\n  hint: GRANT CREATE ON DATABASE "${DATABASE}" TO "${ROLE}" lets it take snapshots; or take them as a role that has that privilege\n`,
    });
    // Given CREATE, the snapshot's copy is still the owner's: refused naming the grants that let it read it, then restored once they are given.
    await psql(`GRANT CREATE ON DATABASE ${DATABASE} TO ${ROLE}`);
    try {
      const unreadable = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'drill']);
      expect({ code: unreadable.code, stderr: unreadable.stderr }).toEqual({
        code: 2,
        stderr: `gatehouse: snapshot ${snapshot.id} cannot be restored: role ${ROLE} may not read schema ${snapshot.file}, snapshot ${snapshot.id}'s copy (taken by role ${OWNER}, which owns it); nothing was restored\n  hint: GRANT USAGE ON SCHEMA "${snapshot.file}" TO "${ROLE}"; GRANT SELECT ON ALL TABLES IN SCHEMA "${snapshot.file}" TO "${ROLE}" (as ${OWNER} or a superuser) let it read the copy; or run this as ${OWNER}\n`,
      });
      await asSuperuser(`GRANT USAGE ON SCHEMA ${snapshot.file} TO ${ROLE}; GRANT SELECT ON ALL TABLES IN SCHEMA ${snapshot.file} TO ${ROLE}`);
      const granted = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'drill']);
      expect({ code: granted.code, stderr: granted.stderr }).toEqual({ code: 0, stderr: expect.stringContaining(`restored from snapshot ${snapshot.id}`) });
    } finally {
      await psql(`REVOKE CREATE ON DATABASE ${DATABASE} FROM ${ROLE}`);
    }
    const attempts = await asSuperuser(`SELECT outcome FROM ${SCHEMA}.writer_attempts WHERE outcome NOT IN ('succeeded', 'failed')`);
    expect(attempts.rows).toEqual([]);
  });

  it('refuses a trial into the staging schema made for it, naming the grant, and leaves no schema behind', async () => {
    const schemas = async () => (await asSuperuser("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gh\\_%' ORDER BY 1")).rows.map((row) => row.nspname as string);
    const before = await schemas();
    const trial = runCli(['trial', '--db', db, '--staging', urlOf(ROLE, STAGING), '--control', '1']);
    expect({ code: trial.code, stderr: trial.stderr }).toEqual({ code: 2, stderr: expect.stringContaining(`gatehouse: role ${ROLE} may not create schemas in database ${DATABASE}`) });
    expect(trial.stderr).toContain(`hint: GRANT CREATE ON DATABASE "${DATABASE}" TO "${ROLE}" (as the database's owner) lets it run trials`);
    // It owns the store: "run trials as the role that owns the store" sent it to itself.
    expect(trial.stderr).not.toContain('the role that owns the store');
    expect(await schemas()).toEqual(before);
  });
});
