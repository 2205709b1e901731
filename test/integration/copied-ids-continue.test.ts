import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { beginAttempt, createSnapshot, restoreSnapshot } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { setFlag } from '../../main/flags/index.js';
import { copyToStaging, type Store } from '../../main/store/index.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

/**
 * Rows a staging copy or a restore brings back keep their ids; the next row of each table follows
 * them, and the first row of a table that came back empty is 1 — on PostgreSQL as on SQLite.
 */
describe.each(testBackends())('ids after rows are copied in ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  const trial = { session: 's1', at: '2026-01-05T10:00:00.000Z', source: 'test', label: 'spike:4', kind: 'spike', level: 'run' as const, magnitude: 4, runId: 2, caught: true, caughtBy: [], verdict: null, detail: null };
  const flagEventIds = async (store: Store) => (await sql<{ id: number }>`SELECT id FROM flag_events ORDER BY id`.execute(store.queries.db)).rows.map((row) => Number(row.id));

  it('a staging copy numbers its first trial and writer attempt 1, and its next flag event after the copied ones', async () => {
    const source = await backend.freshLocation();
    const staging = await backend.freshLocation();
    const store = await backend.open(source);
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(3)) });
      await setFlag(store, { flag: 'BATCH_SIZE', scope: 'global', value: 25, reason: 'smaller pages', operator: 'ada' });
      await setFlag(store, { flag: 'BATCH_SIZE', scope: 'global', value: 30, reason: 'a little larger', operator: 'ada' });
      await copyToStaging(source, staging, (location) => backend.open(location));
    } finally {
      await store.close();
    }
    const copy = await backend.open(staging);
    try {
      expect((await copy.trials.record(trial)).id).toBe(1);
      expect(await beginAttempt(copy, { operation: 'a trial session of 1 trial', operator: 'ada', at: new Date() })).toBe(1);
      await setFlag(copy, { flag: 'BATCH_SIZE', scope: 'global', value: 40, reason: 'staging', operator: 'ada' });
      expect(await flagEventIds(copy)).toEqual([1, 2, 3]);
    } finally {
      await copy.close();
    }
  });

  it('a restore of a snapshot with no quarantine numbers the next quarantined record 1', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(3)) });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'back to the snapshot', operator: 'dee' });
      await runUpdate({ store, source: arraySource([hearingRecord(200001, { chamber: 'Moon' })]) });
      const quarantined = await sql<{ id: number }>`SELECT id FROM quarantine`.execute(store.queries.db);
      expect(quarantined.rows.map((row) => Number(row.id))).toEqual([1]);
    } finally {
      await store.close();
    }
  });
  it('a restore keeps the quarantine ids it took away from being given again', async () => {
    const store = await backend.open(await backend.freshLocation());
    const moon = (n: number) => hearingRecord(n, { chamber: 'Moon' });
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(3)) });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await runUpdate({ store, source: arraySource([moon(200001), moon(200002)]) });
      expect((await store.listQuarantine({})).map((entry) => entry.id)).toEqual([1, 2]);
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'the Moon feed was a test', operator: 'dee' });
      await runUpdate({ store, source: arraySource([moon(200003), moon(200004)]) });
      expect((await store.listQuarantine({})).map((entry) => [entry.id, entry.eventId])).toEqual([[3, '200003'], [4, '200004']]);
    } finally {
      await store.close();
    }
  });
});
