import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

/**
 * A witness whose name and organization were each within the 2,000-character field limit but long
 * together was stored on SQLite and quarantined on PostgreSQL as WRITE_FAILED ("index row size 4016
 * exceeds btree version 4 maximum 2704"): the same feed gave other rows. Now both backends quarantine
 * the record for its witness key's size, and store one just within it.
 */
function letters(count: number, seed: number): string {
  // Letters that do not repeat in any pattern PostgreSQL's compression could fold.
  let x = seed;
  return Array.from({ length: count }, () => String.fromCharCode(97 + ((x = (x * 1103515245 + 12345) & 0x7fffffff) % 26))).join('');
}

describe.each(testBackends())('a witness key too long to index, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('quarantines the record naming the limit, and stores one within it', async () => {
    await withFreshStore(backend, async (store) => {
      const summary = await runUpdate({
        store,
        source: arraySource([
          hearingRecord(1, { witnesses: [{ name: letters(2_000, 1), organization: letters(2_000, 2) }] }),
          hearingRecord(2, { witnesses: [{ name: letters(1_150, 3), organization: letters(1_150, 4) }] }),
        ]),
      });
      expect(summary.metrics).toMatchObject({ fetched: 2, added: 1, quarantined: 1 });
      const quarantined = await store.listQuarantine({ runId: summary.runId });
      expect(quarantined.map((entry) => [entry.eventId, entry.reasons.map((reason) => `${reason.code}: ${reason.message}`)])).toEqual([
        ['1', ["OVERSIZE_FIELD: witnesses[0]: the witness's name and organization take 4,000 bytes of UTF-8 as the witness is keyed; the limit is 2,400"]],
      ]);
      expect([...(await store.loadHearings(['1', '2'])).keys()]).toEqual(['2']);
    });
  });
});
