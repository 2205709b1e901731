import fs from 'node:fs';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import { SCHEMA_VERSION } from '../../main/store/migrations/index.js';
import { runSummarySchema } from '../../shared/run.js';
import { runCli, servedUrl, startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';
import { availablePostgresBackend, connectToPostgres, psql } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const backend = await availablePostgresBackend();
const RECORDS = hearingRecords(200);
const API_TOKEN = 'schema-dropped-test-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };

function schemaOf(location: string): string {
  return new URL(location).searchParams.get('schema')!;
}

/** The one message a store missing its schema or a table says, whichever part was asked for or found missing. */
const notAllThere = (said: string) => new RegExp(`the database at postgres://.*schema=gh_test_\\w+.* is not all there \\(${said}\\): its schema, or a table of it, was dropped outside Gatehouse`);
/** The same refusal ending in what was found: a DROP, or rows deleted. */
const foundAs = (said: string, done: string) => new RegExp(`the database at postgres://.*schema=gh_test_\\w+.* is not all there \\(${said}\\): ${done}`);
const relationMissing = (relation: string) => notAllThere(`relation "${relation}" does not exist`);

/**
 * A store at `location` holding one successful run of 20 hearings, made in-process: what the tests
 * check is how the CLI and the console meet the store once part of it is lost, not the update that made it.
 */
async function withOneRun(location: string): Promise<void> {
  const store = await openStore(location);
  try {
    expect((await runUpdate({ store, source: arraySource(hearingRecords(20)) })).status).toBe('success');
  } finally {
    await store.close();
  }
}

/** An update of RECORDS in batches of 50 that runs `drop` once its first batch has committed. */
function updateDroppingAfterFirstBatch(store: Store, drop: () => unknown) {
  return runUpdate({
    store,
    source: arraySource(RECORDS),
    batchSize: 50,
    sleep: async () => {},
    betweenBatches: async (_runId, nextBatch) => {
      if (nextBatch === 2) await drop();
      return null;
    },
  });
}

/**
 * A schema (`DROP SCHEMA … CASCADE`) or a table of it dropped from psql under a running update or
 * console. The server says "relation … does not exist", which was classed as a record's fault: the
 * update failed ("relation \"hearings\" does not exist", exit 4), or ended as an unexpected error
 * (exit 1) when even its run row was gone, and every console call answered INTERNAL (HTTP 500).
 */
describe.skipIf(backend === null)('a PostgreSQL store whose schema or tables are dropped while in use', () => {
  const dataFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-schema-dropped-'));
  afterAll(async () => {
    await backend?.cleanup();
    fs.rmSync(dataFolder, { recursive: true, force: true });
  });

  it('stops an update as interrupted once its hearings table is dropped after the first checkpoint, blaming no record and offering no resume', async () => {
    const location = await backend!.freshLocation();
    const store = await openStore(location);
    try {
      const stopped = await updateDroppingAfterFirstBatch(store, () => psql(`DROP TABLE "${schemaOf(location)}".hearings CASCADE`));
      expect(runSummarySchema.parse(stopped)).toMatchObject({ status: 'interrupted', batches: { succeeded: 1, failed: 0, isolated: 0 } });
      expect(stopped.error).toMatch(relationMissing('hearings'));
      // Every command refuses the schema until the table is restored, the resume too: none is offered.
      expect(stopped.error).toMatch(/nothing was blamed on a record — it cannot be resumed from what is left of the database$/);
      expect(stopped.error).not.toContain('--resume');
      expect(stopped.error!.split('is not all there')).toHaveLength(2);
      expect(stopped.metrics).toMatchObject({ added: 50, quarantined: 0 });
      expect(await store.listQuarantine()).toEqual([]);
      expect((await store.getRun(stopped.runId))?.status).toBe('interrupted');
    } finally {
      await store.close();
    }
  });

  it('ends an update whose whole schema is dropped after the first checkpoint with the reason, not an unexpected error', async () => {
    const location = await backend!.freshLocation();
    const store = await openStore(location);
    try {
      const stopped = await updateDroppingAfterFirstBatch(store, () => psql(`DROP SCHEMA "${schemaOf(location)}" CASCADE`));
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(relationMissing('\\w+'));
      // Its run row went with the schema: said once, and no `--resume` that could only answer "run … does not exist".
      expect(stopped.error).toMatch(/; the run's end could not be recorded either \(relation "runs" does not exist\); nothing was blamed on a record — it cannot be resumed from what is left of the database$/);
      expect(stopped.error!.split('is not all there')).toHaveLength(2);
      expect(stopped.error).not.toContain('--resume');
      expect(stopped.metrics).toMatchObject({ added: 50, quarantined: 0 });
    } finally {
      await store.close();
    }
  });

  it('answers the console DB_UNREACHABLE naming the database once its schema is dropped under `gatehouse serve`', async () => {
    const location = await backend!.freshLocation();
    await withOneRun(location);
    const served = startCli(['serve', '--db', location, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN, GATEHOUSE_DATA: dataFolder });
    try {
      const url = await servedUrl(served);
      const server = { port: Number(url.port), url: url.toString() } as RunningServer;
      expect((await callApi(server, 'runs.list', {}, bearer)).status).toBe(200);
      await psql(`DROP SCHEMA "${schemaOf(location)}" CASCADE`);
      for (const [method, input] of [
        ['runs.list', {}],
        ['flags.set', { flag: 'BATCH_SIZE', scope: 'global', value: 20, reason: 'kill switch drill' }],
        ['runs.start', { source: 'synthetic:seed=2,count=10' }],
      ] as const) {
        const answer = await callApi(server, method, input, bearer);
        expect({ method, status: answer.status, code: answer.result.ok ? null : answer.result.error.code }).toEqual({ method, status: 503, code: 'DB_UNREACHABLE' });
        // runs.start opens a connection of its own, which said "no database at …" with a hint of a file "deleted or moved".
        expect({ method, message: answer.result.ok ? '' : answer.result.error.message }).toEqual({ method, message: expect.stringMatching(notAllThere('.+')) });
      }
    } finally {
      served.child.kill('SIGTERM');
      await served.done;
    }
  });

  it('refuses `gatehouse update` and `runs list` on a store missing a table as they open, DB_UNREACHABLE naming the database and the table; `serve` opens it to restore only, saying so', async () => {
    const location = await backend!.freshLocation();
    await withOneRun(location);
    await psql(`DROP TABLE "${schemaOf(location)}".hearings CASCADE`);
    const update = runCli(['update', '--db', location, '--source', 'synthetic:seed=2,count=20', '--json']);
    expect({ code: update.code, error: JSON.parse(update.stdout).error.code }).toEqual({ code: 6, error: 'DB_UNREACHABLE' });
    expect(JSON.parse(update.stdout).error.message).toMatch(notAllThere('no table hearings'));
    // The console is where a damaged store is restored from (serve-damaged-store): it listens, the damage said as it starts.
    const serve = startCli(['serve', '--db', location, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN, GATEHOUSE_DATA: dataFolder });
    await servedUrl(serve);
    serve.child.kill('SIGTERM');
    const served = await serve.done;
    const listed = runCli(['runs', 'list', '--db', location]);
    expect(listed.code).toBe(6);
    for (const said of [served.stderr, listed.stderr]) {
      expect(said).toMatch(notAllThere('no table hearings'));
      expect(said).not.toMatch(/unexpected error|\n\s+at /);
    }
    const runs = await connectToPostgres();
    try {
      // Refused before a run was created: only the first update's run is there.
      expect((await runs.query(`SELECT id, status FROM "${schemaOf(location)}".runs`)).rows).toEqual([{ id: '1', status: 'success' }]);
    } finally {
      await runs.end();
    }
  });
});

/**
 * What a store's migration record can lose outside Gatehouse: the table, or its rows, each said as
 * found. An emptied table was said to be "dropped or emptied … its schema, or a table of it, was
 * dropped outside Gatehouse", a DROP no one made.
 */
const rowsDeleted = 'rows of its table schema_migrations were deleted outside Gatehouse';
const MIGRATION_RECORD_LOST = [
  ['dropped', 'DROP TABLE schema_migrations', 'no record of its migrations: no table schema_migrations', 'its schema, or a table of it, was dropped outside Gatehouse'],
  ['emptied', 'DELETE FROM schema_migrations', 'no record of its migrations: table schema_migrations is empty', rowsDeleted],
] as const;
/** The SQLite hint names the moment a copy to put back must come from: before the table was dropped, or before the rows were deleted. */
const copyFromBefore = { dropped: 'before the table was dropped', emptied: 'before the rows were deleted' } as const;

/**
 * Rows deleted from schema_migrations, the table and the rest of its rows left: one below the
 * highest read as applied and said nothing; the newest ran their migrations again at open, failing
 * part-way as DB_NOT_WRITABLE ("duplicate column name: reverts_event_id", exit 2).
 */
const MIGRATION_ROWS_LOST = [
  ['one below the highest', 'DELETE FROM schema_migrations WHERE version IN (5, 12)', `its record of migrations lacks versions 5, 12 below version ${SCHEMA_VERSION}`],
  ['the newest', 'DELETE FROM schema_migrations WHERE version >= 35', 'its record of migrations ends at version 34, but migration 35 (flag reverts name their event) finds its work already done'],
] as const;
/** Rows deleted are said as deleted: they were said "… were deleted): its schema, or a table of it, was dropped outside Gatehouse". */
const rowsLostEnd = new RegExp(`\\): ${rowsDeleted}$`);
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A store whose schema_migrations is gone or empty read as version 0: `update` ran every migration
 * again and failed DB_NOT_WRITABLE ("relation \"committees\" already exists", exit 2), `runs list`
 * said "no database at …" on PostgreSQL and "table committees already exists" on SQLite.
 */
describe.skipIf(backend === null)('a PostgreSQL store whose migration record is lost', () => {
  afterAll(async () => backend?.cleanup());

  it.each(MIGRATION_RECORD_LOST)('refuses a store whose schema_migrations was %s as not all there as `update` and `runs list` open it, saying what was found, migrating nothing', async (_lost, statement, said, done) => {
    const location = await backend!.freshLocation();
    await withOneRun(location);
    await psql(`SET search_path TO "${schemaOf(location)}"; ${statement}`);
    // Both refuse as they open, changing nothing: asked at once.
    const [update, listed] = await Promise.all([startCli(['update', '--db', location, '--source', 'synthetic:seed=2,count=20', '--json']).done, startCli(['runs', 'list', '--db', location]).done]);
    expect({ code: update.code, error: JSON.parse(update.stdout).error.code }).toEqual({ code: 6, error: 'DB_UNREACHABLE' });
    expect(JSON.parse(update.stdout).error.message).toMatch(foundAs(said, done));
    expect(listed.code).toBe(6);
    expect(listed.stderr).toMatch(foundAs(said, done));
    const left = await connectToPostgres();
    try {
      const schema = schemaOf(location);
      expect((await left.query(`SELECT id, status FROM "${schema}".runs`)).rows).toEqual([{ id: '1', status: 'success' }]);
      // Nothing migrated: a dropped record is not made again, an emptied one stays empty.
      const record = await left.query('SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, 'schema_migrations']);
      expect(record.rows.length === 0 || (await left.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`)).rows[0].n === 0).toBe(true);
    } finally {
      await left.end();
    }
  });

  it.each(MIGRATION_ROWS_LOST)('refuses a store whose schema_migrations lost rows, %s, as not all there as `runs list` opens it, migrating nothing', async (_lost, statement, said) => {
    const location = await backend!.freshLocation();
    await withOneRun(location);
    await psql(`SET search_path TO "${schemaOf(location)}"; ${statement}`);
    const recorded = async () => {
      const left = await connectToPostgres();
      try {
        return (await left.query(`SELECT version FROM "${schemaOf(location)}".schema_migrations ORDER BY version`)).rows.map((row: { version: number }) => row.version);
      } finally {
        await left.end();
      }
    };
    const before = await recorded();
    const listed = runCli(['runs', 'list', '--db', location]);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 6, stderr: expect.stringMatching(foundAs(`${escaped(said)}.*`, rowsDeleted)) });
    expect(listed.stderr.split('\n')[0]).toMatch(rowsLostEnd);
    expect(await recorded()).toEqual(before);
  });
});

describe('a SQLite store whose migration record is lost', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-migrations-lost-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it.each(MIGRATION_RECORD_LOST)('refuses a file whose schema_migrations was %s as not all there as `update` and `runs list` open it, saying what was found, migrating nothing', async (lost, statement, said, done) => {
    const file = path.join(folder, `${lost}.db`);
    await withOneRun(file);
    sqlite3(file, statement);
    // Both refuse as they open, changing nothing: asked at once.
    const [update, listed] = await Promise.all([startCli(['update', '--db', file, '--source', 'synthetic:seed=2,count=20', '--json']).done, startCli(['runs', 'list', '--db', file]).done]);
    expect({ code: update.code, error: JSON.parse(update.stdout).error.code }).toEqual({ code: 6, error: 'DB_UNREACHABLE' });
    expect(JSON.parse(update.stdout).error.message).toBe(`the database at ${file} is not all there (${said}): ${done}`);
    expect(listed.code).toBe(6);
    expect(listed.stderr).toContain(`the database at ${file} is not all there (${said}): ${done}\n  hint: put back a copy of the file from ${copyFromBefore[lost]} (a backup of it)`);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT id, status FROM runs').all()).toEqual([{ id: 1, status: 'success' }]);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'").pluck().get()).toBe(lost === 'dropped' ? 0 : 1);
    } finally {
      db.close();
    }
  });

  it.each(MIGRATION_ROWS_LOST)('refuses a file whose schema_migrations lost rows, %s, as not all there as `runs list` opens it, migrating nothing', async (lost, statement, said) => {
    const file = path.join(folder, `rows-lost-${lost.replace(/ /g, '-')}.db`);
    await withOneRun(file);
    sqlite3(file, statement);
    const recorded = () => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      } finally {
        db.close();
      }
    };
    const before = recorded();
    const listed = runCli(['runs', 'list', '--db', file]);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 6, stderr: expect.stringContaining(`the database at ${file} is not all there (${said}`) });
    expect(listed.stderr.split('\n')[0]).toMatch(rowsLostEnd);
    expect(listed.stderr).toContain('hint: put back a copy of the file from before the rows were deleted (a backup of it)');
    expect(recorded()).toEqual(before);
  });
});

/** What an operator types in the sqlite3 shell: a connection of its own to the file, outside Gatehouse. */
function sqlite3(file: string, statement: string): void {
  const db = new Database(file);
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
}

/**
 * The same on SQLite: a table dropped from the file said "no such table" (SQLITE_ERROR), classed as
 * a record's fault: the update failed (exit 4), and on a file missing a table as it opened, every
 * command ended as an unexpected error (exit 1).
 */
describe('a SQLite store whose tables are dropped while in use or before it opens', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-table-dropped-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
  const sqliteNotAllThere = (file: string, said: string) => `the database at ${file} is not all there (${said}): its schema, or a table of it, was dropped outside Gatehouse`;

  it('stops an update as interrupted once its hearings table is dropped after the first checkpoint, blaming no record and offering no resume', async () => {
    const file = path.join(folder, 'running.db');
    const store = await openStore(file);
    try {
      const stopped = await updateDroppingAfterFirstBatch(store, () => sqlite3(file, 'DROP TABLE hearings'));
      expect(runSummarySchema.parse(stopped)).toMatchObject({ status: 'interrupted', batches: { succeeded: 1, failed: 0, isolated: 0 } });
      expect(stopped.error).toContain(sqliteNotAllThere(file, 'no such table: hearings'));
      // Every command refuses the file until the table is put back, the resume too: none is offered.
      expect(stopped.error).toMatch(/nothing was blamed on a record — it cannot be resumed from what is left of the database$/);
      expect(stopped.error).not.toContain('--resume');
      expect(stopped.error!.split('is not all there')).toHaveLength(2);
      expect(stopped.metrics).toMatchObject({ added: 50, quarantined: 0 });
      expect(await store.listQuarantine()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('ends an update whose runs table is dropped after the first checkpoint saying once that the file is not all there, offering no resume', async () => {
    const file = path.join(folder, 'runs-dropped.db');
    // The sqlite3 shell's default: better-sqlite3 turns foreign keys on, which would refuse the drop.
    const store = await openStore(file);
    try {
      const stopped = await updateDroppingAfterFirstBatch(store, () => sqlite3(file, 'PRAGMA foreign_keys = OFF; DROP TABLE runs'));
      expect(stopped.status).toBe('interrupted');
      // The batch's write meets the dropped table through a foreign key, which SQLite names main.runs.
      expect(stopped.error).toContain(`${sqliteNotAllThere(file, 'no such table: main.runs')}; the run's end could not be recorded either (no such table: runs); nothing was blamed on a record — it cannot be resumed from what is left of the database`);
      expect(stopped.error!.split('is not all there')).toHaveLength(2);
      expect(stopped.error).not.toContain('--resume');
    } finally {
      await store.close();
    }
  });

  it('refuses `gatehouse update` and `runs list` on a file missing a table as they open, DB_UNREACHABLE naming the file and the table, creating no run', async () => {
    const file = path.join(folder, 'missing.db');
    await withOneRun(file);
    sqlite3(file, 'DROP TABLE hearings');
    // Both refuse as they open, changing nothing: asked at once.
    const [update, listed] = await Promise.all([startCli(['update', '--db', file, '--source', 'synthetic:seed=2,count=20', '--json']).done, startCli(['runs', 'list', '--db', file]).done]);
    expect({ code: update.code, error: JSON.parse(update.stdout).error.code }).toEqual({ code: 6, error: 'DB_UNREACHABLE' });
    expect(JSON.parse(update.stdout).error.message).toBe(sqliteNotAllThere(file, 'no table hearings'));
    expect(listed.code).toBe(6);
    expect(listed.stderr).toContain(sqliteNotAllThere(file, 'no table hearings'));
    expect(listed.stderr).not.toMatch(/unexpected error|\n\s+at /);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT id, status FROM runs').all()).toEqual([{ id: 1, status: 'success' }]);
    } finally {
      db.close();
    }
  });
});
