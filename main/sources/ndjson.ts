import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { SourceFingerprint } from '../../shared/run.js';
import { locateJsonSyntaxError, withoutByteOrderMark } from './json-syntax.js';
import { parseJsonNotingRepeatedKeys, type ParsedJson } from '../../shared/json-repeated-keys.js';
import { formatBytes, limitedItem, repeatedKeyOutsideRecords } from './record-limits.js';
import { eventIdOf, recordsIn } from './wrappers.js';
import type { SourceItem } from './types.js';

/**
 * A line longer than this is not parsed (it cannot be one record, and a page of 250 records is
 * about 2 MB): it becomes one OVERSIZE_RECORD item, and only its start is kept in memory.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** What an unparseable line keeps as its raw value; quarantine bounds it again. */
const RAW_LINE_LIMIT = 10_000;

interface RawLine {
  number: number;
  /** The line without its newline, cut at MAX_LINE_BYTES. */
  bytes: Buffer;
  /** Its whole length in bytes, which exceeds `bytes.length` when it was cut. */
  length: number;
}

/**
 * Streams NDJSON as items. Each line is decoded on its own with a strict UTF-8 check, so a line
 * with a broken byte costs only itself (INVALID_UTF8) instead of being stored with U+FFFD.
 */
export async function* readNdjson(path: string, skip: number, signal: AbortSignal | undefined, fingerprint?: SourceFingerprint): AsyncIterable<SourceItem> {
  let position = 0;
  for await (const line of rawLines(path, fingerprint)) {
    if (signal?.aborted) return;
    const readable = decodeLine(line);
    if (readable === null) continue;
    // Skipped lines are counted, not parsed, unless one line may hold several records.
    if (position < skip && (typeof readable !== 'string' || !mayHoldSeveralRecords(readable))) {
      position++;
      continue;
    }
    const items = typeof readable === 'string' ? itemsInLine(readable, line.number, position) : [{ ...readable, position }];
    for (const item of items) {
      if (item.position >= skip) yield item;
      position++;
    }
  }
}

/** The line's text; null for a blank line; an unreadable item for a line that cannot be text. */
function decodeLine(line: RawLine): string | Omit<SourceItem, 'position'> | null {
  if (line.length > MAX_LINE_BYTES) {
    return {
      raw: line.bytes.subarray(0, RAW_LINE_LIMIT).toString('utf8'),
      error: { code: 'OVERSIZE_RECORD', message: `line ${line.number} is ${formatBytes(line.length)}; one line may hold at most ${formatBytes(MAX_LINE_BYTES)}` },
    };
  }
  if (!isUtf8(line.bytes)) {
    // Decoded with U+FFFD only to show a person where the bad bytes are; never stored as a record.
    const shown = line.bytes.toString('utf8');
    const item: Omit<SourceItem, 'position'> = { raw: shown, error: { code: 'INVALID_UTF8', message: `line ${line.number} is not valid UTF-8 text${badByteAt(shown)}` } };
    const eventId = eventIdIn(shown);
    return eventId === null ? item : { ...item, eventId };
  }
  const text = line.bytes.toString('utf8');
  const clean = line.number === 1 ? withoutByteOrderMark(text) : text;
  return clean.trim() === '' ? null : clean;
}

/** The eventId of a line that parses once its bad bytes are replaced, to name it in quarantine. */
function eventIdIn(text: string): string | null {
  try {
    return eventIdOf(JSON.parse(text));
  } catch {
    return null;
  }
}

function badByteAt(shown: string): string {
  const column = shown.indexOf('\uFFFD');
  return column < 0 ? '' : ` (first bad byte near column ${column + 1})`;
}

function mayHoldSeveralRecords(line: string): boolean {
  return line.trimStart().startsWith('[') || line.includes('"committeeMeetings"');
}

function itemsInLine(line: string, lineNumber: number, firstPosition: number): SourceItem[] {
  let parsed: ParsedJson;
  try {
    parsed = parseJsonNotingRepeatedKeys(line);
  } catch {
    const where = locateJsonSyntaxError(line);
    const reason = where === null ? 'cannot be parsed' : `${where.reason} at column ${where.column}`;
    return [{
      position: firstPosition,
      raw: line.length > RAW_LINE_LIMIT ? line.slice(0, RAW_LINE_LIMIT) : line,
      error: { code: 'INVALID_JSON', message: `line ${lineNumber} is not valid JSON: ${reason}` },
    }];
  }
  const { value, repeated } = parsed;
  const records = recordsIn(value);
  // A line that is one record is its own best raw form; a page's records are shown one by one.
  const ownText = records.length === 1 && records[0] === value ? line : undefined;
  const outside = repeated === null || ownText !== undefined ? null : repeatedKeyOutsideRecords(value, records, repeated);
  if (outside !== null) {
    const raw = line.length > RAW_LINE_LIMIT ? line.slice(0, RAW_LINE_LIMIT) : line;
    return [{ position: firstPosition, raw, error: { code: 'DUPLICATE_KEY', message: `line ${lineNumber}: ${outside}` } }];
  }
  return records.map((record, index) => withLineNumber(limitedItem(firstPosition + index, record, ownText, repeated), lineNumber));
}

function withLineNumber(item: SourceItem, lineNumber: number): SourceItem {
  if (!item.error) return item;
  return { ...item, error: { ...item.error, message: `line ${lineNumber}: ${item.error.message}` } };
}

/**
 * Splits the file on newlines as bytes, so each line can be checked as UTF-8 before it is decoded.
 * At its end, before an unterminated last line, the bytes read must be those `fingerprint` hashed
 * as the run opened the file: one truncated, appended to or edited while the run read it (a
 * regenerated export) would otherwise end the run as if whole, its cut last line quarantined as a
 * record's fault and the rest never read. Hashing as it reads costs no second read.
 */
async function* rawLines(path: string, fingerprint?: SourceFingerprint): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let number = 0;
  const keep = (piece: Buffer) => {
    length += piece.length;
    if (kept >= MAX_LINE_BYTES || piece.length === 0) return;
    const part = piece.subarray(0, MAX_LINE_BYTES - kept);
    parts.push(part);
    kept += part.length;
  };
  const finish = (): RawLine => {
    number++;
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 13 && length === bytes.length) bytes = bytes.subarray(0, -1);
    const line = { number, bytes, length: length === kept ? bytes.length : length };
    parts = [];
    kept = 0;
    length = 0;
    return line;
  };
  const input = createReadStream(path);
  const read = { bytes: 0, hash: createHash('sha256') };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      read.bytes += chunk.length;
      read.hash.update(chunk);
      let start = 0;
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
        keep(chunk.subarray(start, newline));
        yield finish();
        start = newline + 1;
      }
      keep(chunk.subarray(start));
    }
    if (fingerprint) refuseChangedWhileRead(fingerprint, read.bytes, read.hash.digest('hex'));
    if (length > 0) yield finish();
  } finally {
    input.destroy();
  }
}

/** Thrown as the source's failure (file.ts: SOURCE_UNREADABLE): the run stops interrupted, and resumes over the file once it is the one the run opened again. */
function refuseChangedWhileRead(fingerprint: SourceFingerprint, bytesRead: number, sha256: string): void {
  const count = (bytes: number) => bytes.toLocaleString('en-US');
  const change = bytesRead !== fingerprint.size
    ? `${count(fingerprint.size)} bytes when the run opened it, ${count(bytesRead)} read`
    : fingerprint.contentSha256 !== undefined && sha256 !== fingerprint.contentSha256 ? 'the bytes read are not those the run opened' : null;
  if (change === null) return;
  throw new Error(`it changed while the run read it (${change})`);
}
