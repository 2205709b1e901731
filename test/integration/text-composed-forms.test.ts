import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { contentHash, runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { NormalizedHearing } from '../../shared/record.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { startFakeCongress, updateFromFakeCongress } from '../helpers/congress-server.js';
import { arraySource, hearingRecord } from '../helpers/records.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/** The same text twice: "ä" and "ü" precomposed (NFC), and as a letter followed by a combining diaeresis (NFD). */
const COMPOSED = 'Universit\u00e4t M\u00fcnchen';
const DECOMPOSED = 'Universita\u0308t Mu\u0308nchen';
const witness = (organization: string, name = 'Dr. Jane Roe') => ({ name, organization, position: 'Director' });

async function witnessRows(store: Store): Promise<{ id: number; organizationKey: string }[]> {
  return store.queries.db.selectFrom('witnesses').select(['id', 'organizationKey']).orderBy('id').execute();
}

async function appearancesOf(store: Store, eventId: string): Promise<number[]> {
  const rows = await store.queries.db.selectFrom('appearances').select('witnessId').where('eventId', '=', eventId).orderBy('witnessId').execute();
  return rows.map((row) => Number(row.witnessId));
}

describe.each(backends)('text written precomposed and decomposed ($name)', (backend) => {
  it('names one witness: across runs, within one record, whichever form came first', async () => {
    expect(DECOMPOSED).not.toBe(COMPOSED);
    const store = await backend.open(await backend.freshLocation());
    try {
      await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [witness(COMPOSED)] })]), batchSize: 50 });
      const second = await runUpdate({
        store,
        source: arraySource([
          hearingRecord(2, { witnesses: [witness(DECOMPOSED)] }),
          hearingRecord(3, { witnesses: [witness(COMPOSED), witness(DECOMPOSED.toUpperCase())] }),
        ]),
        batchSize: 50,
      });
      expect(second.status).toBe('success');
      const rows = await witnessRows(store);
      expect(rows).toEqual([{ id: rows[0]!.id, organizationKey: COMPOSED.toLowerCase() }]);
      for (const eventId of ['1', '2', '3']) expect(await appearancesOf(store, eventId)).toEqual([rows[0]!.id]);
      expect((await store.loadHearings(['3'])).get('3')!.content.witnesses).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('is no change to a hearing: read again decomposed it is unchanged, and a real change beside it is still an update', async () => {
    const store = await backend.open(await backend.freshLocation());
    const record = (form: (text: string) => string, overrides: Record<string, unknown> = {}) =>
      hearingRecord(5, {
        title: form('Anh\u00f6rung \u00fcber M\u00fcnchen'),
        committees: [{ systemCode: 'hsif00', name: form('Energie und Handel (\u00c9nergie)') }],
        witnesses: [witness(form(COMPOSED))],
        ...overrides,
      });
    const decompose = (text: string) => text.normalize('NFD');
    try {
      await runUpdate({ store, source: arraySource([record((text) => text)]), batchSize: 50 });
      const again = await runUpdate({ store, source: arraySource([record(decompose)]), batchSize: 50 });
      expect(again.metrics).toMatchObject({ fetched: 1, added: 0, updated: 0, unchanged: 1 });
      const moved = await runUpdate({ store, source: arraySource([record(decompose, { meetingStatus: 'Postponed' })]), batchSize: 50 });
      expect(moved.metrics).toMatchObject({ fetched: 1, updated: 1 });
      expect((await store.loadHearings(['5'])).get('5')!.content.meetingStatus).toBe('Postponed');
    } finally {
      await store.close();
    }
  });

  it('in witnesses stored twice by an earlier Gatehouse, is merged by the upgrade; rollbacks of the runs from before it still work', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const db = store.queries.db;
    let kept: number, merged: number, alone: number;
    try {
      // Run 1 stores witness Roe (composed); run 2 adds hearing 2 (decomposed) and 3 (both forms), and Moe (decomposed).
      await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [witness(COMPOSED)] })]), batchSize: 50 });
      await runUpdate({
        store,
        source: arraySource([
          hearingRecord(2, { witnesses: [witness(DECOMPOSED)] }),
          hearingRecord(3, { witnesses: [witness(COMPOSED), witness(DECOMPOSED)] }),
          hearingRecord(4, { witnesses: [witness(DECOMPOSED, 'Max Moe')] }),
        ]),
        batchSize: 50,
      });
      // As an earlier Gatehouse left it: run 2 created a second Roe under the decomposed key, which hearings 2 and 3
      // list, and keyed Moe decomposed.
      [kept, alone] = (await witnessRows(store)).map((row) => row.id) as [number, number];
      const inserted = await db
        .insertInto('witnesses')
        .values({ normalizedName: 'jane roe', organizationKey: DECOMPOSED.toLowerCase(), name: 'Jane Roe', organization: DECOMPOSED })
        .returning('id')
        .executeTakeFirstOrThrow();
      merged = Number(inserted.id);
      await db.updateTable('appearances').set({ witnessId: merged }).where('eventId', '=', '2').execute();
      await db.insertInto('appearances').values({ eventId: '3', witnessId: merged, ordinal: 1, position: 'Director' }).execute();
      await db.insertInto('undoJournal').values({ runId: 2, batchSeq: 1, entity: 'witness', entityKey: String(merged), beforeJson: null, afterHash: null, createdAt: new Date().toISOString() }).execute();
      await db.updateTable('witnesses').set({ organizationKey: DECOMPOSED.toLowerCase() }).where('id', '=', alone).execute();
      // Run 3 changes hearings 2 and 3: their before-images name the second Roe.
      const third = await runUpdate({
        store,
        source: arraySource([hearingRecord(2, { title: 'changed', witnesses: [witness(DECOMPOSED)] }), hearingRecord(3, { title: 'changed', witnesses: [witness(COMPOSED)] })]),
        batchSize: 50,
      });
      expect(third.metrics).toMatchObject({ updated: 2, quarantined: 0 });
      await windSchemaBackTo(db, 28);
    } finally {
      await store.close();
    }

    const upgraded = await backend.open(location);
    try {
      expect(await witnessRows(upgraded)).toEqual([
        { id: kept, organizationKey: COMPOSED.toLowerCase() },
        { id: alone, organizationKey: COMPOSED.toLowerCase() },
      ]);
      const images = await upgraded.queries.db.selectFrom('undoJournal').select('beforeJson').where('runId', '=', 3).where('entity', '=', 'hearing').execute();
      for (const { beforeJson } of images) {
        const image = (typeof beforeJson === 'string' ? JSON.parse(beforeJson) : beforeJson) as { appearances: { witness_id: unknown }[] };
        expect(image.appearances.map((appearance) => Number(appearance.witness_id))).toEqual([kept]);
      }

      // Moe read composed is the witness stored decomposed: nothing new.
      const again = await runUpdate({ store: upgraded, source: arraySource([hearingRecord(4, { witnesses: [witness(COMPOSED, 'Max Moe')] })]), batchSize: 50 });
      expect(again.status).toBe('success');
      expect((await witnessRows(upgraded)).map((row) => row.id)).toEqual([kept, alone]);
      await rollback(upgraded, { runId: 4, reason: 'test', operator: 'ann' });

      // Run 3's rollback puts back hearings 2 and 3 listing the Roe kept; run 2's removes them and finds its second Roe gone.
      const undoThird = await rollback(upgraded, { runId: 3, reason: 'test', operator: 'ann' });
      expect(undoThird.conflicts).toEqual([]);
      for (const eventId of ['2', '3']) expect(await appearancesOf(upgraded, eventId)).toEqual([kept]);
      const undoSecond = await rollback(upgraded, { runId: 2, reason: 'test', operator: 'ann' });
      expect(undoSecond.conflicts).toEqual([]);
      expect(await upgraded.countHearings()).toBe(1);
      expect(await appearancesOf(upgraded, '1')).toEqual([kept]);
      expect((await witnessRows(upgraded)).map((row) => row.id)).toEqual([kept]);
    } finally {
      await upgraded.close();
    }
  });
  it('in a hearing whose stored record an earlier Gatehouse listed with both forms, is no update once upgraded: read again, replayed by a trial, or put back by a rollback', async () => {
    const NOW = new Date('2025-03-10T12:00:00Z');
    const recent = { updateDate: '2025-03-09T12:00:00Z' };
    const listedTwice = hearingRecord(7, { ...recent, witnesses: [witness(COMPOSED), witness('Lab', 'Max Moe'), witness(DECOMPOSED)] });
    const fake = await startFakeCongress({ house: [listedTwice] });
    const location = await backend.freshLocation();
    try {
      await withStoreAt(backend, location, async (store) => {
        await updateFromFakeCongress(store, fake, NOW);
        // As an earlier Gatehouse stored it: the decomposed entry a witness of its own, its third appearance, and in the JSON.
        const db = store.queries.db;
        const twin = await db.insertInto('witnesses').values({ normalizedName: 'jane roe', organizationKey: DECOMPOSED.toLowerCase(), name: 'Dr. Jane Roe', organization: DECOMPOSED }).returning('id').executeTakeFirstOrThrow();
        await db.insertInto('appearances').values({ eventId: '7', witnessId: Number(twin.id), ordinal: 2, position: 'Director' }).execute();
        const row = await db.selectFrom('hearings').select('contentJson').where('eventId', '=', '7').executeTakeFirstOrThrow();
        const hearing = JSON.parse(row.contentJson) as NormalizedHearing;
        hearing.witnesses.push({ ...hearing.witnesses[0]!, organization: DECOMPOSED });
        await db.updateTable('hearings').set({ contentJson: JSON.stringify(hearing), contentHash: contentHash(hearing) }).where('eventId', '=', '7').execute();
        await windSchemaBackTo(db, 28);
      });

      await withStoreAt(backend, location, async (upgraded) => {
        const again = await updateFromFakeCongress(upgraded, fake, NOW);
        expect(again.metrics).toMatchObject({ fetched: 1, updated: 0, unchanged: 1 });
        const [replayed] = await upgraded.trials.sampleHearings(1);
        expect(replayed!.witnesses.map((listed) => [listed.name, listed.organization])).toEqual([['Dr. Jane Roe', COMPOSED], ['Max Moe', 'Lab']]);

        // A real change is still one; its rollback puts back the JSON from before the upgrade, which reads as unchanged too.
        const retitled = await runUpdate({ store: upgraded, source: arraySource([{ ...listedTwice, title: 'Retitled' }]), batchSize: 50 });
        expect(retitled.metrics).toMatchObject({ updated: 1 });
        await rollback(upgraded, { runId: retitled.runId, reason: 'test', operator: 'ann' });
        const afterRollback = await updateFromFakeCongress(upgraded, fake, NOW);
        expect(afterRollback.metrics).toMatchObject({ fetched: 1, updated: 0, unchanged: 1 });
      });
    } finally {
      await fake.close();
    }
  });
});
