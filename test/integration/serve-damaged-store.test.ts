import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/api/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { printed, runCli, servedUrl, startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';
import { psql } from '../helpers/postgres.js';

const API_TOKEN = 'serve-damaged-store-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };

/** Tables dropped outside Gatehouse, as a DBA would in the sqlite3 shell or psql. */
async function dropOutsideGatehouse(backend: TestBackend, location: string, tables: string[]): Promise<void> {
  if (backend.name === 'postgres') {
    const schema = new URL(location).searchParams.get('schema')!;
    return psql(`SET search_path = "${schema}"; ${tables.map((table) => `DROP TABLE ${table} CASCADE;`).join(' ')}`);
  }
  const db = new Database(location);
  try {
    db.pragma('foreign_keys = OFF');
    for (const table of tables) db.exec(`DROP TABLE ${table}`);
  } finally {
    db.close();
  }
}

/**
 * `gatehouse backups list` and `restore` open a database that is not all there (a table dropped
 * outside Gatehouse), since restoring a snapshot is what mends it; `gatehouse serve` refused to
 * start on one (exit 6), so the console's Backups page could neither list nor restore. A real
 * `serve`, real HTTP.
 */
describe.each(testBackends())('the console served over a database that is not all there ($name)', (backend) => {
  const started: ReturnType<typeof startCli>[] = [];
  afterEach(async () => {
    for (const served of started.splice(0)) {
      served.child.kill('SIGTERM');
      await served.done;
    }
  });
  afterAll(() => backend.cleanup());

  it('starts, says the damage in words, lists the snapshots as the CLI does, refuses the rest for the damage, and restores; then answers as on any database', async () => {
    const db = await backend.freshLocation();
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=20', '--no-snapshot']).code).toBe(0);
    const created = runCli(['backups', 'create', '--db', db, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const snapshot = JSON.parse(created.stdout) as { id: string };
    await dropOutsideGatehouse(backend, db, ['hearings', 'runs']);

    const served = startCli(['serve', '--db', db, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN });
    started.push(served);
    const url = await servedUrl(served);
    const server = { port: Number(url.port), url: url.toString() } as RunningServer;

    const listed = await callApi<{ snapshots: { id: string }[]; damaged: string | null }>(server, 'backups.list', {}, bearer);
    expect(listed.result.ok).toBe(true);
    const listing = (listed.result as { data: { snapshots: { id: string }[]; damaged: string | null } }).data;
    expect(listing.snapshots.map((s) => s.id)).toContain(snapshot.id);
    expect(listing.damaged).toMatch(/is not all there \(no table .*runs.*\)/);
    // The CLI's listing of the same database says the same.
    expect((JSON.parse(runCli(['backups', 'list', '--db', db, '--json']).stdout) as { damaged: string | null }).damaged).toBe(listing.damaged);

    const runs = await callApi(server, 'runs.list', {}, bearer);
    expect(runs.result).toMatchObject({ ok: false, error: { code: 'DB_UNREACHABLE', message: `${listing.damaged}; until a snapshot is restored over it, the console can only list and restore snapshots` } });

    const restored = await callApi(server, 'backups.restore', { id: snapshot.id, confirmId: snapshot.id, reason: 'a DBA dropped hearings and runs' }, bearer);
    expect(restored.result).toMatchObject({ ok: true, data: { hearingsBefore: 0, hearingsAfter: 20, event: { reason: 'a DBA dropped hearings and runs' } } });
    const after = await callApi<{ runId: number }[]>(server, 'runs.list', {}, bearer);
    expect(after.result.ok && after.result.data.map((run) => run.runId)).toEqual([1]);
    expect(await callApi(server, 'backups.list', {}, bearer)).toMatchObject({ result: { ok: true, data: { damaged: null } } });
  }, 180_000);

  it('serve --demo (npm start) opens it restore-only as serve does, seeding nothing; a connection test of it says the same damage and mode', async () => {
    const db = await backend.freshLocation();
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=3', '--no-snapshot']).code).toBe(0);
    await dropOutsideGatehouse(backend, db, ['quarantine']);

    const served = startCli(['serve', '--db', db, '--port', '0', '--demo'], { GATEHOUSE_API_TOKEN: API_TOKEN });
    started.push(served);
    const [said] = await printed(served, /warning: (.*not all there.*Backups page\))\n/);
    const notice = said.slice('warning: '.length, -1);
    expect(notice).toMatch(/no table quarantine.*; the console lists and restores its snapshots only, until one is restored over it \(Backups page\)$/);
    const url = await servedUrl(served);
    const server = { port: Number(url.port), url: url.toString() } as RunningServer;
    expect((await callApi(server, 'backups.list', {}, bearer)).result.ok).toBe(true);

    const tested = await callApi(server, 'settings.testConnection', { location: db }, bearer);
    expect(tested.result).toMatchObject({ ok: false, error: { code: 'DB_UNREACHABLE', message: notice, hint: expect.stringMatching(/restore a snapshot over it on the Backups page/) } });
  }, 60_000);
});
