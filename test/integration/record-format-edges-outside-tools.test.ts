import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { QuarantineEntry } from '../../shared/record.js';
import { testBackends, withFreshStore, withStoreAt } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { isDetailRequest, startFakeCongress, updateFromFakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * What an outside tool writes at the edges of DESIGN §3, each record between valid ones, stored as
 * meant or quarantined with a reason naming the field — never changed, merged or dropped in silence:
 * - the 1789–2100 range bounds the instant stored (UTC), so 2100-12-31T23:30-05:00, which is
 *   2101-01-01T04:30Z, is out of it, and 1789-01-01T00:30+05:00 (1788 in UTC) too;
 * - a witness with no name, a video with no url, a transcript with neither jacket number nor url
 *   were left out, the hearing stored with fewer entries than its record listed: now quarantined;
 * - an object giving a key twice (`"title":"A","title":"B"`) was stored with the last value:
 *   JSON.parse keeps it without a word. Now quarantined as DUPLICATE_KEY with the record as written.
 * From an NDJSON file through the CLI, a JSON document, and Congress.gov over HTTP, on every backend.
 */

const RECENT = '2025-03-08T09:30:00Z';
const NOW = new Date('2025-03-10T12:00:00Z');

const records = () => [
  hearingRecord(840001, { updateDate: RECENT }),
  hearingRecord(840002, { date: '2100-12-31T23:30:00-05:00', updateDate: RECENT }),
  hearingRecord(840003, { date: '1789-01-01T00:30:00+05:00', updateDate: RECENT }),
  hearingRecord(840004, { date: '2100-12-31T18:59:00-05:00', updateDate: RECENT }),
  hearingRecord(840005, { witnesses: [{ name: 'Dr. Ann Lee', organization: 'Lab' }, { name: ' ', organization: 'Think Tank', position: 'Fellow' }, { name: '', organization: '' }], updateDate: RECENT }),
  hearingRecord(840006, { videos: [{ name: 'Hearing video' }], hearingTranscript: [{ jacketNumber: null, url: '' }], updateDate: RECENT }),
  hearingRecord(840007, { title: 'A', updateDate: RECENT }),
  hearingRecord(840008, { witnesses: [{ name: 'Ann Lee', organization: 'Lab' }], updateDate: RECENT }),
  hearingRecord(840009, { title: 'Colons: 10:00 at https://example.test', updateDate: RECENT }),
];
const IDS = records().map((record) => String(record.eventId));

/** The JSON an outside tool wrote: 840007 gives its title twice, 840008 its first witness's name twice. */
function writtenText(record: Record<string, unknown>): string {
  const text = JSON.stringify(record);
  if (record.eventId === '840007') return text.replace('"title":"A"', '"title":"A","title":"B"');
  if (record.eventId === '840008') return text.replace('"name":"Ann Lee"', '"name":"Ann Lee","name":"Bo Chen"');
  return text;
}

function reasonsById(entries: QuarantineEntry[]): Record<string, string[]> {
  return Object.fromEntries(entries.map((entry) => [entry.eventId, entry.reasons.map((reason) => `${reason.code}: ${reason.message.replace(/^(line|record) \d+: /, '')}`)]));
}

async function expectFates(store: Store, runId: number): Promise<void> {
  const quarantine = await store.listQuarantine({ runId });
  expect(reasonsById(quarantine)).toEqual({
    '840002': ['DATE_OUT_OF_RANGE: date "2100-12-31T23:30:00-05:00" is outside 1789–2100 (in UTC, as it is stored, it is 2101-01-01T04:30:00.000Z)'],
    '840003': ['DATE_OUT_OF_RANGE: date "1789-01-01T00:30:00+05:00" is outside 1789–2100 (in UTC, as it is stored, it is 1788-12-31T19:30:00.000Z)'],
    '840005': [
      'INCOMPLETE_ENTRY: witnesses[1].name is missing or blank: no witness can be stored without it, though the entry gives organization "Think Tank" and position "Fellow"',
      'INCOMPLETE_ENTRY: witnesses[2].name is missing or blank: no witness can be stored without it, and the entry gives nothing else',
    ],
    '840006': [
      'INCOMPLETE_ENTRY: videos[0].url is missing or blank: no video can be stored without it, though the entry gives name "Hearing video"',
      'INCOMPLETE_ENTRY: hearingTranscript[0].jacketNumber and url are missing or blank: no transcript can be stored without it, and the entry gives nothing else',
    ],
    '840007': ['DUPLICATE_KEY: the record gives the key "title" twice ("A", then "B"): which value was meant cannot be told'],
    '840008': ['DUPLICATE_KEY: witnesses[0] gives the key "name" twice ("Ann Lee", then "Bo Chen"): which value was meant cannot be told'],
  });
  // Kept as written: the parsed record would hold only the last of the two titles.
  const repeated = quarantine.find((entry) => entry.eventId === '840007')!;
  expect(JSON.stringify(repeated.raw)).toContain('\\"title\\":\\"A\\",\\"title\\":\\"B\\"');
  const stored = await store.loadHearings(IDS);
  expect([...stored.keys()].sort()).toEqual(['840001', '840004', '840009']);
  expect(stored.get('840004')!.content.date).toBe('2100-12-31T23:59:00.000Z');
  expect(stored.get('840009')!.content.title).toBe('Colons: 10:00 at https://example.test');
}

const folder = tempFolderEachTest('gatehouse-outside-tools-');

describe.each(testBackends())('records an outside tool wrote at the edges of the format, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('from an NDJSON file through `gatehouse update`: each stored as written or quarantined naming its field', async () => {
    const file = path.join(folder(), 'meetings.ndjson');
    fs.writeFileSync(file, records().map(writtenText).join('\r\n') + '\r\n');
    const location = await backend.freshLocation();
    const { child, done } = startCli(['update', '--db', location, '--source', `file:${file}`, '--json']);
    try {
      const result = await done;
      expect(result.code, result.stderr).toBe(3);
      const summary = JSON.parse(result.stdout) as { runId: number };
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 9, added: 3, quarantined: 6 } });
      await withStoreAt(backend, location, (store) => expectFates(store, summary.runId));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('from a JSON document (a {"committeeMeetings": [...]} page): the same fates', async () => {
    const file = path.join(folder(), 'meetings.json');
    fs.writeFileSync(file, `{"committeeMeetings": [\n${records().map(writtenText).join(',\n')}\n]}\n`);
    await withFreshStore(backend, async (store) => {
      const summary = await runUpdate({ store, source: await openSource(`file:${file}`) });
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 9, added: 3, quarantined: 6 }, batches: { failed: 0 } });
      await expectFates(store, summary.runId);
    });
  });

  it('from Congress.gov over HTTP, the details written by hand: the same fates', async () => {
    const fake = await startFakeCongress({ house: records() });
    fake.override = (request) => {
      const record = records().find((candidate) => request.path.endsWith(`/${String(candidate.eventId)}`));
      return isDetailRequest(request) && record !== undefined ? { body: `{"committeeMeeting": ${writtenText(record)}}` } : undefined;
    };
    try {
      await withFreshStore(backend, async (store) => {
        const summary = await updateFromFakeCongress(store, fake, NOW);
        expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 9, added: 3, quarantined: 6 }, batches: { failed: 0 } });
        await expectFates(store, summary.runId);
      });
    } finally {
      await fake.close();
    }
  });
});

describe.each(testBackends())('numbers where text belongs, as an outside tool writes them, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stores a whole number as its digits and quarantines one that would be stored as other digits than written', async () => {
    const file = path.join(folder(), 'numbers.ndjson');
    const withRoom = (id: number, room: string) => JSON.stringify(hearingRecord(id, { updateDate: RECENT })).replace('"room":"2123"', `"room":${room}`);
    fs.writeFileSync(file, [withRoom(840201, '2123'), withRoom(840202, '12345678901234567890'), withRoom(840203, '-0'), withRoom(840204, '2123.50')].join('\n') + '\n');
    await withFreshStore(backend, async (store) => {
      const summary = await runUpdate({ store, source: await openSource(`file:${file}`) });
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 4, added: 1, quarantined: 3 } });
      expect(reasonsById(await store.listQuarantine({ runId: summary.runId }))).toEqual({
        '840202': ['BAD_SHAPE: location.room is a number past 2^53, read only as 12345678901234567000, not the digits written; send it as text'],
        '840203': ['BAD_SHAPE: location.room is the number -0, which is not kept as written (only whole numbers are); send it as text'],
        '840204': ['BAD_SHAPE: location.room is the number 2123.5, which is not kept as written (only whole numbers are); send it as text'],
      });
      expect((await store.loadHearings(['840201'])).get('840201')!.content.location!.room).toBe('2123');
    });
  });
});

describe('a key given twice outside any one record', () => {
  it('refuses a JSON document whose page gives "committeeMeetings" twice: the first list would be lost unseen', async () => {
    const file = path.join(folder(), 'page.json');
    const first = JSON.stringify([hearingRecord(840101)]);
    const second = JSON.stringify([hearingRecord(840102)]);
    fs.writeFileSync(file, `{\n"committeeMeetings": ${first},\n"committeeMeetings": ${second}\n}\n`);
    await expect(openSource(`file:${file}`)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('the document gives the key "committeeMeetings" twice'),
    });
  });

  it('quarantines an NDJSON line whose page gives "committeeMeetings" twice as one item naming the key, the next line read', async () => {
    const file = path.join(folder(), 'pages.ndjson');
    const page = `{"committeeMeetings": ${JSON.stringify([hearingRecord(840101)])}, "committeeMeetings": ${JSON.stringify([hearingRecord(840102)])}}`;
    fs.writeFileSync(file, `${JSON.stringify(hearingRecord(840100))}\n${page}\n${JSON.stringify(hearingRecord(840103))}\n`);
    const items = [];
    for await (const item of (await openSource(`file:${file}`)).items()) items.push(item);
    expect(items.map((item) => [item.position, item.error?.code ?? null, item.error?.message ?? null])).toEqual([
      [0, null, null],
      [1, 'DUPLICATE_KEY', expect.stringMatching(/^line 2: the document gives the key "committeeMeetings" twice \(\[\{"eventId":"840101".*: which value was meant cannot be told$/)],
      [2, null, null],
    ]);
    expect(items[1]!.raw).toBe(page);
  });
});
