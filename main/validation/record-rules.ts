import {
  canonicalEventId,
  CHAMBERS,
  eventIdProblem,
  COMMITTEE_CODE_PATTERN,
  MAX_RECORD_DEPTH,
  MAX_TEXT_FIELD_LENGTH,
  MAX_TITLE_LENGTH,
  MEETING_STATUSES,
  MEETING_TYPES,
  quotedValue,
  type NormalizedHearing,
  type Rejection,
  type RejectionCode,
} from '../../shared/record.js';
import { utcOffsetProblem } from '../../shared/instant.js';
import { walkRecord } from '../../shared/record-walk.js';
import { daysInMonth, digitsAt } from './ascii-digits.js';
import { codePoints, describe, isDict, listOf, recordText, repeatedEntry, textOf, readLocation, readTranscripts, readVideos, readWitnesses, type Dict, type ListedEntry, type ReasonSink } from './record-parts.js';

/** What the record rules need to know about the database. */
export interface RecordRuleContext {
  isKnownCommittee(systemCode: string): boolean;
}

/** `repeats`, when the record listed an entry twice alike (stored once): what it repeated, one line each. */
export type RuleOutcome = { ok: true; hearing: NormalizedHearing; repeats?: string[] } | { ok: false; reasons: Rejection[] };

const EARLIEST_YEAR = 1789;
const LATEST_YEAR = 2100;
/** RFC 3339 lets `t` and `z` be lower case, and ISO 8601 an offset of whole hours (`-05`): both are read. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

class Reasons implements ReasonSink {
  readonly list: Rejection[] = [];
  readonly repeats: string[] = [];
  add(code: RejectionCode, message: string): void {
    this.list.push({ code, message });
  }
  repeated(message: string): void {
    this.repeats.push(message);
  }
}

/**
 * Applies every record rule and returns either the normalized hearing or all the reasons it
 * was rejected (not just the first, so one quarantine entry tells the whole story).
 */
export function applyRecordRules(raw: unknown, context: RecordRuleContext): RuleOutcome {
  if (!isDict(raw)) {
    return { ok: false, reasons: [{ code: 'NOT_AN_OBJECT', message: `expected a committee-meeting object, got ${describe(raw)}` }] };
  }
  const reasons = new Reasons();
  const tooDeep = checkStrings(raw, reasons);
  const eventId = readEventId(raw.eventId, reasons);
  const congress = readCongress(raw.congress, reasons);
  const chamber = readEnum(raw.chamber, CHAMBERS, 'chamber', 'BAD_CHAMBER', reasons);
  const type = readEnum(raw.type, MEETING_TYPES, 'type', 'BAD_TYPE', reasons);
  const meetingStatus = readEnum(raw.meetingStatus, MEETING_STATUSES, 'meetingStatus', 'BAD_STATUS', reasons);
  const title = readTitle(raw.title, reasons);
  const date = readDate(raw.date, 'date', reasons, true);
  const updateDate = readDate(raw.updateDate, 'updateDate', reasons, false);
  const committees = readCommittees(raw.committees, context, reasons);
  // Past a container nested too deep the record's shape is not read: the walk stopped there too.
  if (tooDeep) return { ok: false, reasons: reasons.list };
  const location = readLocation(raw.location, reasons);
  const witnesses = readWitnesses(raw.witnesses, reasons);
  const videos = readVideos(raw.videos, reasons);
  const transcripts = readTranscripts(raw.hearingTranscript, reasons);
  if (reasons.list.length > 0) return { ok: false, reasons: reasons.list };
  const outcome: RuleOutcome = {
    ok: true,
    hearing: {
      eventId: eventId!,
      congress: congress!,
      chamber: chamber!,
      type: type!,
      meetingStatus: meetingStatus!,
      title: title!,
      date: date!,
      updateDate,
      location,
      committees,
      witnesses,
      videos,
      transcripts,
    },
  };
  if (reasons.repeats.length > 0) outcome.repeats = reasons.repeats;
  return outcome;
}

/**
 * NUL characters and oversize text anywhere in the record (title excepted: it has its own limit),
 * and nesting past MAX_RECORD_DEPTH for records that did not come through a parsing source. True
 * when the record nests too deep.
 */
function checkStrings(raw: Dict, reasons: Reasons): boolean {
  if (containerWithinLimits(raw, 1)) return false;
  let sawNul = false;
  let oversize: string | null = null;
  let tooDeep = false;
  walkRecord(raw, ({ value, depth, path }) => {
    if (depth > MAX_RECORD_DEPTH) {
      tooDeep = true;
      return false;
    }
    if (typeof value !== 'string') return;
    if (!sawNul && value.includes('\u0000')) {
      sawNul = true;
      reasons.add('NUL_CHARACTER', `${path()} contains a NUL character`);
    }
    if (oversize === null && value.length > MAX_TEXT_FIELD_LENGTH && path() !== 'title') oversize = path();
  });
  if (tooDeep) reasons.add('TOO_DEEP', `the record nests more than ${MAX_RECORD_DEPTH} arrays or objects deep`);
  if (oversize !== null) {
    reasons.add('OVERSIZE_FIELD', `${oversize} is longer than ${MAX_TEXT_FIELD_LENGTH.toLocaleString('en-US')} characters`);
  }
  return tooDeep;
}

/**
 * No NUL, no string past MAX_TEXT_FIELD_LENGTH (title included) and nothing nested past
 * MAX_RECORD_DEPTH: the common case, found without the walk's frame and path per value. Recursion
 * is safe here, since it stops one level past MAX_RECORD_DEPTH. False sends the record through the
 * walk, which finds what to report.
 */
function containerWithinLimits(container: object, depth: number): boolean {
  if (depth > MAX_RECORD_DEPTH) return false;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (!valueWithinLimits(container[i], depth)) return false;
    return true;
  }
  // for…in also visits inherited keys: more to check than the walk's Object.keys, never less.
  for (const key in container) if (!valueWithinLimits((container as Dict)[key], depth)) return false;
  return true;
}

function valueWithinLimits(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.length <= MAX_TEXT_FIELD_LENGTH && !value.includes('\u0000');
  return typeof value !== 'object' || value === null || containerWithinLimits(value, depth + 1);
}

/**
 * Congress.gov event ids are numbers: "061", "61" and 61 name one meeting, stored as "61". Anything
 * else is refused with what is wrong with it, never stored under a spelling another copy does not share.
 */
function readEventId(value: unknown, reasons: Reasons): string | null {
  if (value === undefined || value === null || value === '') {
    reasons.add('MISSING_EVENT_ID', 'eventId is missing');
    return null;
  }
  const problem = eventIdProblem(value);
  if (problem !== null) {
    reasons.add('BAD_EVENT_ID', problem);
    return null;
  }
  return canonicalEventId(String(value));
}

function readCongress(value: unknown, reasons: Reasons): number | null {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 200) {
    reasons.add('BAD_CONGRESS', `congress must be a whole number from 1 to 200, got ${quotedValue(value)}`);
    return null;
  }
  return number;
}

function readEnum<T extends string>(
  value: unknown,
  allowed: readonly T[],
  field: string,
  code: RejectionCode,
  reasons: Reasons,
): T | null {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  reasons.add(code, `${field} must be one of ${allowed.join(', ')}, got ${quotedValue(value)}`);
  return null;
}

function readTitle(value: unknown, reasons: Reasons): string | null {
  // Words, unlike a room or a jacket number: a number here is a field mixed up (an event id, a count), not a title to store.
  if (typeof value === 'number') {
    reasons.add('BAD_SHAPE', `title must be text, got ${describe(value)}`);
    return null;
  }
  const before = reasons.list.length;
  const title = textOf(value, 'title', reasons);
  if (reasons.list.length > before) return null;
  if (title === null) {
    reasons.add('EMPTY_TITLE', typeof value === 'string' && value.trim() !== '' ? `title shows nothing: it is only ${codePoints(value)}` : 'title is missing or blank');
    return null;
  }
  if (title.length > MAX_TITLE_LENGTH) {
    reasons.add('OVERSIZE_FIELD', `title is ${title.length.toLocaleString('en-US')} characters; the limit is ${MAX_TITLE_LENGTH.toLocaleString('en-US')}`);
    return null;
  }
  return title;
}

/** Strict ISO 8601: the calendar date must exist (no 2025-02-30) and the instant, in UTC, fall in 1789–2100. */
export function parseIsoDate(value: string): { iso: string } | { problem: string } {
  const plain = plainUtcInstant(value);
  if (plain !== null) return { iso: plain };
  const match = ISO_8601.exec(value.trim());
  if (!match) return { problem: 'is not an ISO 8601 date' };
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return { problem: 'is not a real calendar date' };
  if (match[4] !== undefined && (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6] ?? 0) > 59)) {
    return { problem: 'has an impossible time of day' };
  }
  const zone = match[7];
  const offsetProblem = zone === undefined ? null : utcOffsetProblem(zone);
  if (offsetProblem !== null) return { problem: offsetProblem };
  const text = value.trim().toUpperCase();
  const zoned = match[4] === undefined ? text : zone === undefined ? `${text}Z` : /^[+-]\d{2}$/.test(zone) ? `${text}:00` : text;
  const instant = new Date(zoned.replace(' ', 'T'));
  if (Number.isNaN(instant.getTime())) return { problem: 'is not an ISO 8601 date' };
  // The range bounds what is stored, the UTC instant: 2100-12-31T23:30-05:00 is already 2101 there.
  const utcYear = instant.getUTCFullYear();
  if (utcYear < EARLIEST_YEAR || utcYear > LATEST_YEAR) {
    const converted = utcYear === year ? '' : ` (in UTC, as it is stored, it is ${utcYear < 0 || utcYear > 9999 ? `year ${utcYear}` : instant.toISOString()})`;
    return { problem: `is outside ${EARLIEST_YEAR}–${LATEST_YEAR}${converted}` };
  }
  return { iso: instant.toISOString() };
}

/**
 * The form Congress.gov and the synthetic source send, read without a regex or a Date: a UTC
 * instant with seconds and optional milliseconds ("2025-01-06T19:00:00Z", "…:00.000Z"), in range
 * and on a real calendar day. Its ISO text is then its own, with ".000" added when it has no
 * milliseconds. Anything else, faulty or not, is null, and the general parse decides.
 */
function plainUtcInstant(value: string): string | null {
  const length = value.length;
  if (length !== 20 && length !== 24) return null;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':' || value[length - 1] !== 'Z') return null;
  if (length === 24 && (value[19] !== '.' || digitsAt(value, 20, 3) < 0)) return null;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  if (year < EARLIEST_YEAR || year > LATEST_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  return length === 24 ? value : `${value.slice(0, 19)}.000Z`;
}

function readDate(value: unknown, field: string, reasons: Reasons, required: boolean): string | null {
  if (value === undefined || value === null || value === '') {
    if (required) reasons.add('BAD_DATE', `${field} is missing`);
    return null;
  }
  if (typeof value !== 'string') {
    reasons.add('BAD_DATE', `${field} must be an ISO 8601 string, got ${quotedValue(value)}`);
    return null;
  }
  const parsed = parseIsoDate(value);
  if ('iso' in parsed) return parsed.iso;
  const code: RejectionCode = parsed.problem.startsWith('is outside') ? 'DATE_OUT_OF_RANGE' : 'BAD_DATE';
  reasons.add(code, `${field} ${JSON.stringify(value.slice(0, 80))} ${parsed.problem}`);
  return null;
}

function readCommittees(value: unknown, context: RecordRuleContext, reasons: Reasons): NormalizedHearing['committees'] {
  const committees: NormalizedHearing['committees'] = [];
  const entries = listOf(value, 'committees', reasons);
  // A list of one (most records name one committee) cannot repeat itself: no Map to build.
  const seen = entries.length > 1 ? new Map<string, ListedEntry & { stored: NormalizedHearing['committees'][number] }>() : null;
  // Each entry read once: the names below and the loop use the same reading.
  const read = entries.map((entry, i) => committeeOf(entry, `committees[${i}]`, reasons));
  // A committee's name given by a repeat of its entry names it for the entry before it too.
  const named = entries.length > 1 ? new Set(read.flatMap(({ code, name }) => (name === null ? [] : [code]))) : null;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const { code, name } = read[i]!;
    if (!COMMITTEE_CODE_PATTERN.test(code)) {
      const shown = isDict(entry) ? JSON.stringify(entry.systemCode) ?? 'nothing' : JSON.stringify(entry);
      reasons.add('BAD_COMMITTEE_CODE', `committee systemCode ${shown} is not of the form hsif00`);
      continue;
    }
    if (name === null && !context.isKnownCommittee(code) && !named?.has(code)) {
      reasons.add('UNKNOWN_COMMITTEE', `committee ${code} is not in the database and the record gives no name to create it with`);
      continue;
    }
    const committee = { systemCode: code, name };
    if (seen !== null) {
      const path = `committees[${i}]`;
      const first = seen.get(code);
      if (first !== undefined) {
        repeatedEntry(reasons, first, { path, details: { name } }, `committee ${code}`);
        first.stored.name = first.details.name ?? null;
        continue;
      }
      seen.set(code, { path, details: { name }, stored: committee });
    }
    committees.push(committee);
  }
  return committees;
}

/** An entry of a record's committees as read: its code in lower case ('' when there is none to read), and its name. */
function committeeOf(entry: unknown, path: string, reasons: Reasons): { code: string; name: string | null } {
  const code = isDict(entry) && typeof entry.systemCode === 'string' ? entry.systemCode.trim().toLowerCase() : '';
  const name = isDict(entry) && typeof entry.name === 'string' ? recordText(entry.name, `${path}.name`, reasons) : null;
  return { code, name };
}
