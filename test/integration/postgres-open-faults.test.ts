import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../main/store/index.js';
import { GatehouseError } from '../../shared/errors.js';
import { availablePostgresBackend, connectToPostgres, PG_URL, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();

/**
 * Opening a PostgreSQL store migrates it, in one transaction. A lock another session held past
 * lock_timeout, or a statement the server's statement_timeout canceled, there said "cannot use
 * database …: canceling statement due to lock timeout" with exit 2 ("usage or input error"): not
 * who held what, not that nothing was half-migrated, not what to do.
 */
describe.skipIf(backend === null)('opening a PostgreSQL store that a lock or a statement timeout stops', () => {
  const role = `gh_test_slow_${process.pid}`;
  afterAll(async () => {
    const admin = await connectToPostgres();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
    await backend!.cleanup();
  });

  it('is refused as busy (LOCK_HELD) behind another session\'s lock, saying nothing was changed, and opens once it lets go', async () => {
    const location = await backend!.freshLocation();
    await (await openStore(location)).close();
    const schema = new URL(location).searchParams.get('schema')!;
    const psql = await connectToPostgres();
    await psql.query('BEGIN');
    await psql.query(`LOCK TABLE "${schema}".schema_migrations IN ACCESS EXCLUSIVE MODE`);
    try {
      const refused = await openStore(location, { lockWaitMs: 200 }).then(() => null, (error: unknown) => error);
      expect(refused).toBeInstanceOf(GatehouseError);
      expect(refused).toMatchObject({
        code: 'LOCK_HELD',
        message: expect.stringMatching(/is busy: another session has held a lock this needs for longer than lock_timeout \(canceling statement due to lock timeout\); opening the store \(migrating it first, when due\) is one transaction, rolled back: nothing was changed$/),
        hint: expect.stringMatching(/pg_blocking_pids/),
      });
    } finally {
      await psql.query('ROLLBACK');
      await psql.end();
    }
    await (await openStore(location, { lockWaitMs: 200 })).close();
  });

  it('names statement_timeout when the server cancels a migration, and leaves no half-migrated schema', async () => {
    const admin = await connectToPostgres();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN SUPERUSER`);
      await admin.query(`ALTER ROLE ${role} SET statement_timeout = '1ms'`);
      const url = new URL(PG_URL);
      url.username = role;
      const schema = uniqueSchema();
      const refused = await openStore(urlWithSchema(schema, url.toString())).then(() => null, (error: unknown) => error);
      expect(refused).toMatchObject({
        code: 'DB_NOT_WRITABLE',
        message: expect.stringMatching(/: the server canceled a statement of its opening or migration \(canceling statement due to statement timeout\); opening the store \(migrating it first, when due\) is one transaction, rolled back: nothing was changed$/),
        hint: expect.stringMatching(/^the server's statement_timeout for this role or database/),
      });
      const { rows } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(rows).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
