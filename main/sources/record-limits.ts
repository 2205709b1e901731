import { firstRepeatedKey, type RepeatedKeys } from '../../shared/json-repeated-keys.js';
import { MAX_RECORD_BYTES, MAX_RECORD_DEPTH, type Rejection } from '../../shared/record.js';
import { jsonWithinDepth, walkRecord } from '../../shared/record-walk.js';
import type { SourceItem } from './types.js';
import { eventIdOf } from './wrappers.js';

/**
 * The parse-time limits every source applies to each record it yields: nesting depth, size, and
 * text that UTF-8 can store. A record past one becomes an item with its reason (TOO_DEEP,
 * OVERSIZE_RECORD, INVALID_UTF8), so it is quarantined alone and the records around it are stored.
 */
export function recordLimitProblem(record: unknown): Rejection | null {
  let bytes = 0;
  let problem: Rejection | null = null;
  walkRecord(record, ({ value, depth, path }) => {
    if (depth > MAX_RECORD_DEPTH) {
      problem = { code: 'TOO_DEEP', message: `the record nests more than ${MAX_RECORD_DEPTH} arrays or objects deep` };
      return false;
    }
    // A lone UTF-16 surrogate (JSON's `\ud800` escape parses to one) is not well formed: stored, it
    // would become U+FFFD on PostgreSQL and bytes that are not UTF-8 in SQLite.
    if (typeof value === 'string' && !value.isWellFormed()) {
      problem = { code: 'INVALID_UTF8', message: `${path() || 'the record'} holds a lone UTF-16 surrogate (a \\u escape between d800 and dfff without its pair), which UTF-8 text cannot store` };
      return false;
    }
    bytes += approximateJsonBytes(value);
    if (bytes > MAX_RECORD_BYTES) {
      problem = { code: 'OVERSIZE_RECORD', message: `the record is larger than ${formatBytes(MAX_RECORD_BYTES)}` };
      return false;
    }
  });
  return problem;
}

/** Roughly what one value adds to the record's JSON text (a key is counted with its object). */
function approximateJsonBytes(value: unknown): number {
  if (typeof value === 'string') return value.length + 3;
  if (Array.isArray(value)) return value.length + 2;
  if (typeof value === 'object' && value !== null) {
    let bytes = 2;
    for (const key in value) bytes += key.length + 4;
    return bytes;
  }
  return 6;
}

/**
 * The item for one parsed record: the record itself, or — past a limit — its rejection with a
 * raw form that is safe to serialize (`text` when the caller has the record's own text).
 */
export function limitedItem(position: number, record: unknown, text?: string, repeated?: RepeatedKeys | null): SourceItem {
  const limit = recordLimitProblem(record);
  const problem = limit ?? (repeated ? repeatedKeyProblem(record, repeated) : null);
  if (problem === null) return { position, raw: record };
  // A record that repeats a key is kept as written: parsed, it has lost every value but the last.
  const written = limit === null ? text ?? (typeof record === 'object' && record !== null ? repeated?.textOf(record) : undefined) : text;
  const item: SourceItem = { position, raw: written ?? jsonWithinDepth(record, MAX_RECORD_DEPTH).text, error: problem };
  const eventId = eventIdOf(record);
  if (eventId !== null) item.eventId = eventId;
  return item;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KB`;
  return `${bytes} bytes`;
}

/**
 * DUPLICATE_KEY for a record in which an object gives one key twice (`{"title":"A","title":"B"}`):
 * which value its writer meant cannot be told, and JSON.parse would have kept the last in silence.
 */
export function repeatedKeyProblem(record: unknown, repeated: RepeatedKeys): Rejection | null {
  const message = firstRepeatedKey(record, repeated, 'the record');
  return message === null ? null : { code: 'DUPLICATE_KEY', message };
}

/**
 * Where the wrapping around the records (`{"committeeMeetings": [...]}`) repeats a key, as a reason
 * says it, or null: a page giving "committeeMeetings" twice would lose every meeting of the first list.
 */
export function repeatedKeyOutsideRecords(document: unknown, records: unknown[], repeated: RepeatedKeys): string | null {
  return firstRepeatedKey(document, repeated, 'the document', new Set(records));
}
