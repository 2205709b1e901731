import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { contentHash, runUpdate } from '../../main/engine/index.js';
import type { Db, Store } from '../../main/store/index.js';
import type { NormalizedHearing } from '../../shared/record.js';
import { testBackends, withFreshStore, withStoreAt } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * Migrations 028 and 029 merged two stored witnesses into the one with the lowest id; a hearing that
 * listed both kept that one's appearance, even where it was the record's second entry. Migration 030
 * gives each such hearing the appearances a fetch of its record writes: the first entry's place and position.
 */
const HIDDEN = 'Jane Doe\u200B';
const witness = (name: string, position = 'Director') => ({ name, organization: 'Lab', position });
/** A witness of a hearing as an older Gatehouse stored it: the normalized name kept every character. */
const listedBefore = (name: string, position = 'Director') => ({ ...witness(name, position), normalizedName: name.toLowerCase() });
type Listed = ReturnType<typeof listedBefore>;

interface Appearance {
  name: string;
  ordinal: number;
  position: string | null;
}

async function appearancesOf(store: Store, eventId: string): Promise<Appearance[]> {
  const rows = await store.queries.db
    .selectFrom('appearances')
    .innerJoin('witnesses', 'witnesses.id', 'appearances.witnessId')
    .select(['witnesses.name', 'appearances.ordinal', 'appearances.position'])
    .where('appearances.eventId', '=', eventId)
    .orderBy('appearances.ordinal')
    .execute();
  return rows.map((row) => ({ name: row.name, ordinal: Number(row.ordinal), position: row.position }));
}

async function witnessId(db: Db, name: string): Promise<number> {
  const row = await db.selectFrom('witnesses').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A witness row an older Gatehouse made for `name`, its key holding every character. */
async function olderWitnessRow(db: Db, name: string): Promise<number> {
  const row = await db.insertInto('witnesses').values({ normalizedName: name.toLowerCase(), organizationKey: 'lab', name, organization: 'Lab' }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Hearing `eventId` with `content` as its stored JSON (and hash), and `appearances` as its rows: [entry listed, witness row, ordinal]. */
async function storedAs(db: Db, eventId: string, content: Listed[], appearances: [Listed, number, number][]): Promise<void> {
  const row = await db.selectFrom('hearings').select('contentJson').where('eventId', '=', eventId).executeTakeFirstOrThrow();
  const hearing = JSON.parse(row.contentJson) as NormalizedHearing;
  hearing.witnesses = content.map(({ name, normalizedName, organization, position }) => ({ name, normalizedName, organization, position }));
  await db.updateTable('hearings').set({ contentJson: JSON.stringify(hearing), contentHash: contentHash(hearing) }).where('eventId', '=', eventId).execute();
  await db.deleteFrom('appearances').where('eventId', '=', eventId).execute();
  for (const [entry, id, ordinal] of appearances) await db.insertInto('appearances').values({ eventId, witnessId: id, ordinal, position: entry.position }).execute();
}

describe.each(backends)('appearances merged by migrations 028 and 029, on upgrade ($name)', (backend) => {
  it('a hearing whose first entry was merged into a later one lists its witnesses as a fresh import of the same record does', async () => {
    const records = [hearingRecord(1, { witnesses: [witness('Jane Doe')] }), hearingRecord(2, { witnesses: [witness(HIDDEN), witness('Ann Lee'), witness('Jane Doe')] })];
    const fresh = await withFreshStore(backend, async (store) => {
      await runUpdate({ store, source: arraySource(records), batchSize: 50 });
      return appearancesOf(store, '2');
    });
    expect(fresh).toEqual([
      { name: 'Jane Doe', ordinal: 0, position: 'Director' },
      { name: 'Ann Lee', ordinal: 1, position: 'Director' },
    ]);

    // An older Gatehouse stored "Jane Doe\u200B" as a witness of its own (a higher id than Jane Doe's), first in hearing 2.
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async (store) => {
      const db = store.queries.db;
      await runUpdate({ store, source: arraySource([records[0]!, hearingRecord(2, { witnesses: [witness('Ann Lee')] })]), batchSize: 50 });
      const hidden = await olderWitnessRow(db, HIDDEN);
      const listed = [listedBefore(HIDDEN), listedBefore('Ann Lee'), listedBefore('Jane Doe')];
      await storedAs(db, '2', listed, [[listed[0]!, hidden, 0], [listed[1]!, await witnessId(db, 'Ann Lee'), 1], [listed[2]!, await witnessId(db, 'Jane Doe'), 2]]);
      await windSchemaBackTo(db, 29);
    });

    await withStoreAt(backend, location, async (upgraded) => {
      expect(await appearancesOf(upgraded, '2')).toEqual(fresh);
      const again = await runUpdate({ store: upgraded, source: arraySource(records), batchSize: 50 });
      expect(again.metrics).toMatchObject({ fetched: 2, unchanged: 2, quarantined: 0 });
      expect(await appearancesOf(upgraded, '2')).toEqual(fresh);
    });
  });

  it('the appearance kept takes the position of the entry the stored record keeps', async () => {
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async (store) => {
      const db = store.queries.db;
      await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [witness('Jane Doe')] }), hearingRecord(2, { witnesses: [witness('Ann Lee')] })]), batchSize: 50 });
      const hidden = await olderWitnessRow(db, HIDDEN);
      const listed = [listedBefore(HIDDEN, 'Chair'), listedBefore('Jane Doe', 'Director'), listedBefore('Ann Lee', 'Counsel')];
      await storedAs(db, '2', listed, [[listed[0]!, hidden, 0], [listed[1]!, await witnessId(db, 'Jane Doe'), 1], [listed[2]!, await witnessId(db, 'Ann Lee'), 2]]);
      await windSchemaBackTo(db, 29);
    });

    await withStoreAt(backend, location, async (upgraded) => {
      const hearing = (await upgraded.loadHearings(['2'])).get('2')!;
      expect(hearing.content.witnesses.map(({ name, position }) => ({ name, position }))).toEqual([
        { name: HIDDEN, position: 'Chair' },
        { name: 'Ann Lee', position: 'Counsel' },
      ]);
      expect(await appearancesOf(upgraded, '2')).toEqual([
        { name: 'Jane Doe', ordinal: 0, position: 'Chair' },
        { name: 'Ann Lee', ordinal: 1, position: 'Counsel' },
      ]);
    });
  });

  it('puts right a database migration 029 already moved, and leaves a hearing its stored record cannot place as stored', async () => {
    const location = await backend.freshLocation();
    let leftAlone: Appearance[];
    await withStoreAt(backend, location, async (store) => {
      const db = store.queries.db;
      await runUpdate({
        store,
        source: arraySource([
          hearingRecord(1, { witnesses: [witness('Jane Doe'), witness('Ann Lee'), witness('Max Moe')] }),
          hearingRecord(2, { witnesses: [witness('Ann Lee'), witness('Jane Doe')] }),
          hearingRecord(3, { witnesses: [witness('Ann Lee'), witness('Max Moe')] }),
        ]),
        batchSize: 50,
      });
      const [jane, ann, max] = [await witnessId(db, 'Jane Doe'), await witnessId(db, 'Ann Lee'), await witnessId(db, 'Max Moe')];
      // As 029 left them: hearing 1 listed "Jane Doe\u200B" first and Jane Doe fourth; hearing 2 listed Jane Doe in between, its gap in the middle.
      const first = [listedBefore(HIDDEN, 'Chair'), listedBefore('Ann Lee'), listedBefore('Max Moe')].map((entry, i) => (i === 0 ? { ...entry, normalizedName: 'jane doe' } : entry));
      await storedAs(db, '1', first, [[first[1]!, ann, 1], [first[2]!, max, 2], [listedBefore('Jane Doe'), jane, 3]]);
      const second = [listedBefore('Ann Lee'), listedBefore('Jane Doe')];
      await storedAs(db, '2', second, [[second[0]!, ann, 0], [second[1]!, jane, 2]]);
      // Hearing 3's record names a witness its appearances do not: which is which cannot be told.
      const third = [listedBefore('Ann Lee'), listedBefore('Lee Roy')];
      await storedAs(db, '3', third, [[third[0]!, ann, 1], [listedBefore('Max Moe'), max, 3]]);
      leftAlone = await appearancesOf(store, '3');
      await windSchemaBackTo(db, 30);
    });

    await withStoreAt(backend, location, async (upgraded) => {
      expect(await appearancesOf(upgraded, '1')).toEqual([
        { name: 'Jane Doe', ordinal: 0, position: 'Chair' },
        { name: 'Ann Lee', ordinal: 1, position: 'Director' },
        { name: 'Max Moe', ordinal: 2, position: 'Director' },
      ]);
      expect(await appearancesOf(upgraded, '2')).toEqual([
        { name: 'Ann Lee', ordinal: 0, position: 'Director' },
        { name: 'Jane Doe', ordinal: 1, position: 'Director' },
      ]);
      expect(await appearancesOf(upgraded, '3')).toEqual(leftAlone);
    });
  });

  it('a rollback after the upgrade puts back a hearing its journal kept from before the merge, its witnesses numbered as a fresh import numbers them', async () => {
    const location = await backend.freshLocation();
    let retitled = 0;
    await withStoreAt(backend, location, async (store) => {
      const db = store.queries.db;
      const listedFirst = hearingRecord(2, { witnesses: [witness('Jane Doe'), witness('Ann Lee')] });
      await runUpdate({ store, source: arraySource([listedFirst]), batchSize: 50 });
      retitled = (await runUpdate({ store, source: arraySource([{ ...listedFirst, title: 'Retitled' }]), batchSize: 50 })).runId;
      // As an older Gatehouse journaled hearing 2 before the retitle: "Jane Doe\u200B" a witness of its own, listed between the two.
      const hidden = await olderWitnessRow(db, HIDDEN);
      const entry = await db.selectFrom('undoJournal').select(['id', 'beforeJson']).where('runId', '=', retitled).where('entity', '=', 'hearing').executeTakeFirstOrThrow();
      const image = (typeof entry.beforeJson === 'string' ? JSON.parse(entry.beforeJson) : entry.beforeJson) as { hearing: { content_json: string }; appearances: { witness_id: unknown; ordinal: number }[] };
      const [jane, ann] = image.appearances;
      image.appearances = [jane!, { ...jane!, witness_id: hidden, ordinal: 1 }, { ...ann!, ordinal: 2 }];
      const content = JSON.parse(image.hearing.content_json) as NormalizedHearing;
      content.witnesses = [listedBefore('Jane Doe'), listedBefore(HIDDEN), listedBefore('Ann Lee')];
      image.hearing.content_json = JSON.stringify(content);
      await db.updateTable('undoJournal').set({ beforeJson: JSON.stringify(image) }).where('id', '=', entry.id).execute();
      await windSchemaBackTo(db, 29);
    });

    await withStoreAt(backend, location, async (upgraded) => {
      const undone = await rollback(upgraded, { runId: retitled, reason: 'test', operator: 'ann' });
      expect(undone.conflicts).toEqual([]);
      expect(await appearancesOf(upgraded, '2')).toEqual([
        { name: 'Jane Doe', ordinal: 0, position: 'Director' },
        { name: 'Ann Lee', ordinal: 1, position: 'Director' },
      ]);
    });
  });
});
