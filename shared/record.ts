import * as z from 'zod';

/** The Congress.gov committee-meeting vocabulary (DESIGN §3). */
export const CHAMBERS = ['House', 'Senate', 'NoChamber'] as const;
export const MEETING_TYPES = ['Hearing', 'Meeting', 'Markup'] as const;
export const MEETING_STATUSES = ['Scheduled', 'Canceled', 'Postponed', 'Rescheduled'] as const;
export type Chamber = (typeof CHAMBERS)[number];
export type MeetingType = (typeof MEETING_TYPES)[number];
export type MeetingStatus = (typeof MEETING_STATUSES)[number];

export const MAX_TITLE_LENGTH = 10_000;
/** Any other free-text field (names, rooms, URLs) longer than this is a rejection. */
export const MAX_TEXT_FIELD_LENGTH = 2_000;
/**
 * The most entries one list of a record (committees, witnesses, videos, transcripts) may hold. A
 * Congress.gov hearing lists a few dozen witnesses at most; a list of tens of thousands fits in
 * MAX_RECORD_BYTES and would write a related row each inside one batch's transaction, holding the
 * writer lock for seconds per record (20 s for 45,000 witnesses on PostgreSQL).
 */
export const MAX_LIST_ENTRIES = 1_000;
/**
 * The most UTF-8 bytes a witness's identity — its name and organization as keyed, in lower case —
 * may take together. Each text field is held to MAX_TEXT_FIELD_LENGTH characters, but PostgreSQL's
 * unique index on the key refuses an entry past 2,704 bytes (four thousand ASCII characters, or
 * two fields of 1,000 CJK characters, are past it) where SQLite takes any: the same feed stored the
 * hearing on SQLite and quarantined it on PostgreSQL with the index's error. Below the index's
 * bound with room for its row header, whichever way PostgreSQL compresses the entry.
 */
export const MAX_WITNESS_KEY_BYTES = 2_400;
/**
 * Limits checked when a record is parsed, before any rule looks at it. A Congress.gov detail nests
 * about 4 containers deep and weighs a few KB; these leave wide room and still keep one hostile
 * record from costing the stack or the memory of the run around it.
 */
export const MAX_RECORD_DEPTH = 32;
export const MAX_RECORD_BYTES = 1024 * 1024;
export const COMMITTEE_CODE_PATTERN = /^[hsj][a-z]{3}\d{2}$/;

/** The most digits an eventId keeps, leading zeros aside (Congress.gov's have six today). */
export const MAX_EVENT_ID_DIGITS = 20;

/** What is wrong with an eventId as a record gives it (present: missing is the caller's), or null. */
export function eventIdProblem(value: unknown): string | null {
  if (typeof value === 'number') {
    // Past 2^53 the parser has already rounded the number: printing it would show an id nobody sent.
    if (Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER) return 'eventId must be a string of digits, got a number too large to read exactly (send it as a string)';
    if (!Number.isSafeInteger(value) || value <= 0) return `eventId must be a positive whole number, got ${quotedValue(value)}`;
    return null;
  }
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return `eventId must be a string of digits, got ${value === undefined ? 'nothing' : JSON.stringify(shortened(value))}`;
  const digits = canonicalEventId(value);
  if (digits === '0') return `eventId must be a positive number, got ${JSON.stringify(value)}`;
  if (digits.length > MAX_EVENT_ID_DIGITS) return `eventId has ${digits.length} digits (${JSON.stringify(shortened(value))}); an eventId has at most ${MAX_EVENT_ID_DIGITS}`;
  return null;
}

/**
 * A value as a reason quotes it: its JSON, "nothing" when absent. A number literal past what a double
 * holds (1e400) is ±Infinity once parsed, which JSON would print as null, a value nobody sent.
 */
export function quotedValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number too large to read (beyond ±1.8e308)';
  return JSON.stringify(value) ?? 'nothing';
}

function shortened(value: unknown): unknown {
  return typeof value === 'string' && value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

/**
 * "0061" → "61": Congress.gov event ids are numbers, so every spelling of one names the same meeting,
 * and this is the one it is compared and stored by.
 */
export function canonicalEventId(text: string): string {
  // Only a string of digits has another spelling; anything else is named as it came, for its refusal to quote.
  return /^\d+$/.test(text) ? text.replace(/^0+(?=\d)/, '') : text;
}

/**
 * Text that shows nothing: whitespace, controls, and the characters a renderer draws as nothing —
 * zero-width space (U+200B), joiners, word joiner (U+2060), BOM (U+FEFF), soft hyphen, direction
 * marks, Hangul fillers (Unicode's Default_Ignorable_Code_Point) — and the braille blank (U+2800).
 * String.prototype.trim removes only the whitespace among them, so "\u200B" passed as a title.
 */
const SHOWS_NOTHING = /^[\s\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/**
 * A record's text as stored: trimmed, or null when it is blank or shows nothing (see SHOWS_NOTHING).
 * The one test of "blank" for every text field a record gives, required (title) or not.
 */
export function visibleText(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  // Trimmed text that starts with a printable ASCII character shows something: most text, decided without the regex.
  const first = trimmed.charCodeAt(0);
  if (first > 0x20 && first < 0x7f) return trimmed;
  return SHOWS_NOTHING.test(trimmed) ? null : trimmed;
}

/**
 * Control characters text cannot hold, by what the text is. A record's text and an operator's
 * reason (`text`) keep tab, line feed and carriage return (Congress.gov titles carry "\t" and
 * "\r\n"; the console's reasons are typed in a textarea) and refuse the rest of C0, DEL and C1:
 * none is ever text a reader sees, and an ESC or CSI (U+009B) sequence rewrites the terminal it is
 * printed to. A name (a task, an operator) keeps none: it stands on one line of a table, a log line,
 * a notification title. NUL has its own rejection on each path, found before this rule: a record's
 * (NUL_CHARACTER, before any field is read), an API input's (main/api's dispatch, naming the field).
 */
export type ControlCharacterRule = 'text' | 'name';
/**
 * \p{Cc} is exactly U+0000–U+001F and U+007F–U+009F, written out here as ranges: a record's text
 * passes through the text rule ≈ 20 times, and the class finds nothing about twice as fast as
 * `(?![\t\n\r\0])\p{Cc}`, whose lookahead runs at every character (≈ 0.15 µs a field; 100,000
 * synthetic records, ≈ 2,000,000 fields: ≈ 0.3 s of CPU on a loaded machine).
 */
const CONTROL_CHARACTER: Record<ControlCharacterRule, RegExp> = {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  text: /[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/u,
  // eslint-disable-next-line no-control-regex -- as above
  name: /[\x01-\x1F\x7F-\x9F]/u,
};

/** Where `text` holds a control character it cannot (see CONTROL_CHARACTER), named for a reason, or null. */
export function controlCharacterProblem(text: string, rule: ControlCharacterRule = 'text'): string | null {
  const found = CONTROL_CHARACTER[rule].exec(text);
  if (found === null) return null;
  const name = CONTROL_NAMES[found[0].charCodeAt(0)];
  return `contains the control character ${codePointLabel(found[0])}${name === undefined ? '' : ` (${name})`} at character ${found.index + 1}`;
}

/** "U+001B" for a reason that names a character it would not do to print. */
export function codePointLabel(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

const CONTROL_NAMES: Record<number, string> = { 0x07: 'BEL', 0x08: 'BS', 0x09: 'tab', 0x0a: 'line feed', 0x0d: 'carriage return', 0x1b: 'ESC', 0x7f: 'DEL', 0x9b: 'CSI' };

/**
 * The HTML character references a feed's text may carry, decoded once: `&amp;` is "&", `&#8217;` and
 * `&#x2019;` are "’". Congress.gov's JSON is plain text, but its committee systems write titles for
 * web pages, and a title reaching the JSON still escaped would be stored, compared and shown as
 * "Energy &amp; Commerce". Once, as a browser reads the page: "&amp;amp;" is "&amp;". A reference
 * this does not know, or to no character (`&#0;`, a surrogate, past U+10FFFF), stays as written.
 */
export function decodeHtmlEntities(text: string): string {
  // Most text holds no "&": nothing to search.
  if (!text.includes('&')) return text;
  return text.replace(CHARACTER_REFERENCE, (reference: string, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return NAMED_REFERENCES[name] ?? reference;
    const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex!, 16);
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? reference : String.fromCodePoint(code);
  });
}

const CHARACTER_REFERENCE = /&(?:([a-zA-Z][a-zA-Z0-9]{1,7})|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g;
const NAMED_REFERENCES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0', ndash: '\u2013', mdash: '\u2014',
  lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201C', rdquo: '\u201D', hellip: '\u2026', sect: '\u00A7', bull: '\u2022',
};

/** A hearing after normalization: the form that is classified, stored and diffed. */
export interface NormalizedHearing {
  eventId: string;
  congress: number;
  chamber: Chamber;
  type: MeetingType;
  meetingStatus: MeetingStatus;
  title: string;
  /** ISO 8601 instant in UTC, e.g. 2025-03-04T15:00:00.000Z. */
  date: string;
  updateDate: string | null;
  location: { room: string | null; building: string | null; address: string | null } | null;
  /** The first committee is the primary one. */
  committees: { systemCode: string; name: string | null }[];
  witnesses: { name: string; normalizedName: string; organization: string | null; position: string | null }[];
  videos: { name: string | null; url: string }[];
  transcripts: { jacketNumber: string | null; url: string | null }[];
}

export type Witness = NormalizedHearing['witnesses'][number];

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Text in its composed form (NFC): "Ü" precomposed, as most sources send it, and "U" + combining
 * diaeresis (NFD, as macOS file names and some exports give it) are the same text, and compare and
 * key as one. ASCII, which has one form, is returned as it is without the cost of normalizing.
 */
export function composedText(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFC') : text;
}

/**
 * Witnesses are one row per name and organization, whatever the case of the organization and however
 * its accents are encoded. Lower case first, then composed: lower-casing can leave a letter and its
 * mark composable ("J̌" → "ǰ"), composing first would miss it.
 */
export function organizationKey(witness: Pick<Witness, 'organization'>): string {
  return composedText((witness.organization ?? '').toLowerCase());
}

/** Who a witness is, for the record rules' de-duplication and the store's one row per witness alike. */
export function witnessKey(witness: Pick<Witness, 'normalizedName' | 'organization'>): string {
  return witnessKeyOf(witness.normalizedName, organizationKey(witness));
}

/** witnessKey from its two parts, for a caller that already has the organization's key. */
export function witnessKeyOf(normalizedName: string, organizationKey: string): string {
  return `${normalizedName}\u0000${organizationKey}`;
}

/** The fields whose change makes a hearing "updated" (updateDate alone does not). */
export const TRACKED_FIELDS = [
  'congress',
  'chamber',
  'type',
  'meetingStatus',
  'title',
  'date',
  'location',
  'committees',
  'witnesses',
  'videos',
  'transcripts',
] as const;
export type TrackedField = (typeof TRACKED_FIELDS)[number];

export interface FieldChange {
  field: TrackedField;
  before: unknown;
  after: unknown;
}

export const REJECTION_CODES = [
  'NOT_AN_OBJECT',
  'INVALID_JSON',
  'MISSING_EVENT_ID',
  'BAD_EVENT_ID',
  'BAD_CONGRESS',
  'BAD_CHAMBER',
  'BAD_TYPE',
  'BAD_STATUS',
  'EMPTY_TITLE',
  'OVERSIZE_FIELD',
  'BAD_DATE',
  'DATE_OUT_OF_RANGE',
  'BAD_COMMITTEE_CODE',
  'UNKNOWN_COMMITTEE',
  'NUL_CHARACTER',
  'CONTROL_CHARACTER',
  'INVALID_UTF8',
  'TOO_DEEP',
  'OVERSIZE_RECORD',
  'DUPLICATE_EVENT_ID',
  'DUPLICATE_KEY',
  'BAD_SHAPE',
  'INCOMPLETE_ENTRY',
  'BAD_URL',
  'DUPLICATE_ENTRY',
  'WRITE_FAILED',
  'FETCH_FAILED',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  code: RejectionCode;
  message: string;
}

/**
 * What quarantine keeps of a raw record too large to keep whole: the start of its JSON text, its
 * size, and a SHA-256 of the whole text so the original can be matched against the source.
 */
export const rawExcerptSchema = z.object({
  truncated: z.literal(true),
  excerpt: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type RawExcerpt = z.infer<typeof rawExcerptSchema>;

export const quarantineEntrySchema = z.object({
  id: z.number().int(),
  runId: z.number().int(),
  batchSeq: z.number().int().nullable(),
  eventId: z.string().nullable(),
  sourcePosition: z.number().int().nullable(),
  reasons: z.array(z.object({ code: z.enum(REJECTION_CODES), message: z.string() })),
  raw: z.unknown(),
  createdAt: z.string(),
});
export type QuarantineEntry = z.infer<typeof quarantineEntrySchema>;
