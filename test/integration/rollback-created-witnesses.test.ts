import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshotOnRequest, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { withReader } from '../helpers/domain-rows.js';
import { connectToPostgres } from '../helpers/postgres.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

const witness = (name: string) => ({ name, organization: 'Institute of Things', position: 'Director' });

/**
 * Migration 006 dropped the witness index on appearances; rollback reads the appearances once for
 * every witness it created, and must still keep the ones a later run names and delete the rest.
 */
describe.each(testBackends())('rolling back the witnesses a run created, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  /** The indexes on appearances besides its primary key: none, since migration 006. */
  const appearanceIndexes = (location: string) =>
    withReader(location, (query) =>
      backend.name === 'sqlite'
        ? query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appearances' AND sql IS NOT NULL")
        : query("SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'appearances' AND indexname NOT LIKE '%pkey'"),
    );

  it('deletes the witnesses only the rolled-back run named and keeps the one a later run also names', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const first = await runUpdate({
        store,
        source: arraySource([
          hearingRecord(1, { witnesses: [witness('Ann Shared'), witness('Bob Only')] }),
          hearingRecord(2, { witnesses: [witness('Cy Only')] }),
        ]),
      });
      await runUpdate({ store, source: arraySource([hearingRecord(3, { witnesses: [witness('Ann Shared')] })]) });
      const report = await rollback(store, { runId: first.runId, reason: 'bad feed', operator: 'support-ann' });
      // Kept: Ann Shared, and the committee hearing 3 also names.
      expect(report.counts).toMatchObject({ deleted: 2, createdRowsKept: 2 });
      expect(report.createdRows.filter((row) => row.entity === 'witness').map((row) => row.outcome).sort()).toEqual(['deleted', 'deleted', 'kept']);
    } finally {
      await store.close();
    }
    const names = await withReader(location, (query) => query('SELECT name FROM witnesses ORDER BY name'));
    expect(names.map((row) => row.name)).toEqual(['Ann Shared']);
    const indexes = await withReader(location, (query) =>
      backend.name === 'sqlite'
        ? query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'appearances_by_witness'")
        : query("SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'appearances_by_witness'"),
    );
    expect(indexes).toEqual([]);
  });

  it('a rollback deleting hundreds of created witnesses (the index it builds for its own transaction) keeps the shared ones and leaves no index behind, previewed or done', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const own = (i: number) => witness(`Only ${i}`);
    try {
      const first = await runUpdate({ store, source: arraySource(Array.from({ length: 150 }, (_, i) => hearingRecord(i + 1, { witnesses: [own(i), witness(`Shared ${i % 10}`)] }))) });
      await runUpdate({ store, source: arraySource(Array.from({ length: 10 }, (_, i) => hearingRecord(1_000 + i, { witnesses: [witness(`Shared ${i}`)] }))) });
      const preview = await rollback(store, { runId: first.runId, dryRun: true });
      expect(preview.counts).toMatchObject({ deleted: 150, createdRowsDeleted: 150, createdRowsKept: 10 + 1 });
      const report = await rollback(store, { runId: first.runId, reason: 'bad feed', operator: 'support-ann' });
      expect(report.counts).toEqual(preview.counts);
    } finally {
      await store.close();
    }
    const names = await withReader(location, (query) => query('SELECT name FROM witnesses ORDER BY name'));
    expect(names.map((row) => row.name)).toEqual(Array.from({ length: 10 }, (_, i) => `Shared ${i}`));
    expect(await appearanceIndexes(location)).toEqual([]);
  });

  // PostgreSQL only: there a preview takes no writer lock, so an update's batches write beside it; a SQLite preview holds the database's one write transaction.
  it.runIf(backend.name === 'postgres')('a preview over hundreds of created witnesses does not wait for an update\'s batch writing appearances, and says what the rollback then does', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const schema = new URL(location).searchParams.get('schema')!;
    const batch = await connectToPostgres();
    try {
      const first = await runUpdate({ store, source: arraySource(Array.from({ length: 150 }, (_, i) => hearingRecord(i + 1, { witnesses: [witness(`Only ${i}`), witness(`Shared ${i % 10}`)] }))) });
      await runUpdate({ store, source: arraySource(Array.from({ length: 10 }, (_, i) => hearingRecord(1_000 + i, { witnesses: [witness(`Shared ${i}`)] }))) });
      // An update's batch part-way: its transaction has written appearances and not yet committed.
      await batch.query('BEGIN');
      await batch.query(`LOCK TABLE "${schema}".appearances IN ROW EXCLUSIVE MODE`);
      let previewed = false;
      const preview = rollback(store, { runId: first.runId, dryRun: true }).finally(() => (previewed = true));
      const waitingForTheBatch = async () => {
        const { rows } = await batch.query("SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT l.granted AND n.nspname = $1 AND c.relname = 'appearances'", [schema]);
        return rows.length > 0;
      };
      const state = async () => (previewed ? 'previewed' : (await waitingForTheBatch()) ? 'waits for the batch' : null);
      await expect.poll(state, { timeout: 30_000 }).not.toBeNull();
      expect(await state()).toBe('previewed');
      await batch.query('COMMIT');
      const report = await rollback(store, { runId: first.runId, reason: 'bad feed', operator: 'support-ann' });
      expect(report.createdRows).toEqual((await preview).createdRows);
      expect(report.counts).toEqual((await preview).counts);
    } finally {
      await batch.query('ROLLBACK').catch(() => undefined);
      await batch.end();
      await store.close();
    }
  }, 60_000);

  it('a restore over hundreds of witnesses (the index it builds for its own transaction on PostgreSQL) puts back exactly the snapshot\'s, and leaves no index behind', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource(Array.from({ length: 100 }, (_, i) => hearingRecord(i + 1, { witnesses: [witness(`Before ${i}`)] }))) });
      const snapshot = await createSnapshotOnRequest(store);
      await runUpdate({ store, source: arraySource(Array.from({ length: 100 }, (_, i) => hearingRecord(1_000 + i, { witnesses: [witness(`After ${i}`), witness(`Before ${i}`)] }))) });
      const restored = await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'bad day', operator: 'support-ann' });
      expect(restored).toMatchObject({ hearingsBefore: 200, hearingsAfter: 100 });
    } finally {
      await store.close();
    }
    const rows = await withReader(location, (query) => query('SELECT a.event_id, w.name FROM appearances a JOIN witnesses w ON w.id = a.witness_id ORDER BY w.name'));
    expect(rows.map((row) => row.name)).toEqual(Array.from({ length: 100 }, (_, i) => `Before ${i}`).sort());
    expect(await appearanceIndexes(location)).toEqual([]);
  });

  it('in the same process, a run after a rollback creates again the committee and witness the rollback deleted', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const record = (id: number) => hearingRecord(id, { committees: [{ systemCode: 'ssju00', name: 'Judiciary' }], witnesses: [witness('Dee Once')] });
      const first = await runUpdate({ store, source: arraySource([record(1)]) });
      await rollback(store, { runId: first.runId });
      const second = await runUpdate({ store, source: arraySource([record(2)]) });
      expect(second).toMatchObject({ status: 'success', metrics: { added: 1, quarantined: 0 } });
    } finally {
      await store.close();
    }
    const rows = await withReader(location, (query) => query('SELECT a.event_id, w.name FROM appearances a JOIN witnesses w ON w.id = a.witness_id'));
    expect(rows.map((row) => [row.event_id, row.name])).toEqual([['2', 'Dee Once']]);
  });
  it('puts back the witness a later run dropped, not whichever witness took its id after a skip deleted it', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const first = await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [witness('Wanda West')] })]) });
      const second = await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [] })]) });
      await rollback(store, { runId: first.runId, onConflict: 'skip' });
      await runUpdate({ store, source: arraySource([hearingRecord(2, { witnesses: [witness('Victor Vale')] })]) });
      expect((await rollback(store, { runId: second.runId })).counts.restored).toBe(1);
    } finally {
      await store.close();
    }
    const rows = await withReader(location, (query) => query('SELECT a.event_id, w.name FROM appearances a JOIN witnesses w ON w.id = a.witness_id ORDER BY a.event_id'));
    expect(rows.map((row) => [row.event_id, row.name])).toEqual([['1', 'Wanda West'], ['2', 'Victor Vale']]);
  });

  describe('when a later run dropped the witness and committee an earlier run created', () => {
    const named = hearingRecord(1, { committees: [{ systemCode: 'ssju00', name: 'Judiciary' }], witnesses: [witness('Wanda West')] });
    const dropped = hearingRecord(1, { committees: [{ systemCode: 'hsif00', name: 'Energy and Commerce Committee' }], witnesses: [] });
    /** Hearing 1's committees and witnesses, by name, as a checker reads them. */
    const relatedOf = (location: string) =>
      withReader(location, async (query) => ({
        committees: (await query("SELECT system_code FROM hearing_committees WHERE event_id = '1' ORDER BY ordinal")).map((row) => row.system_code),
        witnesses: (await query("SELECT w.name FROM appearances a JOIN witnesses w ON w.id = a.witness_id WHERE a.event_id = '1' ORDER BY a.ordinal")).map((row) => row.name),
      }));

    it.each(['skip', 'force'] as const)(
      'rolling back the earlier run with %s keeps them while the later run can still be undone, which then puts hearing 1 back whole',
      async (policy) => {
        const location = await backend.freshLocation();
        const store = await backend.open(location);
        try {
          const first = await runUpdate({ store, source: arraySource([named]) });
          const second = await runUpdate({ store, source: arraySource([dropped]) });
          expect(second.metrics.updated).toBe(1);
          // Hearing 1 conflicts (run 2 changed it): skip leaves it as run 2 wrote it, force deletes it.
          const earlier = await rollback(store, { runId: first.runId, onConflict: policy });
          const createdRows = earlier.createdRows.map((row) => [row.entity, row.outcome]).sort();
          // A new witness and committee after the rollback: on SQLite a freed witness id would be given again.
          await runUpdate({ store, source: arraySource([hearingRecord(2, { committees: [{ systemCode: 'sshr00', name: 'HELP' }], witnesses: [witness('Victor Vale')] })]) });
          const later = await rollback(store, { runId: second.runId, onConflict: policy === 'force' ? 'force' : 'refuse' });
          expect(later.counts.restored).toBe(1);
          // Kept: a before-image a rollback can still put back names them.
          expect(createdRows).toEqual([['committee', 'kept'], ['witness', 'kept']]);
        } finally {
          await store.close();
        }
        expect(await relatedOf(location)).toEqual({ committees: ['ssju00'], witnesses: ['Wanda West'] });
      },
    );
  });

  describe('when an earlier rollback kept a created witness and committee because a hearing still used them', () => {
    const newCommittee = { systemCode: 'hsxx00', name: 'Select Committee on Things' };
    const usingThem = (eventId: number) => hearingRecord(eventId, { committees: [newCommittee], witnesses: [witness('Wanda New')] });
    const createdRowsLeft = (location: string) =>
      withReader(location, async (query) => ({
        committees: (await query("SELECT system_code FROM committees WHERE system_code = 'hsxx00'")).map((row) => row.system_code),
        witnesses: (await query("SELECT name FROM witnesses WHERE name = 'Wanda New'")).map((row) => row.name),
      }));

    it('rolling back the rest of the run deletes them once its last hearing using them is undone (batch 1 first, then the run), previewed alike', async () => {
      const location = await backend.freshLocation();
      const store = await backend.open(location);
      try {
        const run = await runUpdate({ store, source: arraySource([usingThem(1), usingThem(2)]), batchSize: 1, flags: { ADAPTIVE_BATCHES: false } });
        expect(run.batches.total).toBe(2);
        const firstBatch = await rollback(store, { runId: run.runId, batchSeq: 1, reason: 'bad first batch', operator: 'support-ann' });
        // Hearing 2 (batch 2) still names them.
        expect(firstBatch.counts).toMatchObject({ deleted: 1, createdRowsDeleted: 0, createdRowsKept: 2 });
        const preview = await rollback(store, { runId: run.runId, dryRun: true });
        const whole = await rollback(store, { runId: run.runId, reason: 'the whole run after all', operator: 'support-ann' });
        expect(whole.counts).toMatchObject({ deleted: 1, createdRowsDeleted: 2, createdRowsKept: 0 });
        expect(preview.counts).toEqual(whole.counts);
        expect(whole.createdRows.map((row) => [row.entity, row.outcome]).sort()).toEqual([['committee', 'deleted'], ['witness', 'deleted']]);
      } finally {
        await store.close();
      }
      // The run wrote nothing that is left: a database that had none of its rows has none again.
      expect(await createdRowsLeft(location)).toEqual({ committees: [], witnesses: [] });
    });

    it('rolling back the later run that also named them deletes them, and keeps them while another hearing still does', async () => {
      const location = await backend.freshLocation();
      const store = await backend.open(location);
      try {
        const first = await runUpdate({ store, source: arraySource([usingThem(1)]) });
        const second = await runUpdate({ store, source: arraySource([usingThem(2)]) });
        const third = await runUpdate({ store, source: arraySource([usingThem(3)]) });
        expect((await rollback(store, { runId: first.runId, reason: 'bad feed', operator: 'support-ann' })).counts).toMatchObject({ createdRowsKept: 2 });
        // Hearing 3 (run 3) still names them: kept, and not this rollback's to report.
        const secondRollback = await rollback(store, { runId: second.runId, reason: 'bad feed too', operator: 'support-ann' });
        expect(secondRollback.createdRows).toEqual([]);
        expect(await createdRowsLeft(location)).toEqual({ committees: ['hsxx00'], witnesses: ['Wanda New'] });
        const thirdRollback = await rollback(store, { runId: third.runId, reason: 'and the last one', operator: 'support-ann' });
        expect(thirdRollback.counts).toMatchObject({ deleted: 1, createdRowsDeleted: 2 });
      } finally {
        await store.close();
      }
      expect(await createdRowsLeft(location)).toEqual({ committees: [], witnesses: [] });
    });
  });
});
