import { isUtf8 } from 'node:buffer';
import { access, constants, open, readFile, stat } from 'node:fs/promises';
import { GatehouseError } from '../../shared/errors.js';
import { walkRecord } from '../../shared/record-walk.js';
import type { SourceFingerprint } from '../../shared/run.js';
import { bytesFingerprint, fileFingerprint } from './fingerprint.js';
import { locateJsonSyntaxError, withoutByteOrderMark } from './json-syntax.js';
import { readNdjson } from './ndjson.js';
import { parseJsonNotingRepeatedKeys, type ParsedJson } from '../../shared/json-repeated-keys.js';
import { limitedItem, repeatedKeyOutsideRecords } from './record-limits.js';
import { recordsIn, wrongShape } from './wrappers.js';
import type { RecordSource, SourceItem } from './types.js';

/** Enough to hold any real record; a longer line is too large to store, or a whole minified document. */
const OPENING_LINE_LIMIT = 32 * 1024 * 1024;
/** What is kept of a longer line: its end, which says whether it opens a value. */
const LINE_END_KEPT = 1024;
/** How many non-blank lines decide between NDJSON and a document: a few broken first lines still leave whole records to see. */
const OPENING_LINES = 8;

/**
 * `file:PATH` — a JSON array, a Congress.gov page or detail, a bare record, or NDJSON (streamed,
 * so a 1 GB export never sits in memory). Unreadable paths fail here, before any run starts.
 */
export async function openFileSource(path: string, description: string): Promise<RecordSource> {
  await requireReadableFile(path);
  // Taken before anything is read: a file that changes while the run reads it then fails a resume's check too (a JSON document, read whole, takes it again from the bytes it parsed).
  const fingerprint = await fileFingerprint(path).catch((error: unknown) => Promise.reject(unreadable(path, error)));
  await refuseUnreadableEncoding(path);
  const opening = await readOpeningLines(path);
  if (opening.length === 0) return documentSource(description, [], fingerprint);
  if (looksLikeNdjson(opening)) {
    // Later lines stand or fall alone; a first line that is no record at all says the file is something else.
    const first = opening[0]!;
    if (first.whole && isJsonObjectText(first.text)) refuseWrongShape(path, JSON.parse(first.text));
    return ndjsonSource(path, description, fingerprint);
  }
  const document = await readDocument(path);
  return documentSource(description, document.items, bytesFingerprint(document.bytes, fingerprint.modifiedAt));
}

function refuseWrongShape(path: string, value: unknown): void {
  const problem = wrongShape(value);
  if (problem === null) return;
  throw new GatehouseError('INPUT_INVALID', `${path}: ${problem}`, {
    hint: 'a file source holds a JSON array of committee meetings, NDJSON (one per line), a {"committeeMeetings": [...]} page or a {"committeeMeeting": {...}} detail',
  });
}

/**
 * A UTF-16 file (Windows "Unicode" exports) reads as UTF-8 full of NUL bytes, and a gzip file as
 * bytes that are no text at all: both would fail as "invalid JSON at line 1, column 1", so say what
 * the file is instead. UTF-16 is known by its byte order mark, or without one by a `[` or `{` beside
 * a NUL byte where the text starts; gzip by its magic number.
 */
async function refuseUnreadableEncoding(path: string): Promise<void> {
  const start = await firstBytes(path, 2);
  if (start[0] === 0x1f && start[1] === 0x8b) {
    throw new GatehouseError('INPUT_INVALID', `${path}: the file is gzip-compressed; a file source reads uncompressed UTF-8 JSON or NDJSON`, {
      hint: `decompress it first, e.g. gzip -dc ${path} > records.ndjson`,
    });
  }
  const opens = (byte: number | undefined) => byte === 0x5b || byte === 0x7b;
  const order = start[0] === 0xff && start[1] === 0xfe ? 'UTF-16LE'
    : start[0] === 0xfe && start[1] === 0xff ? 'UTF-16BE'
      : opens(start[0]) && start[1] === 0 ? 'UTF-16LE'
        : start[0] === 0 && opens(start[1]) ? 'UTF-16BE' : null;
  if (order === null) return;
  throw new GatehouseError('INPUT_INVALID', `${path}: the file is ${order} text; a file source reads UTF-8`, {
    hint: `convert it first, e.g. iconv -f ${order} -t UTF-8 ${path} > converted.json`,
  });
}

async function firstBytes(path: string, count: number): Promise<Buffer> {
  const handle = await open(path, 'r').catch((error: unknown) => Promise.reject(unreadable(path, error)));
  try {
    const buffer = Buffer.alloc(count);
    const { bytesRead } = await handle.read(buffer, 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function requireReadableFile(path: string): Promise<void> {
  try {
    const found = await stat(path);
    if (found.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    // A pipe or device can be read only once, and only forwards: the format check and a --resume both read again.
    if (!found.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    await access(path, constants.R_OK);
  } catch (error) {
    throw unreadable(path, error);
  }
}

function unreadable(path: string, error: unknown): GatehouseError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'not found',
    ENOTDIR: 'not found (a parent is not a directory)',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory, not a file',
    ENOTREG: 'it is a pipe or device, not a regular file (a file source is read more than once: save the input to a file first)',
  };
  const reason = (code !== undefined ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
  return new GatehouseError('SOURCE_UNREADABLE', `cannot read ${path}: ${reason}`, { cause: error });
}

/**
 * An opening line: its text, or — for a line longer than OPENING_LINE_LIMIT (a record too large to
 * store, or a whole minified document) — only its last bytes, enough to see how it ends.
 */
interface OpeningLine {
  text: string;
  whole: boolean;
}

/**
 * The first few non-blank lines, read a chunk at a time so a 1 GB NDJSON file costs one chunk.
 * A line past the limit is not kept, but the scan goes on past it: a 50 MB first record must not
 * hide that the lines after it are NDJSON.
 */
async function readOpeningLines(path: string): Promise<OpeningLine[]> {
  const handle = await open(path, 'r').catch((error: unknown) => Promise.reject(unreadable(path, error)));
  try {
    const found: OpeningLine[] = [];
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let tail = Buffer.alloc(0);
    let offset = 0;
    const keep = (bytes: Buffer | null): void => {
      const line = bytes === null ? { text: tail.toString('utf8'), whole: false } : { text: withoutByteOrderMark(bytes.toString('utf8')), whole: true };
      if (line.text.trim() !== '') found.push(line);
      partial = [];
      partialBytes = 0;
      tail = Buffer.alloc(0);
    };
    const extend = (piece: Buffer): void => {
      if (partialBytes + piece.length <= OPENING_LINE_LIMIT) {
        partial.push(piece);
        partialBytes += piece.length;
        return;
      }
      const end = Buffer.concat([...partial, tail, piece]);
      tail = end.subarray(Math.max(0, end.length - LINE_END_KEPT));
      partial = [];
      partialBytes = Number.POSITIVE_INFINITY;
    };
    const finishLine = (): void => keep(partialBytes === Number.POSITIVE_INFINITY ? null : Buffer.concat(partial));
    while (found.length < OPENING_LINES) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      offset += bytesRead;
      if (bytesRead === 0) {
        finishLine();
        break;
      }
      let lineStart = 0;
      for (let newline = chunk.indexOf(10, 0); newline !== -1 && newline < bytesRead; newline = chunk.indexOf(10, lineStart)) {
        extend(chunk.subarray(lineStart, newline));
        finishLine();
        lineStart = newline + 1;
      }
      extend(chunk.subarray(lineStart, bytesRead));
    }
    return found.slice(0, OPENING_LINES);
  } finally {
    await handle.close();
  }
}

/**
 * NDJSON when the first line is a whole JSON object. A file whose first lines are broken (a
 * truncated record, stray text, `null`) or whole arrays still counts when a later opening line is
 * a whole object or array and the line before it ends in a value: no JSON document has a value
 * followed by a new value without a comma, so this never takes a valid document for NDJSON — a
 * pretty-printed one ends its lines in `[`, `{`, `,` or `:` before each whole record.
 */
function looksLikeNdjson(lines: OpeningLine[]): boolean {
  const isRecordLine = (line: OpeningLine) => line.whole && (isJsonObjectText(line.text) || isJsonArrayText(line.text));
  if (lines[0]?.whole === true && isJsonObjectText(lines[0].text)) return true;
  return lines.some((line, index) => index > 0 && !opensValue(lines[index - 1]!.text) && isRecordLine(line));
}

function opensValue(line: string): boolean {
  return /[[{,:]\s*$/.test(line);
}

function isJsonObjectText(line: string): boolean {
  const value = parsedOrUndefined(line);
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonArrayText(line: string): boolean {
  return Array.isArray(parsedOrUndefined(line));
}

function parsedOrUndefined(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A JSON document is parsed whole. When its bytes are not all UTF-8 they are decoded with U+FFFD
 * and every record that then holds a U+FFFD is quarantined as INVALID_UTF8: unlike NDJSON there is
 * no line to blame, but the broken bytes can only sit inside strings (anywhere else the file would
 * not parse), so the records they land in are exactly the ones holding a U+FFFD. The price: in such
 * a file a record that legitimately holds U+FFFD is set aside too — kept in quarantine, not lost.
 */
async function readDocument(path: string): Promise<{ items: SourceItem[]; bytes: Buffer }> {
  let bytes: Buffer;
  let text: string;
  try {
    bytes = await readFile(path);
    text = withoutByteOrderMark(bytes.toString('utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG' || error instanceof RangeError) {
      throw new GatehouseError('SOURCE_UNREADABLE', `cannot read ${path}: too large to read as one JSON document`, {
        hint: 'convert it to NDJSON (one record per line), which is streamed',
      });
    }
    throw unreadable(path, error);
  }
  const { value, repeated } = parseDocument(path, text);
  refuseWrongShape(path, value);
  const brokenBytes = !isUtf8(bytes);
  const records = recordsIn(value);
  const outside = repeated === null ? null : repeatedKeyOutsideRecords(value, records, repeated);
  if (outside !== null) {
    throw new GatehouseError('INPUT_INVALID', `${path}: ${outside}`, { hint: 'a key given twice outside any one record leaves no record to quarantine for it: fix the file' });
  }
  const items = records.map((record, position): SourceItem => {
    const item = limitedItem(position, record, undefined, repeated);
    if (item.error) return { ...item, error: { ...item.error, message: `record ${position + 1}: ${item.error.message}` } };
    if (!brokenBytes || !holdsReplacementCharacter(record)) return item;
    return { position, raw: record, error: { code: 'INVALID_UTF8', message: `record ${position + 1} holds bytes that are not UTF-8 (shown as U+FFFD)` } };
  });
  return { items, bytes };
}

function parseDocument(path: string, text: string): ParsedJson {
  try {
    return parseJsonNotingRepeatedKeys(text);
  } catch (error) {
    const where = locateJsonSyntaxError(text);
    const position = where === null ? '' : ` at line ${where.line}, column ${where.column}`;
    throw new GatehouseError('INPUT_INVALID', `${path}: invalid JSON${position}`, { cause: error });
  }
}

function holdsReplacementCharacter(record: unknown): boolean {
  let found = false;
  walkRecord(record, ({ value }) => {
    if (typeof value === 'string' && value.includes('\uFFFD')) found = true;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((key) => key.includes('\uFFFD'))) found = true;
    return !found;
  });
  return found;
}

function documentSource(description: string, items: SourceItem[], fingerprint: SourceFingerprint): RecordSource {
  return {
    description,
    fingerprint,
    expectedCount: items.length,
    async *items({ skip = 0, signal } = {}): AsyncIterable<SourceItem> {
      for (let position = Math.max(0, skip); position < items.length; position++) {
        if (signal?.aborted) return;
        yield items[position]!;
      }
    },
  };
}

function ndjsonSource(path: string, description: string, fingerprint: SourceFingerprint): RecordSource {
  return {
    description,
    fingerprint,
    expectedCount: null,
    async *items({ skip = 0, signal } = {}) {
      try {
        yield* readNdjson(path, skip, signal, fingerprint);
      } catch (error) {
        throw unreadable(path, error);
      }
    },
  };
}
