import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { withReader } from '../helpers/domain-rows.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

const witness = (name: string) => ({ name, organization: 'Institute of Things', position: 'Director' });

/**
 * Migration 006 dropped the witness index on appearances; rollback reads the appearances once for
 * every witness it created, and must still keep the ones a later run names and delete the rest.
 */
describe.each(testBackends())('rolling back the witnesses a run created, on $name', (backend) => {
  afterAll(() => backend.cleanup());

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
});
