import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, MIGRATIONS } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import { runCli, startCli } from '../helpers/cli.js';
import { undoJournal } from '../../main/backup/index.js';
import { runReviews } from '../../main/validation/index.js';

/** What a user gets from the CLI pointed at a file that is not (or no longer) a sound Gatehouse database. */
const folders: string[] = [];
function freshFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-files-'));
  folders.push(folder);
  return folder;
}
afterAll(() => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const sideFiles = (file: string) => ['-wal', '-shm', '-journal'].filter((suffix) => fs.existsSync(`${file}${suffix}`));

function sqliteFile(setup: string, journalMode = 'DELETE'): string {
  const file = path.join(freshFolder(), 'their.db');
  const db = new Database(file);
  db.pragma(`journal_mode = ${journalMode}`);
  db.exec(setup);
  db.close();
  return file;
}

describe('a database that is not Gatehouse\'s', () => {
  it.each([
    ['another application\'s notes', sqliteFile("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')"), /it holds other tables \(notes\)/],
    ['a database with a runs table of its own', sqliteFile('CREATE TABLE runs (id INTEGER PRIMARY KEY, km REAL); INSERT INTO runs (km) VALUES (5.2)'), /it holds other tables \(runs\)/],
    ['a file stamped with another application id', sqliteFile('PRAGMA application_id = 1234; CREATE TABLE t (x)'), /another application \(application_id 0x4d2\)/],
  ])('refuses %s and leaves it byte for byte as it was, with no journal beside it', (_what, file, reason) => {
    const before = sha256(file);
    for (const args of [['update', '--source', 'synthetic:seed=1,count=5'], ['runs', 'list']]) {
      const result = runCli([...args, '--db', file]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/is not a Gatehouse database/);
      expect(result.stderr).toMatch(reason);
      expect(result.stderr).toMatch(/nothing was changed/);
    }
    expect(sha256(file)).toBe(before);
    expect(sideFiles(file)).toEqual([]);
  });

  it('refuses a file that is not SQLite at all', () => {
    const file = path.join(freshFolder(), 'notes.txt');
    fs.writeFileSync(file, 'shopping: milk, eggs\n'.repeat(20));
    const result = runCli(['runs', 'list', '--db', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/it is not a SQLite database/);
    expect(fs.readFileSync(file, 'utf8')).toBe('shopping: milk, eggs\n'.repeat(20));
  });

  it('creates a database in an empty file and stamps it as Gatehouse\'s', async () => {
    const file = path.join(freshFolder(), 'empty.db');
    fs.writeFileSync(file, '');
    expect(runCli(['update', '--db', file, '--source', 'synthetic:seed=1,count=5', '--no-snapshot']).code).toBe(0);
    const db = new Database(file, { readonly: true });
    expect([db.pragma('application_id', { simple: true }), db.pragma('user_version', { simple: true })]).toEqual([0x47415445, MIGRATIONS.at(-1)!.version]);
    db.close();
  });
});

describe('a database an earlier Gatehouse left at schema version 4', () => {
  it('opens, is migrated and stamped, and keeps its runs, audit and next run id', async () => {
    const file = path.join(freshFolder(), 'legacy.db');
    const legacy = new Database(file);
    legacy.pragma('journal_mode = WAL');
    legacy.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
      legacy.exec(migration.sql(DIALECTS.sqlite));
      legacy.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, '2026-01-01T00:00:00.000Z');
    }
    // What the earlier code wrote: a rolled-back run with its rollback event and a review.
    legacy.exec(`INSERT INTO runs (id, status, mode, batch_size, source, started_at, metrics_json, batch_counts_json)
        VALUES (1, 'rolled_back', 'batch', 50, 'file:old.json', '2026-01-01T00:00:00.000Z', '{}', '{}');
      INSERT INTO rollback_events (run_id, operator, at, reason, on_conflict, restored, deleted, skipped, forced, created_rows_deleted,
        created_rows_kept, run_rolled_back) VALUES (1, 'ann', '2026-01-02T00:00:00.000Z', 'old feed', 'refuse', 0, 3, 0, 0, 0, 0, 1);
      INSERT INTO run_reviews (run_id, action, reason, operator, at) VALUES (1, 'confirmed', 'real', 'bo', '2026-01-02T00:00:00.000Z');`);
    legacy.close();
    const second = runCli(['update', '--db', file, '--source', 'synthetic:seed=2,count=30', '--no-snapshot', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).runId).toBe(2);

    const store = await openStore(file);
    try {
      expect((await store.listRuns()).map((run) => [run.runId, run.status])).toEqual([[2, 'success'], [1, 'rolled_back']]);
      expect(await undoJournal(store).listEvents()).toEqual([expect.objectContaining({ runId: 1, reason: 'old feed', deleted: 3, runRolledBack: true })]);
      expect(await runReviews(store).list()).toEqual([expect.objectContaining({ runId: 1, action: 'confirmed', reason: 'real' })]);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(0x47415445);
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
  });
});

describe('a corrupt Gatehouse database', () => {
  it('is refused before a run writes to it when damaged by an outside write after the last run, and left as it was', () => {
    const file = path.join(freshFolder(), 'g.db');
    expect(runCli(['update', '--db', file, '--source', 'synthetic:seed=3,count=300', '--no-snapshot']).code).toBe(0);
    const db = new Database(file, { readonly: true });
    const [pageSize, indexPage] = [db.pragma('page_size', { simple: true }) as number, db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'hearings_by_start'").pluck().get() as number];
    db.close();
    // A page of an index the run would update is overwritten: quick_check sees it, opening does not.
    const { atime, mtime } = fs.statSync(file);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, (indexPage - 1) * pageSize);
    fs.closeSync(fd);
    // Times set back as they were: the change still shows in ctime, which no program can set.
    fs.utimesSync(file, atime, mtime);
    const before = sha256(file);
    const result = runCli(['update', '--db', file, '--source', 'synthetic:seed=3,offset=300,count=10', '--no-snapshot']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/failed its integrity check \(quick_check\): .*page 8.*; nothing was written/);
    expect(result.stderr).toMatch(/hint: the file is damaged: recover it/);
    expect(sha256(file)).toBe(before);
  });
});

describe('the integrity check before a run', () => {
  const integrityOf = (result: { stdout: string }) => (JSON.parse(result.stdout) as RunSummary).snapshot?.integrity;

  it('skips the whole-file quick_check on a database no one touched since the last run, and runs it when asked', () => {
    const file = path.join(freshFolder(), 'g.db');
    const first = runCli(['update', '--db', file, '--source', 'synthetic:seed=8,count=40', '--json']);
    expect(integrityOf(first)).toEqual({ check: 'full', reason: 'quick_check passed; the file is not as the last verified run left it: no verified run has recorded it' });
    const second = runCli(['update', '--db', file, '--source', 'synthetic:seed=8,offset=40,count=10', '--json']);
    expect(integrityOf(second)).toEqual({ check: 'skipped', reason: 'the file is as the last verified run left it (inode, size, mtime and ctime of the database and its WAL)' });
    const forced = runCli(['update', '--db', file, '--source', 'synthetic:seed=8,offset=50,count=10', '--json', '--full-integrity-check']);
    expect(integrityOf(forced)).toEqual({ check: 'full', reason: 'quick_check passed; asked for' });
  });

  it('checks in full after another program wrote to the database, even one that set its modification time back', () => {
    const file = path.join(freshFolder(), 'g.db');
    expect(runCli(['update', '--db', file, '--source', 'synthetic:seed=9,count=40', '--no-snapshot']).code).toBe(0);
    const { atime, mtime } = fs.statSync(file);
    const db = new Database(file);
    db.exec("UPDATE hearings SET title = 'edited elsewhere' WHERE rowid = 1");
    db.close();
    fs.utimesSync(file, atime, mtime);
    const after = runCli(['update', '--db', file, '--source', 'synthetic:seed=9,offset=40,count=10', '--json', '--no-snapshot']);
    expect(integrityOf(after)).toMatchObject({ check: 'full', reason: expect.stringMatching(/^quick_check passed; the file is not as the last verified run left it: its database file's ([a-z]+(, | and ))*ctime changed$/) });
  });
});

describe('two processes creating the same new database', () => {
  it('migrate it once: each either runs or is told another writer holds it, never a half-migrated schema', async () => {
    const folder = freshFolder();
    for (let round = 0; round < 8; round++) {
      const file = path.join(folder, `race-${round}.db`);
      const runs = [1, 2, 3].map((seed) => startCli(['update', '--db', file, '--source', `synthetic:seed=${seed},count=20`, '--no-snapshot', '--json']).done);
      const results = await Promise.all(runs);
      for (const result of results) {
        expect([0, 5], result.stderr).toContain(result.code);
        expect(result.stderr).not.toMatch(/already exists/);
      }
      expect(results.filter((result) => result.code === 0).length).toBeGreaterThan(0);
    }
    // 24 CLI processes, three at a time: on a loaded 2-core machine each start alone takes seconds.
  }, 240_000);
});
