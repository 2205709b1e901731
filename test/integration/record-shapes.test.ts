import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quarantineEntrySchema } from '../../shared/record.js';
import { runSummarySchema } from '../../shared/run.js';
import { domainRows, type DomainRows } from '../helpers/domain-rows.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A record whose nested parts have the wrong shape — witnesses as a string, a video that is a number,
 * a transcript's jacket number an object — is quarantined naming the part, through `gatehouse update`
 * as an outside caller runs it. Before, the part was dropped without a word (or stored as
 * "[object Object]") and the hearing landed as if the record had been whole.
 */
const GOOD = ['910001', '910099'];
/** [what is wrong, the record's parts that are, the reason quarantine gives]. */
const misshapen: [string, Record<string, unknown>, string][] = [
  ['witnesses given as a string', { witnesses: 'Dr. Jane Roe' }, 'witnesses must be a list (or {"item": [...]}), got a string'],
  ['committees given as a bare code', { committees: 'hsif00' }, 'committees must be a list (or {"item": [...]}), got a string'],
  ['a witness that is a number', { witnesses: [{ name: 'Dr. A', organization: 'Lab' }, 42] }, 'witnesses[1] must be an object, got a number'],
  ['a witness name that is an object', { witnesses: [{ name: { first: 'Jane' }, organization: 'Lab' }] }, 'witnesses[0].name must be text, got an object'],
  ['videos wrapped around a string', { videos: { item: 'https://x.test/v' } }, 'videos.item must be a list (or one object), got a string'],
  ['witnesses wrapped around null', { witnesses: { item: null } }, 'witnesses.item must be a list (or one object), got null'],
  ['a video url that is a list', { videos: [{ name: 'v', url: ['https://x.test/v'] }] }, 'videos[0].url must be text, got an array'],
  ['a transcript jacket number that is an object', { hearingTranscript: [{ jacketNumber: { id: 5 } }] }, 'hearingTranscript[0].jacketNumber must be text, got an object'],
  ['location given as a string', { location: 'Room 2123' }, 'location must be an object with room, building and address, got a string'],
  ['a title that is a list', { title: ['Oversight', 'Part 2'] }, 'title must be text, got an array'],
  ['a room that is true', { location: { room: true } }, 'location.room must be text, got a boolean'],
];

const folder = tempFolderEachTest('gatehouse-shapes-');

function ndjsonFile(records: Record<string, unknown>[]): string {
  const file = path.join(folder(), 'records.ndjson');
  fs.writeFileSync(file, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  return file;
}

/** One column of a domain table's rows, as domainRows lists them (each row a JSON array of its values). */
function storedColumn(rows: DomainRows, table: string, column: number): unknown[] {
  return (rows[table] ?? []).map((row) => (JSON.parse(row) as unknown[])[column]);
}

describe.each(testBackends())('misshapen record parts on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('quarantines each record with a misshapen part, naming the part, and stores the records around them', async () => {
    const db = await backend.freshLocation();
    const bad = misshapen.map(([, overrides], i) => hearingRecord(910010 + i, overrides));
    const file = ndjsonFile([hearingRecord(GOOD[0]!), ...bad, hearingRecord(GOOD[1]!)]);
    const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot', '--json']);
    expect(result.code, result.stderr).toBe(3);
    const summary = runSummarySchema.parse(JSON.parse(result.stdout));
    expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: bad.length + 2, added: 2, updated: 0, unchanged: 0, quarantined: bad.length } });
    const entries = quarantineEntrySchema.array().parse(JSON.parse(runCli(['quarantine', 'list', '--db', db, '--json']).stdout));
    expect(entries.map((entry) => ({ eventId: entry.eventId, reasons: entry.reasons }))).toEqual(
      misshapen.map(([, , message], i) => ({ eventId: String(910010 + i), reasons: [{ code: 'BAD_SHAPE', message }] })),
    );
    expect(storedColumn(await domainRows(db), 'hearings', 0)).toEqual(GOOD);
  });

  it('still stores what Congress.gov sends: lists wrapped in item (one item as an object), null and empty parts, numeric jacket numbers and rooms', async () => {
    const db = await backend.freshLocation();
    const file = ndjsonFile([
      hearingRecord(GOOD[0]!, { witnesses: { item: { name: 'Dr. A', organization: 'Lab', position: null } }, videos: {}, location: null }),
      hearingRecord(GOOD[1]!, { committees: { item: [{ systemCode: 'hsif00', name: 'E' }] }, hearingTranscript: [{ jacketNumber: 55123, url: null }], witnesses: null, location: { room: 2123 } }),
    ]);
    const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const rows = await domainRows(db);
    expect(rows.appearances).toHaveLength(1);
    expect(storedColumn(rows, 'transcripts', 2)).toEqual(['55123']);
    expect(storedColumn(rows, 'hearings', 8).sort()).toEqual(['2123', null]);
  });
});
