import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isDiskFault, isResourceFault } from '../../main/store/index.js';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, connectToPostgres, PG_URL, psql, uniqueSchema } from '../helpers/postgres.js';

const postgres = await availablePostgresBackend();

/**
 * The server's own disk cannot be filled nor its disk made to fail here: a trigger raises the very
 * SQLSTATE the server would (disk_full, io_error, out_of_memory), so the error reaches Gatehouse as
 * the pg driver hands it over from a real server, through every layer a real one would cross.
 */
async function refuseWith(schema: string, table: string, condition: string): Promise<void> {
  await psql(`CREATE OR REPLACE FUNCTION "${schema}".refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused as the server would: ${condition}' USING ERRCODE = '${condition}'; END $$`);
  await psql(`CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON "${schema}".${table} FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse()`);
}

describe('a server short of disk or memory, as both backends class it', () => {
  it('classes PostgreSQL\'s disk_full and io_error as a disk fault, as SQLite\'s SQLITE_FULL and the OS\'s ENOSPC; out_of_memory as a resource fault only', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['53100', '58030', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'ENOSPC']) expect(isDiskFault(new Error('wrapped', { cause: coded(code) }))).toBe(true);
    expect(isDiskFault(coded('53200'))).toBe(false);
    expect(isResourceFault(coded('53200'))).toBe(true);
    for (const code of ['23505', '42501', 'SQLITE_CONSTRAINT']) expect(isResourceFault(coded(code))).toBe(false);
  });
});

describe.skipIf(postgres === null)('the PostgreSQL server running short, on postgres', () => {
  afterAll(() => postgres?.cleanup());

  it.each([
    ['disk_full', /server's disk is full/],
    ['io_error', /could not read or write its disk/],
    ['out_of_memory', /ran out of memory/],
  ])('a flag change the server refuses with %s exits 6 (the environment), saying what to do on the server', async (condition, hint) => {
    const url = await postgres!.freshLocation();
    expect(runCli(['update', '--db', url, '--source', 'synthetic:seed=1,count=5']).code).toBe(0);
    await refuseWith(new URL(url).searchParams.get('schema')!, 'flag_events', condition);
    const set = runCli(['flags', 'set', 'BATCH_SIZE', '20', '--reason', 'test', '--db', url, '--json']);
    expect(set.code).toBe(6);
    expect(JSON.parse(set.stdout).error).toMatchObject({ code: 'DB_NOT_WRITABLE', hint: expect.stringMatching(hint) });
    expect(set.stderr).not.toMatch(/folder|permissions/);
  });

  it('an update whose server disk fills mid-run stops interrupted with its committed batches whole, and resumes to the full result', async () => {
    const url = await postgres!.freshLocation();
    const schema = new URL(url).searchParams.get('schema')!;
    const source = 'synthetic:seed=7,count=120';
    expect(runCli(['update', '--db', url, '--source', 'synthetic:seed=7,count=60', '--batch-size', '30']).code).toBe(0);
    await refuseWith(schema, 'hearings', 'disk_full');
    const stopped = runCli(['update', '--db', url, '--source', source, '--batch-size', '30', '--json']);
    expect(stopped.code).toBe(130);
    const summary = JSON.parse(stopped.stdout);
    expect(summary).toMatchObject({ status: 'interrupted', metrics: { quarantined: 0 } });
    expect(stopped.stderr).toMatch(/nothing was blamed on a record/);
    const client = await connectToPostgres();
    try {
      const { rows } = await client.query<{ count: string }>(`SELECT count(*) FROM "${schema}".hearings`);
      expect(Number(rows[0]!.count)).toBe(60);
    } finally {
      await client.end();
    }
    await psql(`DROP TRIGGER refuse ON "${schema}".hearings`);
    const resumed = runCli(['update', '--db', url, '--source', source, '--batch-size', '30', '--resume', String(summary.runId), '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'success', metrics: { fetched: 120, quarantined: 0 } });
  });

  it('a role at its CONNECTION LIMIT is refused with exit 6 and a hint naming the limit, not the URL', async () => {
    const url = await postgres!.freshLocation();
    expect(runCli(['update', '--db', url, '--source', 'synthetic:seed=1,count=5']).code).toBe(0);
    const schema = new URL(url).searchParams.get('schema')!;
    const role = uniqueSchema('gh_role');
    await psql(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
    await psql(`GRANT ALL ON SCHEMA "${schema}" TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
    const asRole = (base: string) => Object.assign(new URL(base), { username: role }).toString();
    // The one connection the role may have, held as another tool's session would.
    const held = new pg.Client({ connectionString: asRole(PG_URL) });
    await held.connect();
    try {
      const list = runCli(['flags', 'list', '--db', asRole(url)]);
      expect(list.code).toBe(6);
      expect(list.stderr).toMatch(/refuses more connections/);
      expect(list.stderr).toMatch(/hint: .*CONNECTION LIMIT/);
      expect(list.stderr).not.toMatch(/URL, user, password/);
    } finally {
      await held.end();
      await psql(`REVOKE ALL ON ALL TABLES IN SCHEMA "${schema}" FROM ${role}; REVOKE ALL ON SCHEMA "${schema}" FROM ${role}; DROP ROLE ${role}`);
    }
  });
});
