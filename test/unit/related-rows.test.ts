import { describe, expect, it } from 'vitest';
import type { NormalizedHearing } from '../../shared/record.js';
import { eachRelatedRow, relatedRows, type RelatedTable } from '../../main/store/hearing-rows.js';

const hearing: NormalizedHearing = {
  eventId: '118001',
  congress: 118,
  chamber: 'House',
  type: 'Hearing',
  meetingStatus: 'Scheduled',
  title: 'Oversight of the grid',
  date: '2024-03-05T15:00:00.000Z',
  updateDate: null,
  location: null,
  committees: [
    { systemCode: 'hsif00', name: null },
    { systemCode: 'hsif14', name: 'Energy' },
  ],
  witnesses: [
    { name: 'Ada Byron', normalizedName: 'ada byron', organization: 'Analytical Engines', position: 'Fellow' },
    { name: 'Grace Hopper', normalizedName: 'grace hopper', organization: null, position: null },
  ],
  videos: [{ name: null, url: 'https://example.test/v' }],
  transcripts: [{ jacketNumber: '55-123', url: null }],
};

/** Witness ids as a writer hands them out: 41, 42, … in the order asked for. */
const witnessId = (witness: NormalizedHearing['witnesses'][number]) => 41 + hearing.witnesses.indexOf(witness);

describe('related rows', () => {
  it('lists each related table in column order: the first committee primary, ordinals and witness ids in record order', () => {
    expect(relatedRows(hearing, witnessId)).toEqual({
      hearing_committees: [
        ['118001', 'hsif00', 1, 0],
        ['118001', 'hsif14', 0, 1],
      ],
      appearances: [
        ['118001', 41, 0, 'Fellow'],
        ['118001', 42, 1, null],
      ],
      videos: [['118001', 0, null, 'https://example.test/v']],
      transcripts: [['118001', 0, '55-123', null]],
    });
  });

  it('hands the rows over table by table, so a writer gathering them inserts each table in record order', () => {
    const order: RelatedTable[] = [];
    eachRelatedRow(hearing, witnessId, (table) => order.push(table));
    expect(order).toEqual(['hearing_committees', 'hearing_committees', 'appearances', 'appearances', 'videos', 'transcripts']);
  });

  it('writes no rows for a hearing that lists nothing related', () => {
    const bare = { ...hearing, committees: [], witnesses: [], videos: [], transcripts: [] };
    expect(relatedRows(bare, witnessId)).toEqual({ hearing_committees: [], appearances: [], videos: [], transcripts: [] });
  });
});
