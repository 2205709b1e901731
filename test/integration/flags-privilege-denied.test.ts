import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, psql } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();
const ROLE = `gh_test_flags_denied_${process.pid}`;

/**
 * A role that may use the store's schema but was denied its flags table (an administrator's REVOKE).
 * Every flags door and the canary report ended as "unexpected error: permission denied for table
 * flag_values" (exit 1). SQLite has no privilege per table: a file it cannot read is refused as it opens.
 */
describe.skipIf(backend === null)('a PostgreSQL role denied the flags table', () => {
  afterAll(async () => {
    await psql(`DROP OWNED BY ${ROLE}`).catch(() => {});
    await psql(`DROP ROLE IF EXISTS ${ROLE}`);
    await backend?.cleanup();
  });

  it('is refused DB_NOT_WRITABLE (exit 2) naming the table and the privilege to grant by flags list, get, set and report canary', async () => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20', '--task', 'daily']).code).toBe(0);
    expect(runCli(['flags', 'set', 'BATCH_SIZE', '10', '--scope', 'task:daily', '--reason', 'canary', '--db', location]).code).toBe(0);
    const schema = new URL(location).searchParams.get('schema')!;
    // A team's read/write role (no CREATE anywhere, pg246), then denied the one table.
    await psql(`CREATE ROLE ${ROLE} LOGIN; GRANT USAGE ON SCHEMA "${schema}" TO ${ROLE};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${ROLE}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${ROLE};
      REVOKE ALL ON "${schema}".flag_values FROM ${ROLE}`);
    const asRole = location.replace('postgres://postgres@', `postgres://${ROLE}@`);
    for (const command of [['flags', 'list'], ['flags', 'get', 'BATCH_SIZE'], ['flags', 'set', 'BATCH_SIZE', '20', '--reason', 'drill'], ['report', 'canary', '--task', 'daily']]) {
      const refused = runCli([...command, '--db', asRole]);
      expect({ command, code: refused.code, stderr: refused.stderr }).toEqual({
        command,
        code: 2,
        stderr: expect.stringMatching(/^gatehouse: cannot use database postgres:\/\/\S+: permission denied for table flag_values\n {2}hint: the role Gatehouse connects as needs every privilege/),
      });
    }
  });
});
