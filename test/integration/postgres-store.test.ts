import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createSnapshot, restoreSnapshot, undoJournal } from '../../main/backup/index.js';
import { contentHash, runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { openStore, type PlannedChange, type Store } from '../../main/store/index.js';
import { DIALECTS, MIGRATIONS } from '../../main/store/migrations/index.js';
import { applyRecordRules } from '../../main/validation/index.js';
import { GatehouseError } from '../../shared/errors.js';
import { sqliteBackend } from '../helpers/backends.js';
import { withReader } from '../helpers/domain-rows.js';
import { dropSchemas, PG_URL, postgresReachable, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const postgresDown = (await postgresReachable()) !== null;
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

function withUrl(change: (url: URL) => void): string {
  const url = new URL(PG_URL);
  change(url);
  return url.toString();
}

describe.skipIf(postgresDown)('a PostgreSQL store', () => {
  it('opens a schema an earlier Gatehouse left at version 4, keeps its audit and restores past it', async () => {
    const schema = uniqueSchema('gh_legacy');
    schemas.push(schema);
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
      await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)');
      for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
        await client.query(migration.sql(DIALECTS.postgres));
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, now())', [migration.version, migration.name]);
      }
      await client.query(`INSERT INTO runs (id, status, mode, batch_size, source, started_at, metrics_json, batch_counts_json)
        VALUES (1, 'rolled_back', 'batch', 50, 'file:old.json', '2026-01-01T00:00:00Z', '{}', '{}')`);
      await client.query(`INSERT INTO rollback_events (run_id, operator, at, reason, on_conflict, restored, deleted, skipped, forced,
        created_rows_deleted, created_rows_kept, run_rolled_back) VALUES (1, 'ann', now(), 'old feed', 'refuse', 0, 3, 0, 0, 0, 0, true)`);
    } finally {
      await client.end();
    }
    const store = await openStore(urlWithSchema(schema));
    try {
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      const second = await runUpdate({ store, source: await openSource('synthetic:seed=4,count=20') });
      expect(second.runId).toBe(2);
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'before run 2' });
      expect((await store.listRuns()).map((run) => run.runId)).toEqual([1]);
      expect(await undoJournal(store).listEvents()).toEqual([expect.objectContaining({ runId: 1, reason: 'old feed', runRolledBack: true })]);
      expect((await runUpdate({ store, source: await openSource('synthetic:seed=4,count=5') })).runId).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('writes a 250-hearing batch in statements of at most 100 hearings, journaling and numbering witnesses as SQLite does', async () => {
    // Witnesses first named in the first two parts are named again in the last; a committee first appears in the third.
    const records = hearingRecords(250, 100000, (i) => ({
      committees: [{ systemCode: i < 220 ? 'hsif00' : 'hsif14', name: 'Energy' }],
      witnesses: [{ name: `Witness ${i % 130}`, organization: 'Institute' }, { name: `Witness ${(i * 7) % 150}`, organization: 'Institute' }],
    }));
    const changes = records.map((raw, position): PlannedChange => {
      const outcome = applyRecordRules(raw, { isKnownCommittee: () => true });
      if (!outcome.ok) throw new Error('the test record must pass the record rules');
      return { kind: 'added', hearing: outcome.hearing, contentHash: contentHash(outcome.hearing), position, raw, diff: [] };
    });
    const writeBatch = async (store: Store) => {
      const runId = await store.createRun({ mode: 'batch', batchSize: 250, task: null, source: 'crafted', startedAt: new Date().toISOString(), pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
      return store.transaction((tx) => tx.writeHearings(runId, 1, changes));
    };
    const written = (location: string) =>
      withReader(location, async (query) => ({
        journal: (await query('SELECT entity, entity_key, after_hash FROM undo_journal ORDER BY id')).map((row) => Object.values(row).map(String)),
        witnesses: (await query('SELECT id, normalized_name FROM witnesses ORDER BY id')).map((row) => Object.values(row).map(String)),
      }));

    const sqlite = sqliteBackend();
    const sqliteLocation = await sqlite.freshLocation();
    const sqliteStore = await sqlite.open(sqliteLocation);
    const sqliteWrote = await writeBatch(sqliteStore).finally(() => sqliteStore.close());
    const schema = uniqueSchema('gh_statements');
    schemas.push(schema);
    const store = await openStore(urlWithSchema(schema));
    const sent = vi.spyOn(pg.Client.prototype, 'query');
    try {
      expect(await writeBatch(store)).toEqual(sqliteWrote);
      const hearingStatements = sent.mock.calls.flatMap(([config]) => {
        const { text, values } = config as unknown as { text?: string; values?: unknown[][] };
        return text?.includes('h AS (INSERT INTO hearings') ? [values![0]!.length] : [];
      });
      expect(hearingStatements).toEqual([100, 100, 50]);
    } finally {
      sent.mockRestore();
      await store.close();
    }
    expect(await written(urlWithSchema(schema))).toEqual(await written(sqliteLocation));
    await sqlite.cleanup();
  });

  it('isolates refused records leaving the witnesses and journal SQLite leaves: none created for a refused record alone, a shared one created once, an existing one found', async () => {
    const refused = ['300000', '300003', '300033'];
    const options = { failWriteOf: (eventId: string) => refused.includes(eventId) };
    const witnesses = (i: number) => [{ name: `Shared ${i % 7}`, organization: 'Institute' }, { name: `Own ${i}`, organization: 'Lab' }];
    const update = async (store: Store) => {
      await runUpdate({ store, source: arraySource(hearingRecords(3, 200000, () => ({ witnesses: [{ name: 'Shared 1', organization: 'Institute' }] }))) });
      const summary = await runUpdate({ store, source: arraySource(hearingRecords(60, 300000, (i) => ({ witnesses: witnesses(i) }))), batchSize: 60 });
      expect(summary.metrics).toMatchObject({ added: 57, quarantined: 3 });
      expect((await store.listQuarantine({ runId: summary.runId })).map((entry) => entry.eventId)).toEqual(refused);
    };
    // By name, not id: a PostgreSQL sequence keeps the ids that failed tries drew, SQLite draws them again.
    const written = (location: string) =>
      withReader(location, async (query) => ({
        journal: (
          await query(`SELECT j.run_id, j.entity, coalesce(w.normalized_name, j.entity_key) AS entity_key FROM undo_journal j
            LEFT JOIN witnesses w ON j.entity = 'witness' AND CAST(w.id AS text) = j.entity_key ORDER BY j.id`)
        ).map((row) => Object.values(row).map(String)),
        witnesses: (await query('SELECT normalized_name FROM witnesses ORDER BY id')).map((row) => String(row.normalized_name)),
      }));
    const sqlite = sqliteBackend();
    const sqliteLocation = await sqlite.freshLocation();
    const sqliteStore = await sqlite.open(sqliteLocation, options);
    await update(sqliteStore).finally(() => sqliteStore.close());
    const schema = uniqueSchema('gh_isolated_witnesses');
    schemas.push(schema);
    const store = await openStore(urlWithSchema(schema), options);
    await update(store).finally(() => store.close());
    const stored = await written(urlWithSchema(schema));
    expect(stored).toEqual(await written(sqliteLocation));
    const names = stored.witnesses;
    expect(names.filter((name) => name.startsWith('shared'))).toHaveLength(7);
    expect(names).not.toContain('own 3');
    expect(names).toContain('own 4');
    expect(stored.journal.filter(([, entity]) => entity === 'witness')).toHaveLength(names.length);
    await sqlite.cleanup();
  });

  it.each([
    ['nothing listens on the port', withUrl((url) => (url.port = '1')), /connection refused/],
    ['the role does not exist', withUrl((url) => ((url.username = 'nobody_here'), (url.password = 'hunter2'))), /authentication failed \(.*nobody_here/],
    ['the database does not exist', withUrl((url) => ((url.password = 'hunter2'), (url.pathname = '/no_such_database'))), /no such database \(.*no_such_database/],
  ])('says why it cannot connect when %s, with the password hidden', async (_why, url, reason) => {
    const error = await openStore(url).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GatehouseError);
    expect((error as GatehouseError).code).toBe('DB_UNREACHABLE');
    expect((error as GatehouseError).message).toMatch(/^cannot reach PostgreSQL at postgres:\/\//);
    expect((error as GatehouseError).message).toMatch(reason);
    expect((error as GatehouseError).message).not.toContain('hunter2');
  });
});
