import {
  CHAMBERS,
  COMMITTEE_CODE_PATTERN,
  MAX_RECORD_DEPTH,
  MAX_TEXT_FIELD_LENGTH,
  MAX_TITLE_LENGTH,
  MEETING_STATUSES,
  MEETING_TYPES,
  type NormalizedHearing,
  type Rejection,
  type RejectionCode,
  witnessKey,
} from '../../shared/record.js';
import { walkRecord } from '../../shared/record-walk.js';
import { normalizeWitnessName } from './witness-names.js';
import { daysInMonth, digitsAt } from './ascii-digits.js';

/** What the record rules need to know about the database. */
export interface RecordRuleContext {
  isKnownCommittee(systemCode: string): boolean;
}

export type RuleOutcome = { ok: true; hearing: NormalizedHearing } | { ok: false; reasons: Rejection[] };

const EARLIEST_YEAR = 1789;
const LATEST_YEAR = 2100;
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Reasons {
  readonly list: Rejection[] = [];
  add(code: RejectionCode, message: string): void {
    this.list.push({ code, message });
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
  checkStrings(raw, reasons);
  const eventId = readEventId(raw.eventId, reasons);
  const congress = readCongress(raw.congress, reasons);
  const chamber = readEnum(raw.chamber, CHAMBERS, 'chamber', 'BAD_CHAMBER', reasons);
  const type = readEnum(raw.type, MEETING_TYPES, 'type', 'BAD_TYPE', reasons);
  const meetingStatus = readEnum(raw.meetingStatus, MEETING_STATUSES, 'meetingStatus', 'BAD_STATUS', reasons);
  const title = readTitle(raw.title, reasons);
  const date = readDate(raw.date, 'date', reasons, true);
  const updateDate = readDate(raw.updateDate, 'updateDate', reasons, false);
  const committees = readCommittees(raw.committees, context, reasons);
  if (reasons.list.length > 0) return { ok: false, reasons: reasons.list };
  return {
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
      location: readLocation(raw.location),
      committees,
      witnesses: readWitnesses(raw.witnesses),
      videos: readVideos(raw.videos),
      transcripts: readTranscripts(raw.hearingTranscript),
    },
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * NUL characters and oversize text anywhere in the record (title excepted: it has its own limit),
 * and nesting past MAX_RECORD_DEPTH for records that did not come through a parsing source.
 */
function checkStrings(raw: Dict, reasons: Reasons): void {
  if (containerWithinLimits(raw, 1)) return;
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

function readEventId(value: unknown, reasons: Reasons): string | null {
  if (value === undefined || value === null || value === '') {
    reasons.add('MISSING_EVENT_ID', 'eventId is missing');
    return null;
  }
  const text = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) {
    // Past 2^53 the parser has already rounded the number: printing it would show an id nobody sent.
    const got = typeof value === 'number' && Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER ? 'a number too large to read exactly (send it as a string)' : JSON.stringify(value);
    reasons.add('BAD_EVENT_ID', `eventId must be a string of digits, got ${got}`);
    return null;
  }
  return text;
}

function readCongress(value: unknown, reasons: Reasons): number | null {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 200) {
    reasons.add('BAD_CONGRESS', `congress must be a whole number from 1 to 200, got ${JSON.stringify(value)}`);
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
  reasons.add(code, `${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value) ?? 'nothing'}`);
  return null;
}

function readTitle(value: unknown, reasons: Reasons): string | null {
  const title = typeof value === 'string' ? value.trim() : '';
  if (title === '') {
    reasons.add('EMPTY_TITLE', 'title is missing or blank');
    return null;
  }
  if (title.length > MAX_TITLE_LENGTH) {
    reasons.add('OVERSIZE_FIELD', `title is ${title.length.toLocaleString('en-US')} characters; the limit is ${MAX_TITLE_LENGTH.toLocaleString('en-US')}`);
    return null;
  }
  return title;
}

/** Strict ISO 8601: the calendar date must exist (no 2025-02-30) and fall in 1789–2100. */
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
  const zoned = match[4] !== undefined && match[7] === undefined ? `${value.trim()}Z` : value.trim();
  const instant = new Date(zoned.replace(' ', 'T'));
  if (Number.isNaN(instant.getTime())) return { problem: 'is not an ISO 8601 date' };
  if (year < EARLIEST_YEAR || year > LATEST_YEAR) return { problem: `is outside ${EARLIEST_YEAR}–${LATEST_YEAR}` };
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
    reasons.add('BAD_DATE', `${field} must be an ISO 8601 string, got ${JSON.stringify(value)}`);
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
  const entries = listOf(value);
  // A list of one (most records name one committee) cannot repeat itself: no Set to build.
  const seen = entries.length > 1 ? new Set<string>() : null;
  for (const entry of entries) {
    const code = isDict(entry) && typeof entry.systemCode === 'string' ? entry.systemCode.trim().toLowerCase() : '';
    const name = isDict(entry) && typeof entry.name === 'string' && entry.name.trim() !== '' ? entry.name.trim() : null;
    if (!COMMITTEE_CODE_PATTERN.test(code)) {
      const shown = isDict(entry) ? JSON.stringify(entry.systemCode) ?? 'nothing' : JSON.stringify(entry);
      reasons.add('BAD_COMMITTEE_CODE', `committee systemCode ${shown} is not of the form hsif00`);
      continue;
    }
    if (name === null && !context.isKnownCommittee(code)) {
      reasons.add('UNKNOWN_COMMITTEE', `committee ${code} is not in the database and the record gives no name to create it with`);
      continue;
    }
    if (seen !== null) {
      if (seen.has(code)) continue;
      seen.add(code);
    }
    committees.push({ systemCode: code, name });
  }
  return committees;
}

/** Congress.gov wraps some lists as `{item: [...]}`. */
function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isDict(value) && Array.isArray(value.item)) return value.item;
  return [];
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function readLocation(value: unknown): NormalizedHearing['location'] {
  if (!isDict(value)) return null;
  const location = { room: text(value.room), building: text(value.building), address: text(value.address) };
  return location.room === null && location.building === null && location.address === null ? null : location;
}

function readWitnesses(value: unknown): NormalizedHearing['witnesses'] {
  const witnesses: NormalizedHearing['witnesses'] = [];
  const entries = listOf(value);
  // No repeat to find in a list of one or none: neither the Set nor a key per witness is built.
  const seen = entries.length > 1 ? new Set<string>() : null;
  for (const entry of entries) {
    if (!isDict(entry)) continue;
    const name = text(entry.name);
    if (name === null) continue;
    const normalizedName = normalizeWitnessName(name);
    const organization = text(entry.organization);
    if (seen !== null) {
      const key = witnessKey({ normalizedName, organization });
      if (seen.has(key)) continue;
      seen.add(key);
    }
    witnesses.push({ name, normalizedName, organization, position: text(entry.position) });
  }
  return witnesses;
}

function readVideos(value: unknown): NormalizedHearing['videos'] {
  const videos: NormalizedHearing['videos'] = [];
  for (const entry of listOf(value)) {
    const url = isDict(entry) ? text(entry.url) : null;
    if (url !== null) videos.push({ name: text((entry as Dict).name), url });
  }
  return videos;
}

function readTranscripts(value: unknown): NormalizedHearing['transcripts'] {
  const transcripts: NormalizedHearing['transcripts'] = [];
  for (const entry of listOf(value)) {
    if (!isDict(entry)) continue;
    const jacketNumber = entry.jacketNumber === undefined || entry.jacketNumber === null ? null : String(entry.jacketNumber).trim() || null;
    const url = text(entry.url);
    if (jacketNumber !== null || url !== null) transcripts.push({ jacketNumber, url });
  }
  return transcripts;
}
