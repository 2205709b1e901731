import { codePointLabel, MAX_LIST_ENTRIES, MAX_TEXT_FIELD_LENGTH, MAX_WITNESS_KEY_BYTES, controlCharacterProblem, decodeHtmlEntities, organizationKey, visibleText, witnessKeyOf, type NormalizedHearing, type RejectionCode, type Witness } from '../../shared/record.js';
import { normalizeWitnessName } from './witness-names.js';

/** Where a reader puts what is wrong with the record, and the entries it listed twice alike (stored once). */
export interface ReasonSink {
  add(code: RejectionCode, message: string): void;
  repeated(message: string): void;
}

/** An entry of a record's list as the repeat rule compares it: where it is, and the details it gives. */
export interface ListedEntry {
  path: string;
  details: Record<string, string | null>;
  /** Where a detail the entry left out was given instead, by a repeat of it (set by `repeatedEntry`). */
  givenAt?: Record<string, string>;
}

/**
 * The rule for an entry a record lists twice — one committee code, one witness (by `witnessKey`) —
 * whichever source it came from: the hearing has it once (one link, one appearance). Listed again
 * alike, it is stored once and the repeat is noted. Listed again leaving out a detail the other
 * entry gives (a committee's name, a witness's position), it is the same entry told less fully:
 * stored once with every detail given — `first.details` takes the ones only `again` gives, for the
 * caller to store — and the repeat is noted saying so. Listed again with another value for a
 * detail (another name for the committee, another position for the witness), which entry was meant
 * cannot be told, and keeping either would drop what the other says: the record is quarantined
 * (DUPLICATE_ENTRY) naming both. A witness's name and organization spelt otherwise ("JANE  DOE" of
 * "ACME") are the same witness, not other details: the hearing keeps the first entry, as its
 * appearance does.
 */
export function repeatedEntry(reasons: ReasonSink, first: ListedEntry, again: ListedEntry, what: string): void {
  const keys = Object.keys(first.details);
  const given = (details: ListedEntry['details'], key: string) => (details[key] ?? null) !== null;
  const differing = keys.filter((key) => given(first.details, key) && given(again.details, key) && first.details[key] !== again.details[key]);
  const shown = (value: string | null) => (value === null ? 'none' : JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value));
  if (differing.length > 0) {
    const details = differing.map((key) => `${key} ${shown(first.details[key]!)}, then ${shown(again.details[key]!)}`).join('; ');
    // The entry that gave the first value: a repeat, where the first entry left that detail out.
    const firstPath = first.givenAt?.[differing[0]!] ?? first.path;
    reasons.add('DUPLICATE_ENTRY', `${firstPath} and ${again.path} both list ${what} with different details (${details}): which one was meant cannot be told`);
    return;
  }
  const filledIn = keys.filter((key) => !given(first.details, key) && given(again.details, key));
  const leftOut = keys.filter((key) => given(first.details, key) && !given(again.details, key));
  for (const key of filledIn) {
    first.details[key] = again.details[key]!;
    first.givenAt = { ...first.givenAt, [key]: again.path };
  }
  const told = [
    ...filledIn.map((key) => `giving the ${key} ${shown(again.details[key]!)} ${first.path} leaves out`),
    ...leftOut.map((key) => `leaving out its ${key}`),
  ];
  reasons.repeated(`${again.path} repeats ${first.path} (${what}${told.length === 0 ? '' : `, ${told.join(', ')}`})`);
}

export type Dict = Record<string, unknown>;

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A record's list: an array, or Congress.gov's `{item: [...]}` wrapper (`{item: {...}}` is a list of
 * one, as XML turned into JSON gives it). Absent or null is an empty list. Anything else is a
 * BAD_SHAPE reason, not an empty list: storing the hearing without its witnesses would drop them
 * without a word.
 */
export function listOf(value: unknown, field: string, reasons: ReasonSink): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return withinListLimit(value, field, reasons);
  if (isDict(value)) {
    if (Array.isArray(value.item)) return withinListLimit(value.item, `${field}.item`, reasons);
    if (isDict(value.item)) return [value.item];
    if (value.item === undefined && Object.keys(value).length === 0) return [];
    // The wrapper is there, its content is not a list: "got an object" would point at the wrapper.
    if (value.item !== undefined) {
      reasons.add('BAD_SHAPE', `${field}.item must be a list (or one object), got ${describe(value.item)}`);
      return [];
    }
  }
  reasons.add('BAD_SHAPE', `${field} must be a list (or {"item": [...]}), got ${describe(value)}`);
  return [];
}

/** The list itself, or none of it past MAX_LIST_ENTRIES: its entries are then not read, so not reported one by one. */
function withinListLimit(list: unknown[], field: string, reasons: ReasonSink): unknown[] {
  if (list.length <= MAX_LIST_ENTRIES) return list;
  const limit = MAX_LIST_ENTRIES.toLocaleString('en-US');
  reasons.add('OVERSIZE_FIELD', `${field} lists ${list.length.toLocaleString('en-US')} entries; the limit is ${limit}`);
  return [];
}

/** The list's entries that are objects; every other entry is a BAD_SHAPE reason naming its place. */
function entriesOf(value: unknown, field: string, reasons: ReasonSink): { entry: Dict; path: string }[] {
  const entries: { entry: Dict; path: string }[] = [];
  const list = listOf(value, field, reasons);
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (isDict(entry)) entries.push({ entry, path: `${field}[${i}]` });
    else reasons.add('BAD_SHAPE', `${field}[${i}] must be an object, got ${describe(entry)}`);
  }
  return entries;
}

/**
 * Trimmed text, null when absent, blank or made only of characters that show nothing
 * (`visibleText`). A number (room 2123) is its text, as a jacket number is; a boolean, object or
 * list where text belongs is a BAD_SHAPE reason.
 */
export function textOf(value: unknown, path: string, reasons: ReasonSink): string | null {
  if (typeof value === 'string') return recordText(value, path, reasons);
  if (typeof value === 'number') {
    const problem = numberAsTextProblem(value);
    if (problem === null) return String(value);
    reasons.add('BAD_SHAPE', `${path} ${problem}; send it as text`);
    return null;
  }
  if (value !== undefined && value !== null) reasons.add('BAD_SHAPE', `${path} must be text, got ${describe(value)}`);
  return null;
}

/**
 * A record's text as stored, read once here for every field: its HTML character references decoded
 * (`decodeHtmlEntities`), then a control character in it is a CONTROL_CHARACTER reason — the text is
 * still returned, so the field is not also called missing — and it is trimmed (`visibleText`).
 */
export function recordText(text: string, path: string, reasons: ReasonSink): string | null {
  const decoded = decodeHtmlEntities(text);
  const problem = controlCharacterProblem(decoded);
  if (problem !== null) reasons.add('CONTROL_CHARACTER', `${path} ${problem}`);
  return visibleText(decoded);
}

/**
 * Why a number where text belongs cannot be stored as the text its writer wrote, or null. Only its
 * parsed value is left, and a whole number up to 2^53 prints as written; -0 prints as "0", a fraction
 * or a number past 2^53 (12345678901234567890 is read as 12345678901234567000) as other digits.
 */
function numberAsTextProblem(value: number): string | null {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return null;
  if (!Number.isFinite(value)) return 'is a number too large to read (beyond ±1.8e308)';
  if (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) return `is a number past 2^53, read only as ${String(value)}, not the digits written`;
  return `is the number ${Object.is(value, -0) ? '-0' : String(value)}, which is not kept as written (only whole numbers are)`;
}

function textAt(container: Dict, key: string, path: string, reasons: ReasonSink): string | null {
  return textOf(container[key], `${path}.${key}`, reasons);
}

export function readLocation(value: unknown, reasons: ReasonSink): NormalizedHearing['location'] {
  if (value === undefined || value === null) return null;
  if (!isDict(value)) {
    reasons.add('BAD_SHAPE', `location must be an object with room, building and address, got ${describe(value)}`);
    return null;
  }
  const location = {
    room: textAt(value, 'room', 'location', reasons),
    building: textAt(value, 'building', 'location', reasons),
    address: textAt(value, 'address', 'location', reasons),
  };
  return location.room === null && location.building === null && location.address === null ? null : location;
}

export function readWitnesses(value: unknown, reasons: ReasonSink): NormalizedHearing['witnesses'] {
  const witnesses: NormalizedHearing['witnesses'] = [];
  const entries = entriesOf(value, 'witnesses', reasons);
  // No repeat to find in a list of one or none: neither the Map nor a key per witness is built.
  const seen = entries.length > 1 ? new Map<string, ListedEntry & { stored: Witness }>() : null;
  for (const { entry, path } of entries) {
    const name = textAt(entry, 'name', path, reasons);
    const organization = textAt(entry, 'organization', path, reasons);
    const position = textAt(entry, 'position', path, reasons);
    if (name === null) {
      incompleteEntry(entry, path, ['name'], 'witness', { organization, position }, reasons);
      continue;
    }
    const normalizedName = normalizeWitnessName(name);
    const witness = { name, normalizedName, organization, position };
    const orgKey = organizationKey(witness);
    if (witnessKeyTooLong(name, organization, normalizedName, orgKey)) {
      const keyBytes = Buffer.byteLength(normalizedName) + Buffer.byteLength(orgKey);
      reasons.add('OVERSIZE_FIELD', `${path}: the witness's name and organization take ${keyBytes.toLocaleString('en-US')} bytes of UTF-8 as the witness is keyed; the limit is ${MAX_WITNESS_KEY_BYTES.toLocaleString('en-US')}`);
      continue;
    }
    if (seen !== null) {
      const key = witnessKeyOf(normalizedName, orgKey);
      const first = seen.get(key);
      if (first !== undefined) {
        const { stored } = first;
        repeatedEntry(reasons, first, { path, details: { position } }, `the witness ${JSON.stringify(stored.name)}${stored.organization === null ? '' : ` of ${JSON.stringify(stored.organization)}`}`);
        stored.position = first.details.position ?? null;
        continue;
      }
      seen.set(key, { path, details: { position }, stored: witness });
    }
    witnesses.push(witness);
  }
  return witnesses;
}

/**
 * Whether a witness's key (its normalized name and organization key) takes more than
 * MAX_WITNESS_KEY_BYTES of UTF-8. A name or organization past its own length limit is refused for
 * that already (checkStrings), not for this. UTF-8 takes at most three bytes a UTF-16 unit, so a key
 * whose units fit three times over needs no count: nearly every witness.
 */
function witnessKeyTooLong(name: string, organization: string | null, normalizedName: string, orgKey: string): boolean {
  if (Math.max(name.length, organization?.length ?? 0) > MAX_TEXT_FIELD_LENGTH) return false;
  if ((normalizedName.length + orgKey.length) * 3 <= MAX_WITNESS_KEY_BYTES) return false;
  return Buffer.byteLength(normalizedName) + Buffer.byteLength(orgKey) > MAX_WITNESS_KEY_BYTES;
}

/**
 * An entry without the part that makes it one (a witness's name, a video's url) cannot be stored,
 * and leaving it out would store the hearing with fewer witnesses or videos than its record lists,
 * nothing saying why: the record is quarantined naming the field and what the entry does give. When
 * that part is there but not text (or a number not kept as written), the BAD_SHAPE reason names it.
 */
function incompleteEntry(entry: Dict, path: string, required: string[], entryKind: string, given: Record<string, string | null>, reasons: ReasonSink): void {
  if (required.some((key) => entry[key] !== undefined && entry[key] !== null && typeof entry[key] !== 'string')) return;
  const invisible = required.find((key) => typeof entry[key] === 'string' && (entry[key] as string).trim() !== '');
  const field = `${path}.${required.join(' and ')}`;
  const problem = invisible !== undefined ? `${path}.${invisible} shows nothing (it is only ${codePoints(entry[invisible] as string)})` : `${field} ${required.length > 1 ? 'are' : 'is'} missing or blank`;
  const present = Object.entries(given).filter((pair): pair is [string, string] => pair[1] !== null);
  const rest = present.length === 0 ? 'and the entry gives nothing else' : `though the entry gives ${present.map(([key, value]) => `${key} ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`).join(' and ')}`;
  reasons.add('INCOMPLETE_ENTRY', `${problem}: no ${entryKind} can be stored without it, ${rest}`);
}

/** "U+200B U+2060" for a reason about text made only of invisible characters (the first few of them). */
export function codePoints(text: string): string {
  const chars = [...text.trim()];
  const shown = chars.slice(0, 8).map(codePointLabel);
  return shown.join(' ') + (chars.length > 8 ? ' …' : '');
}

export function readVideos(value: unknown, reasons: ReasonSink): NormalizedHearing['videos'] {
  const videos: NormalizedHearing['videos'] = [];
  for (const { entry, path } of entriesOf(value, 'videos', reasons)) {
    const name = textAt(entry, 'name', path, reasons);
    const url = urlAt(entry, path, reasons);
    if (url !== null) videos.push({ name, url });
    else incompleteEntry(entry, path, ['url'], 'video', { name }, reasons);
  }
  return videos;
}

export function readTranscripts(value: unknown, reasons: ReasonSink): NormalizedHearing['transcripts'] {
  const transcripts: NormalizedHearing['transcripts'] = [];
  for (const { entry, path } of entriesOf(value, 'hearingTranscript', reasons)) {
    const jacketNumber = textAt(entry, 'jacketNumber', path, reasons);
    const url = urlAt(entry, path, reasons);
    if (jacketNumber !== null || url !== null) transcripts.push({ jacketNumber, url });
    else incompleteEntry(entry, path, ['jacketNumber', 'url'], 'transcript', {}, reasons);
  }
  return transcripts;
}

/**
 * An entry's `url` as stored: an absolute http(s) URL, or a BAD_URL reason saying what is wrong with
 * it. Whitespace inside it (after the trim every field gets) is refused, not mended: a URL with a
 * space in it is two glued together or one cut and padded, and which one Congress.gov meant cannot
 * be told from here; the raw record in quarantine shows it whole.
 */
function urlAt(entry: Dict, path: string, reasons: ReasonSink): string | null {
  const url = textAt(entry, 'url', path, reasons);
  // A control character in it is already the record's reason: the URL is not quoted with it.
  if (url === null || controlCharacterProblem(url) !== null) return url;
  const problem = urlProblem(url);
  if (problem !== null) reasons.add('BAD_URL', `${path}.url ${JSON.stringify(url.length > 80 ? `${url.slice(0, 80)}…` : url)} ${problem}`);
  return url;
}

/** A URL that parses and starts so is http(s): the scheme is the text before the first colon, in any case. */
const WEB_SCHEME = /^https?:/i;

function urlProblem(url: string): string | null {
  if (!URL.canParse(url)) return 'is not a URL (an absolute http:// or https:// address is expected)';
  // Parsed a second time only to name another scheme: nearly every URL a record gives is http(s).
  if (!WEB_SCHEME.test(url)) {
    const { protocol } = new URL(url);
    if (protocol !== 'http:' && protocol !== 'https:') return `is a ${protocol.slice(0, -1)}: URL; only http:// and https:// addresses are kept`;
  }
  // The URL parser would take the space as %20 and drop a tab or line break: a guess at what was meant.
  const space = /\s/.exec(url);
  return space === null ? null : `has whitespace inside it (${codePointLabel(space[0])} at character ${space.index + 1}); a URL cannot hold any`;
}
