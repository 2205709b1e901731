import { afterAll, describe, expect, it } from 'vitest';
import { setFlag } from '../../main/flags/index.js';
import { availablePostgresBackend, connectToPostgres } from '../helpers/postgres.js';

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
