import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { startFakeCongress, updateFromFakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * Records at the edges of DESIGN §3, each between valid ones: a date-time without a zone is UTC
 * (as `validate` reads one), an offset is converted (one past ±14:00, which no zone has, is
 * quarantined), an impossible or non-ISO date is quarantined naming the field and never rolled
 * over into a real one; a NUL anywhere is quarantined before
 * PostgreSQL, whose text refuses it, could fail the batch; a congress sent as a string of digits is
 * that number. The same fate from a file and from Congress.gov over HTTP, on every backend.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';

const EDGES: [id: number, overrides: Record<string, unknown>][] = [
  [830001, {}],
  [830002, { date: '2025-03-04T09:00:00' }],
  [830003, { date: '2025-03-04T09:00:00-05:00' }],
  [830004, { date: '2023-02-30T10:00:00Z' }],
  [830005, { date: '2025-03-04T24:00:00Z' }],
  [830006, { date: '0000-01-01T00:00:00Z' }],
  [830007, { date: 'March 4, 2025' }],
  [830008, { title: 'Budget\u0000hearing' }],
  [830009, { witnesses: [{ name: 'Dr. Ann Lee', organization: 'Lab\u0000' }] }],
  [830010, { congress: '119' }],
  [830011, { congress: '119th' }],
  [830012, {}],
  [830013, { date: '2025-03-04T10:00:00+23:00' }],
];
const records = () => EDGES.map(([id, overrides]) => hearingRecord(id, { updateDate: RECENT, ...overrides }));

async function expectFates(store: Store, runId: number): Promise<void> {
  const quarantined = Object.fromEntries((await store.listQuarantine({ runId })).map((entry) => [entry.eventId, entry.reasons.map((r) => `${r.code}: ${r.message}`)]));
  expect(quarantined).toEqual({
    '830004': ['BAD_DATE: date "2023-02-30T10:00:00Z" is not a real calendar date'],
    '830005': ['BAD_DATE: date "2025-03-04T24:00:00Z" has an impossible time of day'],
    '830006': ['DATE_OUT_OF_RANGE: date "0000-01-01T00:00:00Z" is outside 1789–2100'],
    '830007': ['BAD_DATE: date "March 4, 2025" is not an ISO 8601 date'],
    '830008': ['NUL_CHARACTER: title contains a NUL character'],
    '830009': ['NUL_CHARACTER: witnesses[0].organization contains a NUL character'],
    '830011': ['BAD_CONGRESS: congress must be a whole number from 1 to 200, got "119th"'],
    '830013': ['BAD_DATE: date "2025-03-04T10:00:00+23:00" has the UTC offset +23:00, beyond the ±14:00 of any time zone'],
  });
  const stored = await store.loadHearings(EDGES.map(([id]) => String(id)));
  expect([...stored.keys()].sort()).toEqual(['830001', '830002', '830003', '830010', '830012']);
  expect(stored.get('830002')!.content.date).toBe('2025-03-04T09:00:00.000Z');
  expect(stored.get('830003')!.content.date).toBe('2025-03-04T14:00:00.000Z');
  expect(stored.get('830010')!.content.congress).toBe(119);
}

const folder = tempFolderEachTest('gatehouse-format-edges-');

describe.each(testBackends())('records at the edges of the format, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('from an NDJSON file: each edge stored as read or quarantined naming its field, the batch around it stored', async () => {
    const file = path.join(folder(), 'meetings.ndjson');
    fs.writeFileSync(file, records().map((record) => JSON.stringify(record)).join('\n') + '\n');
    await withFreshStore(backend, async (store) => {
      const summary = await runUpdate({ store, source: await openSource(`file:${file}`) });
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 13, added: 5, quarantined: 8 }, batches: { failed: 0 } });
      await expectFates(store, summary.runId);
    });
  });

  it('from Congress.gov over HTTP: the same fates', async () => {
    const fake = await startFakeCongress({ house: records() });
    try {
      await withFreshStore(backend, async (store) => {
        const summary = await updateFromFakeCongress(store, fake, NOW);
        expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 13, added: 5, quarantined: 8 }, batches: { failed: 0 } });
        await expectFates(store, summary.runId);
      });
    } finally {
      await fake.close();
    }
  });
});
