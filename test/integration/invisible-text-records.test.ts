import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../main/store/index.js';
import type { QuarantineEntry } from '../../shared/record.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { startFakeCongress, updateFromFakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * Text made only of characters that show nothing — zero-width space U+200B, word joiner U+2060,
 * zero-width joiner U+200D, Hangul filler U+3164 — is blank, as spaces are. String.prototype.trim
 * removes spaces, U+00A0 and U+FEFF but none of those, so a title of one U+200B was stored as a
 * title, a committee first met with such a name was created with it, and a witness so named
 * became a row of its own. Now the title is quarantined as EMPTY_TITLE naming what it holds, the
 * committee as UNKNOWN_COMMITTEE, and the witness as INCOMPLETE_ENTRY, as one with a blank name is
 * (left out, it made the hearing hold fewer witnesses than its record listed, nothing saying why);
 * text that shows something keeps its invisible characters exactly. From a file through the CLI and
 * from Congress.gov over HTTP alike, on every backend.
 */

const RECENT = '2025-03-08T09:30:00Z';
const NOW = new Date('2025-03-10T12:00:00Z');
const KEPT_TITLE = 'Hearing on AI\u200Bsafety\u00A0and \u2060word joiners';

const records = () => [
  hearingRecord(810001, { title: KEPT_TITLE, updateDate: RECENT }),
  hearingRecord(810002, { title: '\u200B', updateDate: RECENT }),
  hearingRecord(810003, { title: ' \u2060\u00A0\u200D\u3164 ', updateDate: RECENT }),
  hearingRecord(810004, { committees: [{ systemCode: 'hsju00', name: '\u200B\u200B' }], updateDate: RECENT }),
  hearingRecord(810005, { witnesses: [{ name: '\u200B', organization: 'Invisible Org', position: 'Chair' }, { name: 'Dr. Ann Lee', organization: 'Lab' }], updateDate: RECENT }),
  hearingRecord(810006, { witnesses: [{ name: '', organization: 'Invisible Org', position: 'Chair' }, { name: 'Dr. Ann Lee', organization: 'Lab' }], updateDate: RECENT }),
  hearingRecord(810007, { location: { room: '\u2060', building: 'Rayburn House Office Building', address: null }, updateDate: RECENT }),
];
const IDS = records().map((record) => String(record.eventId));

function reasonsById(entries: QuarantineEntry[]): Record<string, string[]> {
  return Object.fromEntries(entries.map((entry) => [entry.eventId, entry.reasons.map((reason) => `${reason.code}: ${reason.message}`)]));
}

async function expectStoredAsBlank(store: Store, runId: number): Promise<void> {
  expect(reasonsById(await store.listQuarantine({ runId }))).toEqual({
    '810002': ['EMPTY_TITLE: title shows nothing: it is only U+200B'],
    '810003': ['EMPTY_TITLE: title shows nothing: it is only U+2060 U+00A0 U+200D U+3164'],
    '810004': ['UNKNOWN_COMMITTEE: committee hsju00 is not in the database and the record gives no name to create it with'],
    '810005': ['INCOMPLETE_ENTRY: witnesses[0].name shows nothing (it is only U+200B): no witness can be stored without it, though the entry gives organization "Invisible Org" and position "Chair"'],
    '810006': ['INCOMPLETE_ENTRY: witnesses[0].name is missing or blank: no witness can be stored without it, though the entry gives organization "Invisible Org" and position "Chair"'],
  });
  const stored = await store.loadHearings(IDS);
  expect([...stored.keys()].sort()).toEqual(['810001', '810007']);
  expect(stored.get('810001')!.content.title).toBe(KEPT_TITLE);
  expect(stored.get('810007')!.content.location).toEqual({ room: null, building: 'Rayburn House Office Building', address: null });
}

const folder = tempFolderEachTest('gatehouse-invisible-');

describe.each(testBackends())('text that shows nothing, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('from an NDJSON file through `gatehouse update`: blank titles and committee names quarantined naming the field, the rest stored exactly', async () => {
    const file = path.join(folder(), 'meetings.ndjson');
    fs.writeFileSync(file, records().map((record) => JSON.stringify(record)).join('\n') + '\n');
    const location = await backend.freshLocation();
    const { child, done } = startCli(['update', '--db', location, '--source', `file:${file}`, '--json']);
    try {
      const result = await done;
      expect(result.code, result.stderr).toBe(3);
      const summary = JSON.parse(result.stdout) as { runId: number; status: string; metrics: Record<string, number> };
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 7, added: 2, quarantined: 5 } });
      await withStoreAt(backend, location, (store) => expectStoredAsBlank(store, summary.runId));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('from Congress.gov over HTTP: the same records meet the same fate', async () => {
    const fake = await startFakeCongress({ house: records() });
    try {
      await withStoreAt(backend, await backend.freshLocation(), async (store) => {
        const summary = await updateFromFakeCongress(store, fake, NOW);
        expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 7, added: 2, quarantined: 5 } });
        await expectStoredAsBlank(store, summary.runId);
      });
    } finally {
      await fake.close();
    }
  });
});
