import { describe, expect, it } from 'vitest';
import { openSource } from '../../main/sources/index.js';
import { eachRelatedRow, relatedRows, witnessKey, type RelatedTable, type Witness } from '../../main/store/hearing-rows.js';
import { applyRecordRules } from '../../main/validation/index.js';

/** A witness id per distinct witness, in the order first asked for: both spellings must ask alike. */
function witnessIds(): (witness: Witness) => number {
  const ids = new Map<string, number>();
  return (witness) => {
    const key = witnessKey(witness);
    if (!ids.has(key)) ids.set(key, ids.size + 1);
    return ids.get(key)!;
  };
}

describe('eachRelatedRow', () => {
  it('hands over exactly the rows of relatedRows, table by table in the same order, for 300 synthetic hearings', async () => {
    let rows = 0;
    const [listed, handed] = [witnessIds(), witnessIds()];
    for await (const item of (await openSource('synthetic:seed=11,count=300')).items()) {
      const outcome = applyRecordRules(item.raw, { isKnownCommittee: () => true });
      if (!outcome.ok) throw new Error(`test record rejected: ${outcome.reasons[0]!.message}`);
      const expected = relatedRows(outcome.hearing, listed);
      const got: Record<RelatedTable, unknown[][]> = { hearing_committees: [], appearances: [], videos: [], transcripts: [] };
      const order: RelatedTable[] = [];
      eachRelatedRow(outcome.hearing, handed, (table, ...values) => {
        got[table].push(values);
        if (order.at(-1) !== table) order.push(table);
      });
      expect(got).toEqual(expected);
      // Table by table: the writer inserts each table's rows in the order they came.
      expect(order).toEqual((Object.keys(expected) as RelatedTable[]).filter((table) => expected[table].length > 0));
      rows += Object.values(expected).reduce((n, list) => n + list.length, 0);
    }
    expect(rows).toBeGreaterThan(600);
  });
});
