import { createReadStream } from 'node:fs';
import { access, constants, open, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { GatehouseError } from '../../shared/errors.js';
import { locateJsonSyntaxError } from './json-syntax.js';
import { recordsIn } from './wrappers.js';
import type { RecordSource, SourceItem } from './types.js';

/** Enough to hold any real first record; past it the file is one huge line, i.e. a JSON document. */
const OPENING_SCAN_LIMIT = 32 * 1024 * 1024;
const RAW_LINE_LIMIT = 10_000;
const BYTE_ORDER_MARK = '\uFEFF';

/**
 * `file:PATH` — a JSON array, a Congress.gov page or detail, a bare record, or NDJSON (streamed,
 * so a 1 GB export never sits in memory). Unreadable paths fail here, before any run starts.
 */
export async function openFileSource(path: string, description: string): Promise<RecordSource> {
  await requireReadableFile(path);
  const opening = await readOpeningLines(path);
  if (opening.length === 0) return documentSource(description, []);
  if (looksLikeNdjson(opening)) return ndjsonSource(path, description);
  return documentSource(description, await readDocument(path));
}

async function requireReadableFile(path: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
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
  };
  const reason = (code !== undefined ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
  return new GatehouseError('SOURCE_UNREADABLE', `cannot read ${path}: ${reason}`, { cause: error });
}

/** The first two non-blank lines, read a chunk at a time so a 1 GB NDJSON file costs one chunk. */
async function readOpeningLines(path: string): Promise<string[]> {
  const handle = await open(path, 'r').catch((error: unknown) => Promise.reject(unreadable(path, error)));
  try {
    const found: string[] = [];
    let partial: Buffer[] = [];
    let offset = 0;
    const keep = (bytes: Buffer): void => {
      const line = bytes.toString('utf8').replace(BYTE_ORDER_MARK, '');
      if (line.trim() !== '') found.push(line);
    };
    while (found.length < 2) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      offset += bytesRead;
      if (bytesRead === 0 || offset > OPENING_SCAN_LIMIT) {
        keep(Buffer.concat(partial));
        break;
      }
      let lineStart = 0;
      for (let newline = chunk.indexOf(10, 0); newline !== -1 && newline < bytesRead; newline = chunk.indexOf(10, lineStart)) {
        keep(Buffer.concat([...partial, chunk.subarray(lineStart, newline)]));
        partial = [];
        lineStart = newline + 1;
      }
      partial.push(chunk.subarray(lineStart, bytesRead));
    }
    return found.slice(0, 2);
  } finally {
    await handle.close();
  }
}

/**
 * NDJSON when the first line is a whole JSON object. A truncated first record still counts when
 * the second line is one — but not when the first line opens a pretty-printed document.
 */
function looksLikeNdjson([first, second]: string[]): boolean {
  if (first !== undefined && isJsonObjectText(first)) return true;
  const opensDocument = /[[{,:]\s*$/.test(first ?? '');
  return first?.trimStart().startsWith('{') === true && !opensDocument && second !== undefined && isJsonObjectText(second);
}

function isJsonObjectText(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

async function readDocument(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') {
      throw new GatehouseError('SOURCE_UNREADABLE', `cannot read ${path}: too large to read as one JSON document`, {
        hint: 'convert it to NDJSON (one record per line), which is streamed',
      });
    }
    throw unreadable(path, error);
  }
  try {
    return recordsIn(JSON.parse(text));
  } catch (error) {
    const where = locateJsonSyntaxError(text);
    const position = where === null ? '' : ` at line ${where.line}, column ${where.column}`;
    throw new GatehouseError('INPUT_INVALID', `${path}: invalid JSON${position}`, { cause: error });
  }
}

function documentSource(description: string, records: unknown[]): RecordSource {
  return {
    description,
    expectedCount: records.length,
    async *items({ skip = 0, signal } = {}): AsyncIterable<SourceItem> {
      for (let position = Math.max(0, skip); position < records.length; position++) {
        if (signal?.aborted) return;
        yield { position, raw: records[position] };
      }
    },
  };
}

function ndjsonSource(path: string, description: string): RecordSource {
  return {
    description,
    expectedCount: null,
    items: ({ skip = 0, signal } = {}) => readNdjson(path, skip, signal),
  };
}

async function* readNdjson(path: string, skip: number, signal: AbortSignal | undefined): AsyncIterable<SourceItem> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let position = 0;
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (signal?.aborted) return;
      const line = lineNumber === 1 ? text.replace(BYTE_ORDER_MARK, '') : text;
      if (line.trim() === '') continue;
      // Skipped lines are counted, not parsed, unless one line may hold several records.
      if (position < skip && !mayHoldSeveralRecords(line)) {
        position++;
        continue;
      }
      for (const item of itemsInLine(line, lineNumber, position)) {
        if (item.position >= skip) yield item;
        position++;
      }
    }
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    lines.close();
    input.destroy();
  }
}

function mayHoldSeveralRecords(line: string): boolean {
  return line.trimStart().startsWith('[') || line.includes('"committeeMeetings"');
}

function itemsInLine(line: string, lineNumber: number, firstPosition: number): SourceItem[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    const where = locateJsonSyntaxError(line);
    const reason = where === null ? 'cannot be parsed' : `${where.reason} at column ${where.column}`;
    return [{
      position: firstPosition,
      raw: line.length > RAW_LINE_LIMIT ? line.slice(0, RAW_LINE_LIMIT) : line,
      error: { code: 'INVALID_JSON', message: `line ${lineNumber} is not valid JSON: ${reason}` },
    }];
  }
  return recordsIn(value).map((raw, index) => ({ position: firstPosition + index, raw }));
}
