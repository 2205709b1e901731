import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { setFlag } from '../../main/flags/index.js';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, connectToPostgres, PG_URL, psql, testRunTag } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();

/**
 * Two teams' stores in one PostgreSQL database, each in its own schema: what one does never waits
 * on the other. Advisory locks are database-wide, so each must be keyed by schema as well.
 * SQLite has no neighbours: each store is its own file.
 */
describe.skipIf(backend === null)('two stores in schemas of one PostgreSQL database', () => {
  afterAll(() => backend?.cleanup());

  it('change a flag of the same name and scope at the same time without one waiting on the other', async () => {
    const [first, second] = [await backend!.freshLocation(), await backend!.freshLocation()];
    // The first store's change waits as long as the test needs, not lock_timeout.
    const held = await backend!.open(first, { lockWaitMs: 600_000 });
    const other = await backend!.open(second);
    const outside = await connectToPostgres();
    const schemaOf = (location: string) => new URL(location).searchParams.get('schema')!;
    const [firstSchema, secondSchema] = [schemaOf(first), schemaOf(second)];
    /** A session of the store in `schema` waits for a lock of this kind. */
    const waiting = async (schema: string, locktype: string) => {
      const { rows } = await outside.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted AND l.locktype = $1 AND a.application_name = 'gatehouse:' || $2",
        [locktype, schema],
      );
      return rows[0]!.n > 0;
    };
    try {
      // The first store's change is held after its flag lock, at its audit event: the outside session locks that table.
      await outside.query(`BEGIN; LOCK TABLE "${firstSchema}".flag_events IN EXCLUSIVE MODE`);
      const change = { flag: 'BATCH_SIZE', value: 25, scope: 'global', reason: 'team drill', operator: 'ann' };
      const holding = setFlag(held, change);
      while (!(await waiting(firstSchema, 'relation'))) await new Promise((resolve) => setImmediate(resolve));

      let settled = false;
      const neighbour = setFlag(other, { ...change, value: 40, operator: 'bo' }).finally(() => (settled = true));
      // It either commits or is seen waiting on the first store's advisory lock.
      while (!settled && !(await waiting(secondSchema, 'advisory'))) await new Promise((resolve) => setImmediate(resolve));
      const outcome = settled ? 'committed while the other schema held its change' : 'waited on the other schema';
      await outside.query('ROLLBACK');
      await Promise.all([holding, neighbour]);
      expect(outcome).toBe('committed while the other schema held its change');
    } finally {
      await outside.end();
      await held.close();
      await other.close();
    }
  });
});

/** A team's trial in another database of the same server, on a staging schema named as ours (each team's `public_staging`). */
describe.skipIf(backend === null)('a store beside a trial in another database of the server', () => {
  const database = `gh_test_apart_${testRunTag()}_${process.pid}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  afterAll(async () => {
    await psql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await backend?.cleanup();
  });

  it('rolls back while that trial holds its staging schema of the same name', async () => {
    const location = await backend!.freshLocation();
    const updated = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=10', '--json']);
    expect(updated.code).toBe(0);
    await psql(`CREATE DATABASE "${database}"`);
    const elsewhere = new URL(PG_URL);
    elsewhere.pathname = `/${database}`;
    const trial = new pg.Client({ connectionString: elsewhere.toString(), application_name: 'gatehouse trial by zed' });
    await trial.connect();
    try {
      // The trial lock `gatehouse trial` takes there (staging.ts): its class, "TRIA", and the staging schema's hash.
      await trial.query(`SELECT pg_advisory_lock(${0x54524941}, hashtext($1))`, [new URL(location).searchParams.get('schema')]);
      const rolledBack = runCli(['rollback', '--db', location, '--run', String((JSON.parse(updated.stdout) as { runId: number }).runId), '--reason', 'drill']);
      expect({ code: rolledBack.code, stderr: rolledBack.stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining('trial') });
    } finally {
      await trial.end();
    }
  });
});
