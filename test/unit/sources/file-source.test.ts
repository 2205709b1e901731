import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatehouseError } from '../../../shared/errors.js';
import { openSource, type SourceItem } from '../../../main/sources/index.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-file-source-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeInput(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function readAll(spec: string, skip?: number): Promise<SourceItem[]> {
  const source = await openSource(spec);
  const items: SourceItem[] = [];
  for await (const item of source.items(skip === undefined ? {} : { skip })) items.push(item);
  return items;
}

async function openError(spec: string): Promise<GatehouseError> {
  const error: unknown = await openSource(spec).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
}

const hearing = (eventId: string) => ({ eventId, chamber: 'House', title: `Hearing ${eventId}` });

describe('file: source formats', () => {
  it('reads a JSON array and knows how many records to expect', async () => {
    const path = writeInput('array.json', JSON.stringify([hearing('1'), hearing('2'), hearing('3')], null, 2));
    const source = await openSource(`file:${path}`);
    expect(source.expectedCount).toBe(3);
    expect(source.description).toBe(`file:${path}`);
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.position)).toEqual([0, 1, 2]);
    expect(items.map((item) => (item.raw as { eventId: string }).eventId)).toEqual(['1', '2', '3']);
  });

  it('reads NDJSON one record per line, ignoring blank lines, with an unknown expected count', async () => {
    const path = writeInput('lines.ndjson', `${JSON.stringify(hearing('1'))}\n\n${JSON.stringify(hearing('2'))}\r\n   \n${JSON.stringify(hearing('3'))}`);
    const source = await openSource(`file:${path}`);
    expect(source.expectedCount).toBeNull();
    const items = await readAll(`file:${path}`);
    expect(items).toEqual([0, 1, 2].map((position) => ({ position, raw: hearing(String(position + 1)) })));
  });

  it('unwraps a Congress.gov list page into its meetings', async () => {
    const page = { committeeMeetings: [hearing('10'), hearing('11')], pagination: { count: 2 }, request: { format: 'json' } };
    const path = writeInput('page.json', JSON.stringify(page, null, 2));
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.raw)).toEqual([hearing('10'), hearing('11')]);
  });

  it('unwraps a Congress.gov detail into its one meeting', async () => {
    const detail = { committeeMeeting: { ...hearing('12'), videos: { item: [{ name: 'v', url: 'https://x' }] } }, request: {} };
    const path = writeInput('detail.json', JSON.stringify(detail, null, 2));
    const items = await readAll(`file:${path}`);
    // Raw records are left alone: `videos: {item: [...]}` is the normalizer's business.
    expect(items).toEqual([{ position: 0, raw: detail.committeeMeeting }]);
  });

  it('reads a single pretty-printed bare record', async () => {
    const path = writeInput('one.json', JSON.stringify(hearing('13'), null, 2));
    const source = await openSource(`file:${path}`);
    expect(source.expectedCount).toBe(1);
    expect(await readAll(`file:${path}`)).toEqual([{ position: 0, raw: hearing('13') }]);
  });

  it('unwraps pages and details that appear as NDJSON lines, numbering every record', async () => {
    const lines = [
      JSON.stringify({ committeeMeetings: [hearing('1'), hearing('2')] }),
      JSON.stringify({ committeeMeeting: hearing('3') }),
      JSON.stringify(hearing('4')),
    ];
    const path = writeInput('mixed.ndjson', lines.join('\n'));
    const items = await readAll(`file:${path}`);
    expect(items).toEqual(['1', '2', '3', '4'].map((id, position) => ({ position, raw: hearing(id) })));
  });

  it('yields anything that is not a record untouched, for the record rules to reject', async () => {
    const path = writeInput('odd.json', JSON.stringify([42, 'text', null, { note: 'no eventId' }]));
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.raw)).toEqual([42, 'text', null, { note: 'no eventId' }]);
  });

  it('treats an empty file as a source with no records', async () => {
    const path = writeInput('empty.json', '\n\n');
    const source = await openSource(`file:${path}`);
    expect(source.expectedCount).toBe(0);
    expect(await readAll(`file:${path}`)).toEqual([]);
  });
});

describe('file: malformed input', () => {
  it('yields a malformed NDJSON line as an INVALID_JSON item and keeps reading', async () => {
    const broken = '{"eventId": "2", "title": "Oversight of';
    const path = writeInput('broken.ndjson', [JSON.stringify(hearing('1')), '', broken, JSON.stringify(hearing('3'))].join('\n'));
    const items = await readAll(`file:${path}`);
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({ position: 0, raw: hearing('1') });
    expect(items[1]?.position).toBe(1);
    expect(items[1]?.raw).toBe(broken);
    expect(items[1]?.error?.code).toBe('INVALID_JSON');
    expect(items[1]?.error?.message).toMatch(/^line 3 is not valid JSON: unexpected end of input at column \d+$/);
    expect(items[2]).toEqual({ position: 2, raw: hearing('3') });
  });

  it('keeps a malformed first NDJSON line as an item instead of refusing the file', async () => {
    const path = writeInput('first-broken.ndjson', `{"eventId": "1", "title": tru\n${JSON.stringify(hearing('2'))}\n`);
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.error?.code)).toEqual(['INVALID_JSON', undefined]);
    expect(items[0]?.error?.message).toContain('line 1 is not valid JSON');
  });

  it('reads NDJSON whose first two lines are broken, quarantining them and storing the records after', async () => {
    const lines = ['not json at all', '{"eventId": "2", "title": tru', JSON.stringify(hearing('3')), JSON.stringify(hearing('4'))];
    const path = writeInput('two-broken.ndjson', `${lines.join('\n')}\n`);
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => [item.position, item.error?.code])).toEqual([[0, 'INVALID_JSON'], [1, 'INVALID_JSON'], [2, undefined], [3, undefined]]);
    expect(items[2]?.raw).toEqual(hearing('3'));
  });

  it('reads NDJSON whose lines are JSON arrays of records, and one whose first line is null', async () => {
    const arrays = writeInput('arrays.ndjson', `${JSON.stringify([hearing('1'), hearing('2')])}\n${JSON.stringify([hearing('3')])}\n`);
    expect((await readAll(`file:${arrays}`)).map((item) => item.raw)).toEqual([hearing('1'), hearing('2'), hearing('3')]);
    const nullFirst = writeInput('null-first.ndjson', `null\n${JSON.stringify(hearing('1'))}\n`);
    expect(await readAll(`file:${nullFirst}`)).toEqual([{ position: 0, raw: null }, { position: 1, raw: hearing('1') }]);
  });

  it('still reads a pretty-printed array whose second line is one whole record as a document', async () => {
    const path = writeInput('pretty.json', `[\n${JSON.stringify(hearing('1'))}\n]\n`);
    const source = await openSource(`file:${path}`);
    expect(source.expectedCount).toBe(1);
    expect(await readAll(`file:${path}`)).toEqual([{ position: 0, raw: hearing('1') }]);
  });

  it('truncates the raw text of a huge malformed line to 10,000 characters', async () => {
    const huge = `{"eventId": "2", "title": "${'x'.repeat(20_000)}`;
    const path = writeInput('huge.ndjson', `${JSON.stringify(hearing('1'))}\n${huge}\n`);
    const items = await readAll(`file:${path}`);
    expect((items[1]?.raw as string).length).toBe(10_000);
  });

  it('refuses a malformed JSON document, naming the line and column', async () => {
    const text = '[\n  {"eventId": "1"},\n  {"eventId": "2" "title": "x"}\n]';
    const path = writeInput('bad.json', text);
    const error = await openError(`file:${path}`);
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toBe(`${path}: invalid JSON at line 3, column 19`);
  });

  it('refuses a truncated JSON document at its last line', async () => {
    const path = writeInput('truncated.json', '{\n  "committeeMeetings": [\n    {"eventId": "1"}');
    const error = await openError(`file:${path}`);
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toMatch(/invalid JSON at line 3, column \d+$/);
  });
});

describe('file: records past a limit or not UTF-8', () => {
  const notUtf8 = (eventId: string) => Buffer.concat([Buffer.from(`{"eventId": "${eventId}", "title": "Caf`), Buffer.from([0xe9]), Buffer.from('"}')]);

  it('yields a line that is not UTF-8 as one INVALID_UTF8 item with its line number, and keeps reading', async () => {
    const path = join(dir, 'latin1.ndjson');
    writeFileSync(path, Buffer.concat([Buffer.from(`${JSON.stringify(hearing('1'))}\n`), notUtf8('2'), Buffer.from(`\n${JSON.stringify(hearing('3'))}\n`)]));
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.error?.code ?? 'ok')).toEqual(['ok', 'INVALID_UTF8', 'ok']);
    expect(items[1]).toMatchObject({ position: 1, eventId: '2', error: { message: 'line 2 is not valid UTF-8 text (first bad byte near column 31)' } });
  });

  it('yields a line longer than 16 MB as one OVERSIZE_RECORD item without keeping it whole', async () => {
    const huge = `{"eventId": "2", "title": "${'x'.repeat(17 * 1024 * 1024)}"}`;
    const path = writeInput('huge-line.ndjson', `${JSON.stringify(hearing('1'))}\n${huge}\n${JSON.stringify(hearing('3'))}\n`);
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.error?.code ?? 'ok')).toEqual(['ok', 'OVERSIZE_RECORD', 'ok']);
    expect(items[1]!.error!.message).toBe('line 2 is 17 MB; one line may hold at most 16 MB');
    expect((items[1]!.raw as string).length).toBeLessThanOrEqual(10_000);
  });

  it('reads NDJSON whose first line is a 40 MB record, quarantining it and storing the records after', async () => {
    const huge = `{"eventId": "1", "title": "${'x'.repeat(40 * 1024 * 1024)}"}`;
    const path = writeInput('huge-first.ndjson', `${huge}\n${JSON.stringify(hearing('2'))}\n${JSON.stringify(hearing('3'))}\n`);
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.error?.code ?? 'ok')).toEqual(['OVERSIZE_RECORD', 'ok', 'ok']);
    expect(items[0]!.error!.message).toBe('line 1 is 40 MB; one line may hold at most 16 MB');
    expect(items.slice(1).map((item) => item.raw)).toEqual([hearing('2'), hearing('3')]);
  });

  it('judges each record of a page line on its own', async () => {
    const deep = { ...hearing('2'), witnesses: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown };
    const path = writeInput('page.ndjson', `${JSON.stringify({ committeeMeetings: [hearing('1'), deep, hearing('3')] })}\n`);
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.error?.code ?? 'ok')).toEqual(['ok', 'TOO_DEEP', 'ok']);
    expect(items[1]).toMatchObject({ eventId: '2', error: { message: 'line 1: the record nests more than 32 arrays or objects deep' } });
  });

  it('keeps positions stable across unreadable lines when resuming with skip', async () => {
    const path = join(dir, 'mixed.ndjson');
    const deepLine = JSON.stringify({ ...hearing('3'), x: JSON.parse('['.repeat(50) + ']'.repeat(50)) as unknown });
    writeFileSync(path, Buffer.concat([Buffer.from(`${JSON.stringify(hearing('1'))}\n`), notUtf8('2'), Buffer.from(`\n${deepLine}\n${JSON.stringify(hearing('4'))}\n`)]));
    const all = await readAll(`file:${path}`);
    expect(all.map((item) => item.position)).toEqual([0, 1, 2, 3]);
    for (const skip of [1, 2, 3]) expect(await readAll(`file:${path}`, skip)).toEqual(all.slice(skip));
  });

  it('quarantines only the records of a JSON array that hold the bytes which are not UTF-8', async () => {
    const path = join(dir, 'latin1.json');
    writeFileSync(path, Buffer.concat([Buffer.from(`[${JSON.stringify(hearing('1'))},`), notUtf8('2'), Buffer.from(`,${JSON.stringify(hearing('3'))}]`)]));
    const items = await readAll(`file:${path}`);
    expect(items.map((item) => item.error?.code ?? 'ok')).toEqual(['ok', 'INVALID_UTF8', 'ok']);
    expect(items[1]!.error!.message).toBe('record 2 holds bytes that are not UTF-8 (shown as U+FFFD)');
  });

  it('leaves a record that legitimately holds U+FFFD alone in a file that is all UTF-8', async () => {
    const path = writeInput('fffd.json', JSON.stringify([hearing('1'), { ...hearing('2'), title: 'Replacement \uFFFD kept' }]));
    expect((await readAll(`file:${path}`)).map((item) => item.error?.code ?? 'ok')).toEqual(['ok', 'ok']);
  });
});

describe('file: unreadable paths', () => {
  it('says a missing file is not found', async () => {
    const path = join(dir, 'nope.ndjson');
    const error = await openError(`file:${path}`);
    expect(error.code).toBe('SOURCE_UNREADABLE');
    expect(error.message).toBe(`cannot read ${path}: not found`);
  });

  it('says a directory is not a file', async () => {
    const path = join(dir, 'folder');
    mkdirSync(path);
    const error = await openError(`file:${path}`);
    expect(error.code).toBe('SOURCE_UNREADABLE');
    expect(error.message).toBe(`cannot read ${path}: it is a directory, not a file`);
  });

  it('refuses a named pipe with a clear reason instead of failing on a seek', async () => {
    const path = join(dir, 'pipe.ndjson');
    execFileSync('mkfifo', [path]);
    // A writer on the other end, so that opening the pipe cannot block the test.
    const writer = spawn('sh', ['-c', `printf '%s\\n' '${JSON.stringify(hearing('1'))}' > "$0"`, path], { stdio: 'ignore' });
    try {
      const error = await openError(`file:${path}`);
      expect(error.code).toBe('SOURCE_UNREADABLE');
      expect(error.message).toMatch(new RegExp(`^cannot read ${path}: it is a pipe or device, not a regular file`));
    } finally {
      writer.kill();
    }
  });

  it('refuses a UTF-16 file, with or without its byte order mark, naming the encoding', async () => {
    const text = JSON.stringify([hearing('1')]);
    const withMark = join(dir, 'utf16.json');
    writeFileSync(withMark, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const bigEndian = join(dir, 'utf16be.ndjson');
    writeFileSync(bigEndian, Buffer.from(`${JSON.stringify(hearing('1'))}\n`, 'utf16le').swap16());
    for (const [path, order] of [[withMark, 'UTF-16LE'], [bigEndian, 'UTF-16BE']] as const) {
      const error = await openError(`file:${path}`);
      expect(error.code).toBe('INPUT_INVALID');
      expect(error.message).toBe(`${path}: the file is ${order} text; a file source reads UTF-8`);
    }
  });

  it.skipIf(process.getuid?.() === 0)('says a file without read permission is not readable', async () => {
    const path = writeInput('secret.json', '[]');
    chmodSync(path, 0o000);
    const error = await openError(`file:${path}`);
    expect(error.code).toBe('SOURCE_UNREADABLE');
    expect(error.message).toBe(`cannot read ${path}: permission denied`);
  });
});

describe('file: resuming with skip', () => {
  it('skips the first items of an NDJSON file and keeps positions stable', async () => {
    const lines = [hearing('1'), hearing('2'), hearing('3'), hearing('4')].map((h) => JSON.stringify(h));
    const path = writeInput('skip.ndjson', [lines[0], '', lines[1], 'not json', lines[2], lines[3]].join('\n'));
    const all = await readAll(`file:${path}`);
    const rest = await readAll(`file:${path}`, 3);
    expect(rest).toEqual(all.slice(3));
    expect(rest.map((item) => item.position)).toEqual([3, 4]);
  });

  it('counts every record of a page line it skips, resuming inside the page', async () => {
    const lines = [JSON.stringify(hearing('1')), JSON.stringify({ committeeMeetings: [hearing('2'), hearing('3'), hearing('4')] }), JSON.stringify(hearing('5'))];
    const path = writeInput('skip-page.ndjson', lines.join('\n'));
    const rest = await readAll(`file:${path}`, 2);
    expect(rest).toEqual([
      { position: 2, raw: hearing('3') },
      { position: 3, raw: hearing('4') },
      { position: 4, raw: hearing('5') },
    ]);
  });

  it('skips the first items of a JSON array', async () => {
    const path = writeInput('skip.json', JSON.stringify([hearing('1'), hearing('2'), hearing('3')]));
    expect(await readAll(`file:${path}`, 2)).toEqual([{ position: 2, raw: hearing('3') }]);
  });
});
