import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * What a Gatehouse from before event ids were compared by value left behind: the hearing `from`
 * stored as `to` ("061"), its rows, its stored JSON and its undo journal entries spelled so too —
 * done here on a current database with the store's own foreign keys on, the way the migration undoes it.
 */
async function spellAs(store: Store, from: string, to: string): Promise<void> {
  const db = store.queries.db;
  const row = await db.selectFrom('hearings').selectAll().where('eventId', '=', from).executeTakeFirstOrThrow();
  await db.insertInto('hearings').values({ ...row, eventId: to, contentJson: row.contentJson.replace(`"eventId":"${from}"`, `"eventId":"${to}"`) }).execute();
  for (const table of ['hearingCommittees', 'appearances', 'videos', 'transcripts'] as const) await db.updateTable(table).set({ eventId: to }).where('eventId', '=', from).execute();
  await db.deleteFrom('hearings').where('eventId', '=', from).execute();
  const entries = await db.selectFrom('undoJournal').select(['id', 'beforeJson']).where('entity', '=', 'hearing').where('entityKey', '=', from).execute();
  for (const entry of entries) {
    const image = entry.beforeJson === null ? null : String(entry.beforeJson).replaceAll(`"event_id": "${from}"`, `"event_id": "${to}"`).replaceAll(`"event_id":"${from}"`, `"event_id":"${to}"`).replaceAll(`\\"eventId\\":\\"${from}\\"`, `\\"eventId\\":\\"${to}\\"`);
    await db.updateTable('undoJournal').set({ entityKey: to, beforeJson: image }).where('id', '=', entry.id).execute();
  }
}

/**
 * Run 1 adds 61, 42, 8 ("first"), then 19 ("read first") and 9 ("read second"); run 2 updates 42 and
 * adds 7 ("second") and quarantines a record 5. Then, as an older version would have stored them: 61
 * as "061", 42 as "0042" (both runs' entries), 8 as "07" (beside run 2's "7"), 19 as "09" (beside the
 * "9" the same run read after it), and the quarantined 5 as "005". Written at the schema before 25.
 */
async function databaseWithLeadingZeroIds(backend: TestBackend): Promise<string> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  try {
    const first = [hearingRecord(61), hearingRecord(42), hearingRecord(8, { title: 'first' }), hearingRecord(19, { title: 'read first' }), hearingRecord(9, { title: 'read second' })];
    await runUpdate({ store, source: arraySource(first), batchSize: 50 });
    const second = [hearingRecord(42, { title: 'changed by run 2' }), hearingRecord(7, { title: 'second' }), hearingRecord(5, { title: ' ' })];
    await runUpdate({ store, source: arraySource(second), batchSize: 50 });
    for (const [from, to] of [['61', '061'], ['42', '0042'], ['8', '07'], ['19', '09']]) await spellAs(store, from!, to!);
    await store.queries.db.updateTable('quarantine').set({ eventId: '005' }).where('eventId', '=', '5').execute();
    await windSchemaBackTo(store.queries.db, 25);
  } finally {
    await store.close();
  }
  return location;
}

describe.each(backends)('hearings stored under a leading-zero eventId, after the upgrade ($name)', (backend) => {
  it('are stored under their number; of two spellings the later run\'s (or the first read) stays and the other is set aside; rollbacks of earlier runs still work', async () => {
    const location = await databaseWithLeadingZeroIds(backend);
    const store = await backend.open(location);
    try {
      const titles = async () => Object.fromEntries([...(await store.loadHearings(['61', '42', '7', '9', '061', '0042', '07', '09', '8', '19']))].map(([id, h]) => [id, h.content.title]));
      expect(await titles()).toEqual({ '61': 'Oversight hearing number 61', '42': 'changed by run 2', '7': 'second', '9': 'read first' });
      expect((await store.loadHearings(['9'])).get('9')!.content.eventId).toBe('9');
      const related = await store.queries.db.selectFrom('hearingCommittees').select('eventId').orderBy('eventId').execute();
      expect(related.map((row) => row.eventId)).toEqual(['42', '61', '7', '9']);

      const setAside = (await store.listQuarantine({ runId: 1 })).map((entry) => ({ eventId: entry.eventId, code: entry.reasons[0]!.code, title: (entry.raw as { title: string }).title }));
      expect(setAside).toEqual([
        { eventId: '7', code: 'DUPLICATE_EVENT_ID', title: 'first' },
        { eventId: '9', code: 'DUPLICATE_EVENT_ID', title: 'read second' },
      ]);
      const [laterRun] = await store.listQuarantine({ runId: 1 });
      expect(laterRun!.reasons[0]!.message).toContain('as "07" (run 1) and as "7" (run 2)');
      expect((await store.listQuarantine({ runId: 2 })).map((entry) => entry.eventId)).toEqual(['5']);

      // A new run reading either spelling finds the one hearing, unchanged.
      const again = await runUpdate({ store, source: arraySource([hearingRecord(61, { eventId: '061' }), hearingRecord(19, { eventId: '9', title: 'read first' })]), batchSize: 50 });
      expect(again.metrics).toMatchObject({ fetched: 2, added: 0, unchanged: 2, quarantined: 0 });

      // Run 2's rollback puts 42 back as run 1 wrote it and removes the 7 it added; run 1's then removes what it added.
      const second = await rollback(store, { runId: 2, reason: 'test', operator: 'ann' });
      expect(second.conflicts).toEqual([]);
      expect(await titles()).toEqual({ '61': 'Oversight hearing number 61', '42': 'Oversight hearing number 42', '9': 'read first' });
      const first = await rollback(store, { runId: 1, reason: 'test', operator: 'ann', onConflict: 'skip' });
      expect(await titles()).toEqual({});
      expect(await store.countHearings()).toBe(0);
      expect(first.conflicts.map((conflict) => conflict.eventId).sort()).toEqual(['07 (set aside by the upgrade to schema 25)', '9 (set aside by the upgrade to schema 25)']);
    } finally {
      await store.close();
    }
  });

  it('leaves a database with no leading-zero eventId as it was', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource([hearingRecord(10), hearingRecord(100)]), batchSize: 50 });
      await windSchemaBackTo(store.queries.db, 25);
    } finally {
      await store.close();
    }
    const reopened = await backend.open(location);
    try {
      expect([...(await reopened.loadHearings(['10', '100']))].map(([id]) => id)).toEqual(['10', '100']);
      expect(await reopened.listQuarantine()).toEqual([]);
    } finally {
      await reopened.close();
    }
  });
});
