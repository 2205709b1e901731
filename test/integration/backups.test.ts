import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, listSnapshots, pruneSnapshots, snapshotFolder, verifySnapshots } from '../../main/backup/index.js';
import { openStore, snapshotSchemaPrefix } from '../../main/store/index.js';
import { fingerprint, updateWithSignal } from '../../bench/kill-resume.js';
import { runCli, startCli } from '../helpers/cli.js';
import { dropSchemas, postgresReachable, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';
import { formatCount } from '../../shared/plural.js';

/** The backups and rollback CLI on SQLite, and on PostgreSQL where the server is up (their logic runs on both backends in restore-audit.test.ts and rollback.test.ts). */
const postgresDown = (await postgresReachable()) !== null;
const folders: string[] = [];
function freshDb(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-backups-'));
  folders.push(folder);
  return path.join(folder, 'g.db');
}
afterAll(() => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

function json<T>(args: string[]): T {
  const result = runCli([...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface SnapshotRow { id: string; runId: number | null; kind: string; sizeBytes: number; sha256: string; createdAt: string }

function snapshotsOf(db: string): SnapshotRow[] {
  return json<{ snapshots: SnapshotRow[] }>(['backups', 'list', '--db', db]).snapshots;
}

describe('snapshots and restore (SQLite)', () => {
  it('takes a verified snapshot by policy, names it on the run, and says on each run why it took one or not', () => {
    const db = freshDb();
    type Summary = { runId: number; backupId: string | null; snapshot: { taken: boolean; reason: string } };
    const first = json<Summary>(['update', '--db', db, '--source', 'synthetic:seed=5,count=200']);
    const same = json<Summary>(['update', '--db', db, '--source', 'synthetic:seed=5,count=200,revision=1,changed=20']);
    expect([same.backupId, same.snapshot.taken]).toEqual([null, false]);
    expect(same.snapshot.reason).toMatch(/^no snapshot due: /);
    const human = runCli(['update', '--db', db, '--source', 'synthetic:seed=5,count=200,revision=2,changed=20']);
    expect(human.stdout).toMatch(/snapshot: none: no snapshot due: .*the undo journal makes this run reversible/);
    expect(human.stdout).toMatch(/reconciliation: ok \(\d+ checks\)/);
    const second = json<Summary>(['update', '--db', db, '--source', 'synthetic:seed=5,count=200,revision=3,changed=20', '--batch-size', '40']);
    expect(second.snapshot).toMatchObject({ taken: true, reason: `batch size changed: 50 → 40 since run ${first.runId}, the last run snapshotted` });
    const list = snapshotsOf(db);
    expect(list.map((s) => [s.kind, s.runId])).toEqual([['before-run', second.runId], ['before-run', first.runId]]);
    expect(second.backupId).toBe(list[0]!.id);
    const listed = json<{ totalBytes: number }>(['backups', 'list', '--db', db]);
    expect(listed.totalBytes).toBe(list[0]!.sizeBytes + list[1]!.sizeBytes);
    expect(runCli(['backups', 'list', '--db', db]).stdout).toMatch(new RegExp(`2 snapshots, ${formatCount(listed.totalBytes)} bytes in total`));
    expect(list[0]!.sizeBytes).toBe(fs.statSync(path.join(snapshotFolder(db), `${list[0]!.id}.sqlite`)).size);
    expect(json<{ ok: boolean }[]>(['backups', 'verify', '--db', db]).every((c) => c.ok)).toBe(true);
  });

  it('lists and prunes with each count and its noun agreeing: "1 snapshot", "0 snapshots", never "snapshot(s)"', () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=20', '--no-snapshot']);
    const first = json<SnapshotRow>(['backups', 'create', '--db', db]);
    expect(runCli(['backups', 'list', '--db', db]).stdout).toMatch(new RegExp(`\n1 snapshot, ${formatCount(first.sizeBytes)} bytes in total\n$`));
    expect(runCli(['backups', 'prune', '--db', db, '--keep', '1', '--reason', 'retention by hand']).stdout).toBe('pruned 0 snapshots\n');
    json(['backups', 'create', '--db', db]);
    expect(runCli(['backups', 'prune', '--db', db, '--keep', '1', '--dry-run']).stdout).toBe(`would prune 1 snapshot\n  ${first.id} (${first.createdAt})\n`);
  });

  it('verify catches a snapshot whose bytes changed even when its size did not', () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=50', '--no-snapshot']);
    const snapshot = json<SnapshotRow>(['backups', 'create', '--db', db]);
    const file = path.join(snapshotFolder(db), `${snapshot.id}.sqlite`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100]! + 1) % 256;
    fs.writeFileSync(file, bytes);
    const result = runCli(['backups', 'verify', '--db', db, '--json']);
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)[0].problems.join()).toMatch(/checksum differs/);
  });

  it('refuses a damaged manifest with a clear error and a way on, for listing and for a run that may need a snapshot', () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=50']);
    const manifest = path.join(snapshotFolder(db), 'manifest.json');
    for (const damaged of ['{"snapshots": [1, {"id": 3}]}', '{trunc']) {
      fs.writeFileSync(manifest, damaged);
      for (const args of [['backups', 'list'], ['backups', 'prune', '--reason', 'retention by hand'], ['update', '--source', 'synthetic:seed=6,count=10', '--snapshot']]) {
        const result = runCli([...args, '--db', db, '--json']);
        expect(result.code, result.stderr).toBe(2);
        expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('manifest.json is unreadable'), hint: expect.stringContaining('move it aside') });
      }
    }
    expect(json<{ runId: number }[]>(['runs', 'list', '--db', db]).map((run) => run.runId)).toEqual([1]);
    fs.rmSync(manifest);
    expect(snapshotsOf(db)).toEqual([]);
  });

  it('restores a snapshot: the later run is gone, a safety snapshot holds the state before the restore, the restore is recorded', () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=100', '--no-snapshot']);
    const second = json<{ backupId: string }>(['update', '--db', db, '--source', 'synthetic:seed=5,offset=100,count=30']);
    const refused = runCli(['restore', '--db', db, '--backup', second.backupId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--reason is required/);
    const report = json<{ hearingsBefore: number; hearingsAfter: number; safetySnapshot: SnapshotRow; message: string }>(['restore', '--db', db, '--backup', second.backupId, '--reason', 'run 2 read a bad feed', '--operator', 'kim']);
    expect([report.hearingsBefore, report.hearingsAfter]).toEqual([130, 100]);
    expect(report.message).toMatch(new RegExp(`from snapshot ${second.backupId}.*hearings 130 → 100.*by kim`));
    expect(json<{ runId: number }[]>(['runs', 'list', '--db', db]).map((r) => r.runId)).toEqual([1]);
    const back = json<{ hearingsAfter: number }>(['restore', '--db', db, '--backup', report.safetySnapshot.id, '--reason', 'undo the restore']);
    expect(back.hearingsAfter).toBe(130);
    const restores = json<{ snapshotId: string; operator: string; reason: string }[]>(['backups', 'restores', '--db', db]);
    expect(restores.map((r) => [r.snapshotId, r.reason])).toEqual([[report.safetySnapshot.id, 'undo the restore'], [second.backupId, 'run 2 read a bad feed']]);
    expect(restores[1]!.operator).toBe('kim');
  });

  it('a restore killed with kill -9 leaves the database before or after, never half; the next restore removes the working copy it left beside the database', async () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=2000', '--no-snapshot']);
    const snapshot = json<SnapshotRow>(['backups', 'create', '--db', db]);
    json(['update', '--db', db, '--source', 'synthetic:seed=5,offset=2000,count=300', '--no-snapshot']);
    const before = await fingerprint(db);
    const copies = () => fs.readdirSync(path.dirname(db)).filter((name) => name.startsWith('g.db.restoring-'));
    const restore = ['restore', '--db', db, '--backup', snapshot.id, '--reason', 'run 2 read a bad feed'];
    const { child, done } = startCli(restore);
    // Killed once it has copied the snapshot beside the database (a state), on its way to the restore transaction.
    while (copies().length === 0 && child.exitCode === null) await new Promise((resolve) => setImmediate(resolve));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const afterKill = await fingerprint(db);
    expect(copies()).toHaveLength(1);

    const finished = runCli(restore);
    expect(finished.code, finished.stderr).toBe(0);
    const restored = await fingerprint(db);
    expect(restored).not.toEqual(before);
    expect([before, restored]).toContainEqual(afterKill);
    expect(copies()).toEqual([]);
  });

  it('removes the half-written snapshot a killed process left, and keeps one a live process is still writing', async () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=20', '--no-snapshot']);
    const folder = snapshotFolder(db);
    fs.mkdirSync(folder, { recursive: true });
    // A pid that was surely a process here and is gone now: a child that has exited.
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const leftovers = [`20260101T000000000Z-aaaaaa.sqlite.${gone}.partial`, `20260101T000000000Z-aaaaaa.sqlite.${gone}.partial-journal`];
    const live = `20260101T000000000Z-bbbbbb.sqlite.${process.pid}.partial`;
    for (const name of [...leftovers, live]) fs.writeFileSync(path.join(folder, name), 'half a snapshot');
    json(['backups', 'create', '--db', db]);
    const partials = fs.readdirSync(folder).filter((name) => name.includes('.partial'));
    expect(partials).toEqual([live]);
  });

  it('refuses a snapshot a newer Gatehouse wrote with SCHEMA_TOO_NEW before taking a safety snapshot: nothing restored, no snapshot added', async () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=6,count=20', '--no-snapshot']);
    const snapshot = json<SnapshotRow>(['backups', 'create', '--db', db]);
    json(['update', '--db', db, '--source', 'synthetic:seed=6,offset=20,count=10', '--no-snapshot']);
    // As if copied in from an install a version ahead: its schema one migration past this code's, its checksum recorded for those bytes.
    const file = path.join(snapshotFolder(db), `${snapshot.id}.sqlite`);
    const { default: Database } = await import('better-sqlite3');
    const copy = new Database(file);
    copy.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES ((SELECT max(version) + 1 FROM schema_migrations), 'from the future', '2027-01-01T00:00:00Z')").run();
    copy.close();
    const manifest = path.join(snapshotFolder(db), 'manifest.json');
    const listed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { snapshots: SnapshotRow[] };
    listed.snapshots[0]!.sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    listed.snapshots[0]!.sizeBytes = fs.statSync(file).size;
    fs.writeFileSync(manifest, JSON.stringify(listed));

    const refused = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'back to before run 2']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`snapshot ${snapshot.id} has schema version \\d+; this Gatehouse knows up to \\d+; nothing was restored`));
    expect(refused.stderr).toMatch(/hint: upgrade Gatehouse before restoring this snapshot/);
    expect(snapshotsOf(db).map((s) => s.id)).toEqual([snapshot.id]);
    expect(json<unknown[]>(['backups', 'restores', '--db', db])).toEqual([]);
    expect(json<{ runId: number }[]>(['runs', 'list', '--db', db]).map((r) => r.runId)).toEqual([2, 1]);
    expect(fs.readdirSync(path.dirname(db)).filter((name) => name.includes('.restoring-'))).toEqual([]);
  });

  it('refuses to restore while a run holds the lock, and an unknown snapshot', async () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=20', '--no-snapshot']);
    const snapshot = json<SnapshotRow>(['backups', 'create', '--db', db]);
    const holder = await openStore(db);
    try {
      await holder.acquireWriterLock({ runId: 1, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
      const refused = runCli(['restore', '--db', db, '--backup', snapshot.id, '--reason', 'x']);
      expect(refused.code).toBe(5);
      expect(refused.stderr).toMatch(/cannot restore: an update \(run \d+\) started at \d{4}-\S+ holds/);
    } finally {
      await holder.releaseWriterLock();
      await holder.close();
    }
    const unknown = runCli(['restore', '--db', db, '--backup', 'nope', '--reason', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no snapshot nope/);
    expect(listSnapshotsCount(db)).toBe(1);
  });

  it('prunes by count and by age from each snapshot\'s own timestamp, not the file time', async () => {
    const db = freshDb();
    const store = await openStore(db);
    try {
      const day = 86_400_000;
      const now = Date.parse('2026-06-30T12:00:00Z');
      for (const daysAgo of [40, 20, 3, 2, 1]) await createSnapshot(store, { kind: 'manual', clock: () => new Date(now - daysAgo * day) });
      // The 40-day-old file is touched now: its mtime must not save it.
      const oldest = (await listSnapshots(store)).at(-1)!;
      fs.utimesSync(path.join(snapshotFolder(db), oldest.file), new Date(), new Date());
      const prunedByAge = await pruneSnapshots(store, { keep: 10, maxAgeDays: 30 }, new Date(now));
      expect(prunedByAge.map((s) => s.createdAt)).toEqual([new Date(now - 40 * day).toISOString()]);
      const prunedByCount = await pruneSnapshots(store, { keep: 2, maxAgeDays: 30 }, new Date(now));
      expect(prunedByCount).toHaveLength(2);
      expect((await listSnapshots(store)).map((s) => s.createdAt)).toEqual([1, 2].map((d) => new Date(now - d * day).toISOString()));
      expect(fs.readdirSync(snapshotFolder(db)).filter((f) => f.endsWith('.sqlite'))).toHaveLength(2);
      await expect(pruneSnapshots(store, { keep: 0, maxAgeDays: 30 })).rejects.toThrow(/keep must be a whole number ≥ 1/);
      expect((await verifySnapshots(store)).every((c) => c.ok)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it.skipIf(postgresDown)('on PostgreSQL snapshots into a schema beside the store, verifies it and restores from it', async () => {
    const schema = uniqueSchema('gh_backups');
    const db = urlWithSchema(schema);
    try {
      json(['update', '--db', db, '--source', 'synthetic:seed=5,count=40', '--no-snapshot']);
      const snapshot = json<SnapshotRow & { file: string }>(['backups', 'create', '--db', db]);
      expect(snapshot.file).toBe(`${snapshotSchemaPrefix(schema)}${snapshot.id.toLowerCase().replace(/[^a-z0-9]/g, '_')}`);
      const second = json<{ runId: number; backupId: string }>(['update', '--db', db, '--source', 'synthetic:seed=5,offset=40,count=10']);
      expect(snapshotsOf(db).map((s) => s.kind)).toEqual(['before-run', 'manual']);
      expect(json<{ ok: boolean }[]>(['backups', 'verify', '--db', db]).every((c) => c.ok)).toBe(true);
      const report = json<{ hearingsBefore: number; hearingsAfter: number }>(['restore', '--db', db, '--backup', second.backupId, '--reason', 'bad offset']);
      expect([report.hearingsBefore, report.hearingsAfter]).toEqual([50, 40]);
      const third = json<{ runId: number }>(['update', '--db', db, '--source', 'synthetic:seed=5,offset=40,count=5', '--no-snapshot']);
      expect(third.runId).toBe(3);
    } finally {
      await dropSchemas([schema]);
    }
  });
});

function listSnapshotsCount(db: string): number {
  return snapshotsOf(db).length;
}

describe('gatehouse rollback (CLI)', () => {
  it('dry-runs, rolls back, lists the event, and says so plainly the second time', () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=100', '--no-snapshot']);
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=100,revision=1,changed=10', '--no-snapshot']);
    const plan = json<{ hearings: { action: string }[]; dryRun: boolean }>(['rollback', '--db', db, '--run', '2', '--dry-run']);
    expect(plan.hearings).toHaveLength(10);
    // Its table says what would happen, as its summary does ("would restore"), not what happened.
    const said = runCli(['rollback', '--db', db, '--run', '2', '--dry-run']).stdout;
    expect(said).toMatch(/^dry run: rolling back run 2: would restore 10 hearings/);
    const outcomes = said.split('\n').filter((line) => /^\d+ +\d+ +restore /.test(line)).map((line) => /^\d+ +\d+ +restore +(.+?) {2,}/.exec(line)?.[1]);
    expect(outcomes).toEqual(Array(10).fill('would restore'));
    const done = runCli(['rollback', '--db', db, '--run', '2', '--reason', 'bad revision', '--operator', 'sam']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/rolled back run 2: restored 10 hearings.*run 2 is now rolled_back/);
    expect(done.stderr).toMatch(/warning: run 2 was rolled back — by sam: bad revision\n/);
    expect(done.stderr.match(/run 2 was rolled back/g)).toHaveLength(1);
    expect(done.stderr).not.toMatch(/error:/);
    const again = runCli(['rollback', '--db', db, '--run', '2', '--reason', 'twice']);
    expect(again.stdout).toMatch(/run 2 was already rolled back; nothing to do/);
    expect(again.stderr).not.toMatch(/was rolled back/);
    const events = json<{ operator: string; reason: string; restored: number }[]>(['rollback', '--list', '--db', db]);
    expect(events).toEqual([expect.objectContaining({ operator: 'sam', reason: 'bad revision', restored: 10 })]);
  });

  it.each([
    [['rollback'], /needs --run ID/],
    [['rollback', '--run', 'abc'], /--run must be a whole number/],
    [['rollback', '--run', '1', '--on-conflict', 'maybe'], /--on-conflict must be one of refuse, skip, force/],
    [['rollback', '--run', '5', '--reason', 'x'], /run 5 does not exist/],
    [['rollback', '--run', '1'], /--reason is required/],
    [['rollback', '--run', '1', '--batch', '0'], /--batch must be a whole number ≥ 1, got "0"/],
  ])('refuses %j with exit 2 and a clear message', (args, message) => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=5', '--no-snapshot']);
    const result = runCli([...args, '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('previews the rollback of a run whose process was killed, instead of asking to stop a process that is gone', async () => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=6,count=50', '--no-snapshot']);
    // Batches of 50 that do not grow: the run is still writing when the kill comes.
    json(['flags', 'set', 'ADAPTIVE_BATCHES', 'false', '--reason', 'fixed batches', '--db', db]);
    const killed = await updateWithSignal(db, 'synthetic:seed=6,offset=50,count=20000', ['--no-snapshot', '--batch-size', '50'], 'SIGKILL', { batches: 1 });
    expect(killed.signal).toBe('SIGKILL');
    expect(json<{ runId: number; status: string }[]>(['runs', 'list', '--db', db]).find((r) => r.runId === 2)?.status).toBe('running');
    const plan = json<{ dryRun: boolean; counts: { deleted: number }; runRolledBack: boolean }>(['rollback', '--db', db, '--run', '2', '--dry-run']);
    expect(plan.dryRun).toBe(true);
    expect(plan.counts.deleted).toBeGreaterThan(0);
    expect(plan.runRolledBack).toBe(true);
    expect(json<{ runId: number; status: string }[]>(['runs', 'list', '--db', db]).find((r) => r.runId === 2)?.status).toBe('interrupted');
    const done = json<{ counts: { deleted: number } }>(['rollback', '--db', db, '--run', '2', '--reason', 'killed mid-run', '--operator', 'sam']);
    expect(done.counts.deleted).toBe(plan.counts.deleted);
  });

  it.each([['1.5'], ['abc'], ['-2']])('refuses --run %s naming only the options the command has', (run) => {
    const db = freshDb();
    json(['update', '--db', db, '--source', 'synthetic:seed=5,count=5', '--no-snapshot']);
    const result = runCli(['rollback', '--db', db, '--run', run, '--reason', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--run/);
    // The console's typed confirmation is not a command-line option: running the command confirms it.
    expect(result.stderr).not.toMatch(/confirm/);
  });
});
