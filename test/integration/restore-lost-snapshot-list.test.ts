import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, psql } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();

type Listed = { snapshots: { id: string; kind: string; runId: number | null; createdAt: string }[] };

/**
 * A PostgreSQL store whose `snapshots` table a DBA dropped keeps its snapshot schemas, yet
 * `backups list` and `restore` both refused it (exit 6, "relation "snapshots" does not exist")
 * and pointed at pg_restore. The list is made again from the surviving schemas; what it alone
 * said (kind, run) is said to be unknown.
 */
describe.skipIf(backend === null)('a restore over a PostgreSQL store whose snapshot list was dropped', () => {
  afterAll(() => backend?.cleanup());

  it('lists the surviving snapshots as of unknown kind, restores one, and keeps listing them after', async () => {
    const db = await backend!.freshLocation();
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=31,count=12']).code).toBe(0);
    const created = runCli(['backups', 'create', '--db', db, '--json']);
    const taken = JSON.parse(created.stdout) as { id: string };
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=31,offset=12,count=8']).code).toBe(0);
    await psql(`DROP TABLE "${new URL(db).searchParams.get('schema')!}".snapshots`);

    const listed = runCli(['backups', 'list', '--db', db, '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Listed).snapshots).toContainEqual(expect.objectContaining({ id: taken.id, kind: 'unknown', runId: null }));
    expect(runCli(['backups', 'list', '--db', db]).stderr).toContain('of kind unknown were found by their schemas alone');

    const restored = runCli(['restore', '--db', db, '--backup', taken.id, '--reason', 'the list was dropped', '--json']);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ hearingsBefore: 20, hearingsAfter: 12 });

    const after = JSON.parse(runCli(['backups', 'list', '--db', db, '--json']).stdout) as Listed;
    expect(after.snapshots.map((s) => s.kind).sort()).toEqual(['safety', 'unknown', 'unknown']);
    expect(runCli(['backups', 'verify', '--db', db]).code).toBe(0);
  });
});
