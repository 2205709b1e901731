import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { contentHash, runUpdate } from '../../main/engine/index.js';
import type { Db, Store } from '../../main/store/index.js';
import type { NormalizedHearing } from '../../shared/record.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * Witnesses stored before a witness's identity left out the characters that show nothing (migration
 * 029): "Jane Doe\u200B" was a row of its own, keyed "jane doe\u200b", and every hearing listing it
 * held that key in its stored JSON. The upgrade makes them what a fetch now reads.
 */
const HIDDEN = 'Jane Doe\u200B';
const witness = (name: string) => ({ name, organization: 'Lab', position: 'Director' });
/** A witness of a hearing as an older Gatehouse stored it: the normalized name kept every character. */
const listedBefore = (name: string) => ({ ...witness(name), normalizedName: name.toLowerCase() });

async function witnessRows(store: Store): Promise<{ id: number; normalizedName: string; name: string }[]> {
  return store.queries.db.selectFrom('witnesses').select(['id', 'normalizedName', 'name']).orderBy('id').execute();
}

async function appearancesOf(store: Store, eventId: string): Promise<number[]> {
  const rows = await store.queries.db.selectFrom('appearances').select('witnessId').where('eventId', '=', eventId).orderBy('ordinal').execute();
  return rows.map((row) => Number(row.witnessId));
}

async function listedWitnesses(store: Store, eventId: string): Promise<{ name: string; normalizedName: string }[]> {
  const hearing = (await store.loadHearings([eventId])).get(eventId)!;
  return hearing.content.witnesses.map(({ name, normalizedName }) => ({ name, normalizedName }));
}

/** A witness row an older Gatehouse made for `name` in run `runId`, its key holding every character. */
async function olderWitnessRow(db: Db, runId: number, name: string): Promise<number> {
  const row = await db.insertInto('witnesses').values({ normalizedName: name.toLowerCase(), organizationKey: 'lab', name, organization: 'Lab' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('undoJournal').values({ runId, batchSeq: 1, entity: 'witness', entityKey: String(row.id), beforeJson: null, afterHash: null, createdAt: new Date().toISOString() }).execute();
  return Number(row.id);
}

/**
 * Hearing `eventId` as run `runId` of an older Gatehouse wrote it: `listed` (witness, row id) in its
 * JSON, hash and appearances, and the run's journal entry holding that hash.
 */
async function writtenByAnOlderGatehouse(db: Db, runId: number, eventId: string, listed: [ReturnType<typeof listedBefore>, number][]): Promise<void> {
  const row = await db.selectFrom('hearings').select('contentJson').where('eventId', '=', eventId).executeTakeFirstOrThrow();
  const content = JSON.parse(row.contentJson) as NormalizedHearing;
  content.witnesses = listed.map(([entry]) => ({ name: entry.name, normalizedName: entry.normalizedName, organization: entry.organization, position: entry.position }));
  const hash = contentHash(content);
  await db.updateTable('hearings').set({ contentJson: JSON.stringify(content), contentHash: hash }).where('eventId', '=', eventId).execute();
  await db.updateTable('undoJournal').set({ afterHash: hash }).where('runId', '=', runId).where('entity', '=', 'hearing').where('entityKey', '=', eventId).execute();
  await db.deleteFrom('appearances').where('eventId', '=', eventId).execute();
  for (const [i, [entry, witnessId]] of listed.entries()) await db.insertInto('appearances').values({ eventId, witnessId, ordinal: i, position: entry.position }).execute();
}

/** What the upgrade may rewrite: witnesses, the hearings' JSON and hashes, appearances, the undo journal. */
async function witnessTables(store: Store) {
  const db = store.queries.db;
  return {
    witnesses: await db.selectFrom('witnesses').selectAll().orderBy('id').execute(),
    hearings: await db.selectFrom('hearings').select(['eventId', 'contentJson', 'contentHash']).orderBy('eventId').execute(),
    appearances: await db.selectFrom('appearances').selectAll().orderBy('eventId').orderBy('ordinal').execute(),
    journal: await db.selectFrom('undoJournal').select(['id', 'beforeJson', 'afterHash']).orderBy('id').execute(),
  };
}

describe.each(backends)('witnesses stored before names were compared as they show, on upgrade ($name)', (backend) => {
  it('are merged into one witness that each hearing lists once; rollbacks of the runs from before still work', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const db = store.queries.db;
    let kept: number, merged: number;
    try {
      // Run 1 stores Jane Doe; run 2 (an older Gatehouse) adds hearing 2 listing "Jane Doe\u200B", a witness of its own, and hearing 3 listing both.
      await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [witness('Jane Doe')] })]), batchSize: 50 });
      await runUpdate({ store, source: arraySource([hearingRecord(2, { witnesses: [witness(HIDDEN)] }), hearingRecord(3, { witnesses: [witness('Jane Doe'), witness(HIDDEN)] })]), batchSize: 50 });
      [kept] = (await witnessRows(store)).map((row) => row.id) as [number];
      merged = await olderWitnessRow(db, 2, HIDDEN);
      await writtenByAnOlderGatehouse(db, 2, '2', [[listedBefore(HIDDEN), merged]]);
      await writtenByAnOlderGatehouse(db, 2, '3', [[listedBefore('Jane Doe'), kept], [listedBefore(HIDDEN), merged]]);
      // Run 3 (the older Gatehouse too) changes hearings 2 and 3: its before-images name the second witness.
      const third = await runUpdate({
        store,
        source: arraySource([hearingRecord(2, { title: 'changed', witnesses: [witness(HIDDEN)] }), hearingRecord(3, { title: 'changed', witnesses: [witness('Jane Doe'), witness(HIDDEN)] })]),
        batchSize: 50,
      });
      expect(third.metrics).toMatchObject({ updated: 2, quarantined: 0 });
      await writtenByAnOlderGatehouse(db, 3, '2', [[listedBefore(HIDDEN), merged]]);
      await writtenByAnOlderGatehouse(db, 3, '3', [[listedBefore('Jane Doe'), kept], [listedBefore(HIDDEN), merged]]);
      await windSchemaBackTo(db, 29);
    } finally {
      await store.close();
    }

    const upgraded = await backend.open(location);
    try {
      expect(await witnessRows(upgraded)).toEqual([{ id: kept, normalizedName: 'jane doe', name: 'Jane Doe' }]);
      for (const eventId of ['1', '2', '3']) expect(await appearancesOf(upgraded, eventId)).toEqual([kept]);
      expect(await listedWitnesses(upgraded, '2')).toEqual([{ name: HIDDEN, normalizedName: 'jane doe' }]);
      expect(await listedWitnesses(upgraded, '3')).toEqual([{ name: 'Jane Doe', normalizedName: 'jane doe' }]);
      const images = await upgraded.queries.db.selectFrom('undoJournal').select('beforeJson').where('runId', '=', 3).where('entity', '=', 'hearing').execute();
      expect(images).toHaveLength(2);
      for (const { beforeJson } of images) {
        const image = (typeof beforeJson === 'string' ? JSON.parse(beforeJson) : beforeJson) as { appearances: { witness_id: unknown }[] };
        expect(image.appearances.map((appearance) => Number(appearance.witness_id))).toEqual([kept]);
      }

      // Run 3's rollback puts back hearings 2 and 3 listing the witness kept; run 2's removes them and finds its second witness gone.
      const undoThird = await rollback(upgraded, { runId: 3, reason: 'test', operator: 'ann' });
      expect(undoThird.conflicts).toEqual([]);
      for (const eventId of ['2', '3']) expect(await appearancesOf(upgraded, eventId)).toEqual([kept]);
      expect(await listedWitnesses(upgraded, '2')).toEqual([{ name: HIDDEN, normalizedName: 'jane doe' }]);
      expect(await listedWitnesses(upgraded, '3')).toEqual([{ name: 'Jane Doe', normalizedName: 'jane doe' }]);
      const undoSecond = await rollback(upgraded, { runId: 2, reason: 'test', operator: 'ann' });
      expect(undoSecond.conflicts).toEqual([]);
      expect(undoSecond.message).toBe(
        'rolled back run 2: restored 0 hearings to their earlier state, deleted 2 hearings it added, 0 created committee/witness rows deleted, 0 kept (still referenced); run 2 is now rolled_back',
      );
      expect(await upgraded.countHearings()).toBe(1);
      expect(await appearancesOf(upgraded, '1')).toEqual([kept]);
      expect((await witnessRows(upgraded)).map((row) => row.id)).toEqual([kept]);
    } finally {
      await upgraded.close();
    }
  });

  it('leaves nothing to update: a fetch of the same records after the upgrade counts them unchanged', async () => {
    const location = await backend.freshLocation();
    const records = [
      hearingRecord(1, { witnesses: [witness('Jane Doe')] }),
      hearingRecord(2, { witnesses: [witness(HIDDEN)] }),
      hearingRecord(3, { witnesses: [witness(HIDDEN), witness('Jane Doe')] }),
      hearingRecord(4, { witnesses: [witness('Dr. Max\u2060 Moe')] }),
    ];
    const store = await backend.open(location);
    const db = store.queries.db;
    try {
      await runUpdate({ store, source: arraySource(records), batchSize: 50 });
      const [jane, max] = (await witnessRows(store)).map((row) => row.id) as [number, number];
      const hidden = await olderWitnessRow(db, 1, HIDDEN);
      const maxBefore = { ...listedBefore('Dr. Max\u2060 Moe'), normalizedName: 'max\u2060 moe' };
      await db.updateTable('witnesses').set({ normalizedName: maxBefore.normalizedName }).where('id', '=', max).execute();
      await writtenByAnOlderGatehouse(db, 1, '2', [[listedBefore(HIDDEN), hidden]]);
      await writtenByAnOlderGatehouse(db, 1, '3', [[listedBefore(HIDDEN), hidden], [listedBefore('Jane Doe'), jane]]);
      await writtenByAnOlderGatehouse(db, 1, '4', [[maxBefore, max]]);
      await windSchemaBackTo(db, 29);
    } finally {
      await store.close();
    }

    const upgraded = await backend.open(location);
    try {
      expect((await witnessRows(upgraded)).map((row) => row.normalizedName)).toEqual(['jane doe', 'max moe']);
      expect(await listedWitnesses(upgraded, '3')).toEqual([{ name: HIDDEN, normalizedName: 'jane doe' }]);
      const again = await runUpdate({ store: upgraded, source: arraySource(records), batchSize: 50 });
      expect(again.metrics).toMatchObject({ fetched: 4, added: 0, updated: 0, unchanged: 4, quarantined: 0 });
      expect((await witnessRows(upgraded)).map((row) => row.normalizedName)).toEqual(['jane doe', 'max moe']);
      // A real change beside them is still an update.
      const moved = await runUpdate({ store: upgraded, source: arraySource([hearingRecord(2, { meetingStatus: 'Postponed', witnesses: [witness(HIDDEN)] })]), batchSize: 50 });
      expect(moved.metrics).toMatchObject({ fetched: 1, updated: 1 });
    } finally {
      await upgraded.close();
    }
  });

  it('leaves a name that shows nothing, and names that hide nothing, as stored', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const db = store.queries.db;
    let blank: number;
    let asStored: Awaited<ReturnType<typeof witnessTables>>;
    try {
      await runUpdate({
        store,
        source: arraySource([
          hearingRecord(1, { witnesses: [witness('Jane Doe'), witness('Hon. Max Moe Jr.')] }),
          hearingRecord(2, { witnesses: [witness('Jos\u00e9 N\u00fa\u00f1ez'), witness('Jane Doe')] }),
        ]),
        batchSize: 50,
      });
      await runUpdate({ store, source: arraySource([hearingRecord(1, { title: 'changed', witnesses: [witness('Jane Doe'), witness('Hon. Max Moe Jr.')] })]), batchSize: 50 });
      // Before the record rules refused it, a name of one zero-width space was stored as a witness.
      blank = await olderWitnessRow(db, 2, '\u200B');
      await writtenByAnOlderGatehouse(db, 2, '1', [[listedBefore('Jane Doe'), (await witnessRows(store))[0]!.id], [listedBefore('\u200B'), blank]]);
      asStored = await witnessTables(store);
      await windSchemaBackTo(db, 29);
    } finally {
      await store.close();
    }

    const upgraded = await backend.open(location);
    try {
      expect(await witnessTables(upgraded)).toEqual(asStored);
      expect((await witnessRows(upgraded)).map((row) => row.normalizedName)).toEqual(['jane doe', 'max moe', 'jose nunez', '\u200b']);
      const again = await runUpdate({ store: upgraded, source: arraySource([hearingRecord(1, { witnesses: [witness('Jane Doe'), witness('\u200B')] })]), batchSize: 50 });
      expect(again.metrics).toMatchObject({ fetched: 1, quarantined: 1 });
      const quarantined = await upgraded.listQuarantine({ runId: again.runId });
      expect(quarantined.map((entry) => entry.reasons.map((reason) => `${reason.code}: ${reason.message}`))).toEqual([
        ['INCOMPLETE_ENTRY: witnesses[1].name shows nothing (it is only U+200B): no witness can be stored without it, though the entry gives organization "Lab" and position "Director"'],
      ]);
    } finally {
      await upgraded.close();
    }
  });

  it('rewrites nothing in a database whose witness names are all ASCII', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    let asStored: Awaited<ReturnType<typeof witnessTables>>;
    try {
      await runUpdate({
        store,
        source: arraySource([hearingRecord(1, { witnesses: [witness('Jane Doe'), witness('Hon. Max Moe Jr.')] }), hearingRecord(2, { witnesses: [witness('Dr. Jane Doe')] })]),
        batchSize: 50,
      });
      await runUpdate({ store, source: arraySource([hearingRecord(2, { title: 'changed', witnesses: [witness('Ann Lee'), witness('Jane Doe')] })]), batchSize: 50 });
      asStored = await witnessTables(store);
      expect(asStored.witnesses.map((row) => row.normalizedName)).toEqual(['jane doe', 'max moe', 'ann lee']);
      await windSchemaBackTo(store.queries.db, 29);
    } finally {
      await store.close();
    }

    const upgraded = await backend.open(location);
    try {
      expect(await witnessTables(upgraded)).toEqual(asStored);
    } finally {
      await upgraded.close();
    }
  });
});
