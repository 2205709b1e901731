import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../main/store/index.js';
import { contentHash } from '../../main/store/index.js';
import type { NormalizedHearing, QuarantineEntry } from '../../shared/record.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, startFakeCongress, updateFromFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * Record text as Congress.gov sends it, fetched over HTTP by the built CLI: a control character in
 * any field (an ESC sequence in a title rewrote the terminal it was later printed to) is
 * quarantined naming the field and the character; tabs and line breaks, which real titles carry,
 * are kept; HTML character references are decoded once, and a re-run of the same feed finds the
 * hearing unchanged; a URL with whitespace inside or that is no http(s) URL is quarantined saying
 * so. What the CLI prints of stored text never holds a terminal control, rows written before these
 * rules included. On every backend.
 */

const ENTITY_TITLE = 'Energy &amp; Commerce: the agency&#8217;s budget';
const DECODED_TITLE = 'Energy & Commerce: the agency\u2019s budget';
const TABBED_TITLE = '\u2022\tH.R. 1246, to authorize leases;\r\n\u2022\tH.R. 1532';
/** Any terminal control but the newline that ends a line. */
const TERMINAL_CONTROL = /(?!\n)\p{Cc}/u;

const records = (updateDate: string) => [
  hearingRecord(850001, { title: 'Bell\u0007 and \u001b[2J\u001b[31mESC\u001b[0m', updateDate }),
  hearingRecord(850002, { witnesses: [{ name: 'Dr. \u009b31mRoe', organization: 'Lab\u007f' }], updateDate }),
  hearingRecord(850003, { title: ENTITY_TITLE, witnesses: [{ name: 'Jane O&#39;Neil', organization: 'AT&amp;T' }], updateDate }),
  hearingRecord(850004, { videos: [{ name: 'Video', url: 'https://www.congress.gov/video/ 850004 part 2' }], updateDate }),
  hearingRecord(850005, { hearingTranscript: [{ jacketNumber: '12345', url: 'not a url' }], updateDate }),
  hearingRecord(850006, { title: TABBED_TITLE, updateDate }),
  hearingRecord(850007, { date: '2025-03-04\u009b2J', updateDate }),
];
const IDS = ['850001', '850002', '850003', '850004', '850005', '850006', '850007'];

const QUARANTINED = {
  '850001': ['CONTROL_CHARACTER: title contains the control character U+0007 (BEL) at character 5'],
  '850002': [
    'CONTROL_CHARACTER: witnesses[0].name contains the control character U+009B (CSI) at character 5',
    'CONTROL_CHARACTER: witnesses[0].organization contains the control character U+007F (DEL) at character 4',
  ],
  '850004': ['BAD_URL: videos[0].url "https://www.congress.gov/video/ 850004 part 2" has whitespace inside it (U+0020 at character 32); a URL cannot hold any'],
  '850005': ['BAD_URL: hearingTranscript[0].url "not a url" is not a URL (an absolute http:// or https:// address is expected)'],
  '850007': ['BAD_DATE: date "2025-03-04\u009b2J" is not an ISO 8601 date'],
};

function reasonsById(entries: QuarantineEntry[]): Record<string, string[]> {
  return Object.fromEntries(entries.map((entry) => [entry.eventId, entry.reasons.map((reason) => `${reason.code}: ${reason.message}`)]));
}

async function cli(args: string[]) {
  return startCli(args, { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }).done;
}

async function updateByCli(location: string, fake: FakeCongress) {
  const result = await cli(['update', '--db', location, '--source', `congress:${fake.baseUrl}`, '--json']);
  return { code: result.code, stderr: result.stderr, summary: JSON.parse(result.stdout) as { runId: number; metrics: Record<string, number> } };
}

/**
 * A hearing as a Gatehouse from before references were decoded stored it: its title as sent, and
 * the hash of that content, which is what the store wrote.
 */
async function storeUndecoded(store: Store, eventId: string, title: string): Promise<void> {
  const db = store.queries.db;
  const row = await db.selectFrom('hearings').select(['contentJson']).where('eventId', '=', eventId).executeTakeFirstOrThrow();
  const content = { ...(JSON.parse(row.contentJson) as NormalizedHearing), title };
  await db.updateTable('hearings').set({ title, contentJson: JSON.stringify(content), contentHash: contentHash(content) }).where('eventId', '=', eventId).execute();
}

describe.each(testBackends())('record text hygiene, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('from Congress.gov through `gatehouse update`: controls and bad URLs quarantined with reasons, references decoded, a re-run unchanged, and what the CLI prints shows no control', async () => {
    const fake = await startFakeCongress({ house: records(new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')) });
    try {
      const location = await backend.freshLocation();
      const first = await updateByCli(location, fake);
      expect(first.code, first.stderr).toBe(3);
      expect(first.summary.metrics).toMatchObject({ fetched: 7, added: 2, quarantined: 5 });
      await withStoreAt(backend, location, async (store) => {
        expect(reasonsById(await store.listQuarantine({ runId: first.summary.runId }))).toEqual(QUARANTINED);
        const stored = await store.loadHearings(IDS);
        expect([...stored.keys()].sort()).toEqual(['850003', '850006']);
        expect(stored.get('850003')!.content.title).toBe(DECODED_TITLE);
        expect(stored.get('850003')!.content.witnesses[0]).toMatchObject({ name: "Jane O'Neil", organization: 'AT&T' });
        expect(stored.get('850006')!.content.title).toBe(TABBED_TITLE);
      });

      const again = await updateByCli(location, fake);
      expect(again.summary.metrics).toMatchObject({ fetched: 7, added: 0, updated: 0, unchanged: 2, quarantined: 5 });

      const table = await cli(['quarantine', 'list', '--db', location]);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).not.toMatch(TERMINAL_CONTROL);
      expect(table.stdout).toContain('BAD_DATE: date "2025-03-04\\x9b2J" is not an ISO 8601 date');
      const json = await cli(['quarantine', 'list', '--db', location, '--json']);
      expect(json.stdout).not.toMatch(TERMINAL_CONTROL);
      expect(reasonsById(JSON.parse(json.stdout) as QuarantineEntry[])['850007']).toEqual(QUARANTINED['850007']);
    } finally {
      await fake.close();
    }
  });

  it('a hearing stored with its references undecoded, before they were read, is updated once to the decoded title; the rest of the feed stays unchanged', async () => {
    const now = new Date('2025-03-10T12:00:00Z');
    const feed = [hearingRecord(851001, { title: ENTITY_TITLE, updateDate: '2025-03-08T09:30:00Z' }), hearingRecord(851002, { title: 'Medicare & Medicaid: R&D', updateDate: '2025-03-08T09:30:00Z' })];
    const fake = await startFakeCongress({ house: feed });
    try {
      await withStoreAt(backend, await backend.freshLocation(), async (store) => {
        expect((await updateFromFakeCongress(store, fake, now)).metrics).toMatchObject({ added: 2 });
        await storeUndecoded(store, '851001', ENTITY_TITLE);
        const upgrade = await updateFromFakeCongress(store, fake, now);
        expect(upgrade.metrics).toMatchObject({ fetched: 2, added: 0, updated: 1, unchanged: 1, quarantined: 0 });
        expect((await store.loadHearings(['851001'])).get('851001')!.content.title).toBe(DECODED_TITLE);
        expect((await updateFromFakeCongress(store, fake, now)).metrics).toMatchObject({ fetched: 2, updated: 0, unchanged: 2 });
      });
    } finally {
      await fake.close();
    }
  });

  it('a quarantine reason stored with terminal controls before they were refused is printed with them escaped', async () => {
    const fake = await startFakeCongress({ house: [hearingRecord(852001, { title: ' ', updateDate: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') })] });
    try {
      const location = await backend.freshLocation();
      await updateByCli(location, fake);
      await withStoreAt(backend, location, async (store) => {
        const reasons = [{ code: 'EMPTY_TITLE', message: 'title "\u001b]0;owned\u0007\u001b[2J" shows\r\nnothing' }];
        await store.queries.db.updateTable('quarantine').set({ reasonsJson: JSON.stringify(reasons) }).where('eventId', '=', '852001').execute();
      });
      const table = await cli(['quarantine', 'list', '--db', location]);
      expect(table.stdout).not.toMatch(TERMINAL_CONTROL);
      expect(table.stdout).toContain('EMPTY_TITLE: title "\\x1b]0;owned\\x07\\x1b[2J" shows\\x0d\\x0anothing');
    } finally {
      await fake.close();
    }
  });
});
