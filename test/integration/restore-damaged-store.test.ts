import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { runCli, startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { psql } from '../helpers/postgres.js';
import { hearingRecord } from '../helpers/records.js';

const ENV = { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY };

/** Statements run outside Gatehouse, as a DBA would in the sqlite3 shell or psql: `-- ` separates them. */
async function outsideGatehouse(backend: TestBackend, location: string, statements: string): Promise<void> {
  if (backend.name === 'postgres') {
    const schema = new URL(location).searchParams.get('schema')!;
    return psql(`SET search_path = "${schema}"; ${statements}`);
  }
  const db = new Database(location);
  try {
    db.pragma('foreign_keys = OFF');
    db.exec(statements.replaceAll(' CASCADE', ''));
  } finally {
    db.close();
  }
}

function json(result: { stdout: string }): Record<string, unknown> & { snapshots: { id: string; kind: string; file: string }[] } {
  return JSON.parse(result.stdout) as never;
}

/**
 * Support staff restore a snapshot precisely when the database is damaged: a table dropped by a DBA,
 * rows of schema_migrations deleted. Opening such a database is refused as not all there — and so
 * were `backups list` and `restore`, the one command that mends it (both exited 6).
 */
describe.each(testBackends())('a restore over a database that is not all there ($name)', (backend) => {
  let congress: FakeCongress;
  beforeAll(async () => {
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    congress = await startFakeCongress({ house: Array.from({ length: 60 }, (_, i) => hearingRecord(640000 + i, { updateDate: recent })) }, { pageSize: 25 });
  });
  afterAll(async () => {
    await congress.close();
    await backend.cleanup();
  });

  /** Not spawnSync: the fake Congress.gov answers from this process, which must not block meanwhile. */
  const update = (db: string) => startCli(['update', '--db', db, '--source', `congress:${congress.baseUrl}`, '--json'], ENV).done;

  /** A database with run 1 and run 2 from the fake Congress.gov and a snapshot taken between them; returns it and the snapshot. */
  async function storeWithSnapshot(): Promise<{ db: string; snapshot: { id: string; file: string } }> {
    const db = await backend.freshLocation();
    expect((await update(db)).code).toBe(0);
    const created = runCli(['backups', 'create', '--db', db, '--json']);
    expect(created.code).toBe(0);
    expect((await update(db)).code).toBe(0);
    return { db, snapshot: JSON.parse(created.stdout) as { id: string; file: string } };
  }

  it('lists the snapshots of a database whose hearings and runs tables were dropped and whose migration record lost rows, restores it, and it opens again: runs list, a further update, the restore audited, run ids not reused', async () => {
    const { db, snapshot } = await storeWithSnapshot();
    expect(json(runCli(['backups', 'list', '--db', db, '--json'])).damaged).toBeNull();
    await outsideGatehouse(backend, db, 'DROP TABLE hearings CASCADE; DROP TABLE runs CASCADE; DELETE FROM schema_migrations WHERE version > 20');
    expect(runCli(['runs', 'list', '--db', db]).code).toBe(6);

    const listed = runCli(['backups', 'list', '--db', db, '--json']);
    expect(listed.code).toBe(0);
    expect(json(listed).snapshots.map((s) => s.id)).toContain(snapshot.id);
    expect(json(listed).damaged).toMatch(/is not all there/);
    expect(listed.stderr).toMatch(/^warning: the database at .* is not all there .*; restore a snapshot over it: gatehouse restore --backup ID --reason TEXT\n$/);

    const restored = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'a DBA dropped hearings and runs', '--operator', 'support-7', '--json']);
    expect({ code: restored.code, stderr: restored.stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(restored.stdout)).toMatchObject({ hearingsBefore: 0, hearingsAfter: 60, event: { operator: 'support-7', reason: 'a DBA dropped hearings and runs' } });

    const runs = runCli(['runs', 'list', '--db', db, '--json']);
    expect(runs.code).toBe(0);
    expect((JSON.parse(runs.stdout) as { runId: number }[]).map((run) => run.runId)).toEqual([1]);
    expect(json(runCli(['backups', 'list', '--db', db, '--json'])).damaged).toBeNull();
    const next = await update(db);
    expect(next.code).toBe(0);
    // Run 2 was given before the damage: its id is never given again.
    expect(JSON.parse(next.stdout)).toMatchObject({ runId: 3, status: 'success', metrics: { fetched: 60, unchanged: 60 } });
    const restores = JSON.parse(runCli(['backups', 'restores', '--db', db, '--json']).stdout) as unknown[];
    expect(restores).toEqual([expect.objectContaining({ snapshotId: snapshot.id, operator: 'support-7', reason: 'a DBA dropped hearings and runs', hearingsBefore: 0, hearingsAfter: 60 })]);
  }, 240_000);

  it('refuses in plain words, restoring nothing, when what a restore keeps is gone too: the audit of restores and the writer lock', async () => {
    const { db, snapshot } = await storeWithSnapshot();
    await outsideGatehouse(backend, db, 'DROP TABLE videos CASCADE; DROP TABLE restore_events; DROP TABLE writer_lock');
    const refused = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'mend it']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).not.toMatch(/unexpected| {4}at /);
    expect(refused.stderr).toMatch(/^gatehouse: cannot restore .*: the database at .* is not all there \(no table .*\): .*, and what a restore keeps is gone too \(no table writer_lock, restore_events: the audit and the writer lock live outside what a restore replaces, and no snapshot holds them\); nothing was restored\n {2}hint: /);
    // Nothing was taken or restored: no safety snapshot joined the listing.
    expect(json(runCli(['backups', 'list', '--db', db, '--json'])).snapshots).toHaveLength(2);
  });

  it('refuses a restore without --reason on a damaged database (exit 2), and one from a snapshot that is itself missing or damaged, restoring nothing', async () => {
    const { db, snapshot } = await storeWithSnapshot();
    await outsideGatehouse(backend, db, 'DROP TABLE hearings CASCADE');
    const noReason = runCli(['restore', '--db', db, '--backup', snapshot.id]);
    expect({ code: noReason.code, stderr: noReason.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('--reason is required') });

    const beforeRun = json(runCli(['backups', 'list', '--db', db, '--json'])).snapshots.find((s) => s.kind === 'before-run' && s.id !== snapshot.id)!;
    if (backend.name === 'sqlite') fs.appendFileSync(path.join(`${db}.backups`, snapshot.file), 'damage');
    else await psql(`DELETE FROM "${snapshot.file}".committees`);
    const damaged = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'mend it']);
    expect(damaged.code).not.toBe(0);
    expect(damaged.stderr).toMatch(new RegExp(`^gatehouse: snapshot ${snapshot.id} failed verification: .*checksum differs.*; nothing was restored\\n`));

    if (backend.name === 'sqlite') fs.rmSync(path.join(`${db}.backups`, beforeRun.file));
    else await psql(`DROP SCHEMA "${beforeRun.file}" CASCADE`);
    const missing = runCli(['restore', '--db', db, '--backup', beforeRun.id, '--reason', 'mend it']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(new RegExp(`^gatehouse: snapshot ${beforeRun.id} cannot be restored: its (file|schema) .* is missing; nothing was restored\\n`));
    expect(missing.stderr).not.toMatch(/unexpected| {4}at /);
    // Still damaged, still listed as such: nothing was restored.
    expect(json(runCli(['backups', 'list', '--db', db, '--json'])).damaged).toMatch(/no table hearings/);
  });
});
