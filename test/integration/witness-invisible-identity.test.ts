import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * A witness is who a person reading the name sees. "Dr. Jane Roe\u200B" (a zero-width space at the
 * end, as a copy from a web page brings it) and "Dr. Jane\u2060 Roe" (a word joiner) show as
 * "Dr. Jane Roe", yet each made a witness row of its own, shared by every later hearing that copied
 * the same name. Identity now compares the text that shows; the hearing keeps each name as written.
 * "Jane\u200BRoe" shows as "JaneRoe", and is that name, not "Jane Roe".
 */
const witness = (name: string) => ({ name, organization: 'Lab', position: 'Director' });

async function witnessRows(store: Store): Promise<{ id: number; normalizedName: string }[]> {
  return store.queries.db.selectFrom('witnesses').select(['id', 'normalizedName']).orderBy('id').execute();
}

async function appearancesOf(store: Store, eventId: string): Promise<number[]> {
  const rows = await store.queries.db.selectFrom('appearances').select('witnessId').where('eventId', '=', eventId).execute();
  return rows.map((row) => Number(row.witnessId));
}

describe.each(backends)('witness names holding characters that show nothing ($name)', (backend) => {
  it('name the witness they show: one row across runs and within a record, the names kept as written', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [witness('Dr. Jane Roe')] })]), batchSize: 50 });
      const second = await runUpdate({
        store,
        source: arraySource([
          hearingRecord(2, { witnesses: [witness('Dr. Jane Roe\u200B')] }),
          hearingRecord(3, { witnesses: [witness('Dr. Jane\u2060 Roe'), witness('\u00ADDr. Jane Roe')] }),
          hearingRecord(4, { witnesses: [witness('Jane\u200BRoe')] }),
        ]),
        batchSize: 50,
      });
      expect(second.metrics).toMatchObject({ added: 3, quarantined: 0 });
      const rows = await witnessRows(store);
      expect(rows.map((row) => row.normalizedName)).toEqual(['jane roe', 'janeroe']);
      for (const eventId of ['1', '2', '3']) expect(await appearancesOf(store, eventId)).toEqual([rows[0]!.id]);
      const stored = await store.loadHearings(['2', '3']);
      expect(stored.get('2')!.content.witnesses.map((w) => w.name)).toEqual(['Dr. Jane Roe\u200B']);
      expect(stored.get('3')!.content.witnesses.map((w) => w.name)).toEqual(['Dr. Jane\u2060 Roe']);
    } finally {
      await store.close();
    }
  });
});
