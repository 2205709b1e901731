import { hash } from 'node:crypto';
import { TRACKED_FIELDS, witnessKey, type NormalizedHearing } from '../../shared/record.js';

/**
 * A hearing's stored JSON and its content hash. The hash covers the tracked fields only: a new
 * `updateDate` with nothing else changed is not an update (the system we replace called every
 * hearing "updated" for that reason). It is the SHA-1 of
 * `JSON.stringify(TRACKED_FIELDS.map((field) => hearing[field]))`, as stored databases hold it.
 */
export function contentHash(hearing: NormalizedHearing): string {
  return hash('sha1', JSON.stringify(TRACKED_FIELDS.map((field) => hearing[field])), 'hex');
}

/**
 * A hearing's stored JSON as a fetch of its record now reads it: each witness listed once, as its
 * first entry. A Gatehouse from before witnesses were keyed in one Unicode form stored a witness
 * whose organization came once precomposed and once decomposed as two entries; migration 028
 * merged the witness rows and appearances but left the JSON (and the undo journal's copies of it)
 * listing both, so every later fetch of the unchanged record counted the hearing "updated", and a
 * trial replaying it as unchanged got an update too. Read here, not rewritten by a migration: a
 * rewritten JSON would need a new hash, which a rollback would take for a conflict with every run
 * that wrote the hearing (migration 029 says why), and a rollback puts the old JSON back anyway.
 */
export function readStoredContent(json: string): NormalizedHearing {
  const hearing = JSON.parse(json) as NormalizedHearing;
  // Most hearings list one witness or none: nothing can repeat, no key is built.
  if (hearing.witnesses.length < 2) return hearing;
  const listed = new Set<string>();
  hearing.witnesses = hearing.witnesses.filter((witness) => {
    const key = witnessKey(witness);
    if (listed.has(key)) return false;
    listed.add(key);
    return true;
  });
  return hearing;
}

/**
 * The stored JSON, and the hash: `known` when planning had to compute it (to compare with a stored
 * hearing), otherwise read from the JSON itself. Serialising the tracked fields a second time was
 * ≈ 2.5 µs of the ≈ 3.7 µs a hash cost on a 100k first load (issue 12); the same text cut out of
 * the stored JSON costs ≈ 0.8 µs, and the bytes hashed are the same.
 */
export function storedContent(hearing: NormalizedHearing, known: string | null): { json: string; hash: string } {
  const json = JSON.stringify(hearing);
  if (known !== null) return { json, hash: known };
  // A member beyond the known ones would be cut out as part of the value before it.
  const tracked = memberCount(hearing) === MEMBERS.length ? trackedFieldsHash(json) : null;
  return { json, hash: tracked ?? contentHash(hearing) };
}

/** How many own enumerable members `hearing` has: Object.keys(hearing).length, without the array. */
function memberCount(hearing: NormalizedHearing): number {
  let count = 0;
  for (const member in hearing) if (Object.hasOwn(hearing, member)) count += 1;
  return count;
}

/** The members of a NormalizedHearing in the order record-rules.ts builds it, so JSON.stringify writes them in this order. */
const MEMBERS = ['eventId', 'congress', 'chamber', 'type', 'meetingStatus', 'title', 'date', 'updateDate', 'location', 'committees', 'witnesses', 'videos', 'transcripts'] as const satisfies readonly (keyof NormalizedHearing)[];
const TRACKED = new Set<string>(TRACKED_FIELDS);
/** `{"eventId":`, then `,"congress":` and so on. */
const OPENINGS = MEMBERS.map((member, i) => `${i === 0 ? '{' : ','}${JSON.stringify(member)}:`);

/** Where the tracked fields' bytes are cut out to be hashed: reused, and grown when a hearing needs more. */
let scratch = Buffer.allocUnsafe(64 * 1024);
const OPENING_BYTES = OPENINGS.map((opening) => Buffer.from(opening));
const TRACKED_AT = MEMBERS.map((member) => TRACKED.has(member));
const [OPEN_BRACKET, COMMA, CLOSE_BRACKET] = ['[', ',', ']'].map((char) => char.charCodeAt(0)) as [number, number, number];

/**
 * The SHA-1 of `JSON.stringify` of the tracked fields' values as an array, cut out of the hearing's
 * JSON: each value is the text between its member's opening and the next one's. An opening
 * `,"name":` cannot occur inside a string (a quote in a string is escaped), and no nested object of
 * a hearing has a member named like the top-level member that follows it. Null when the JSON is not
 * in exactly this shape (a member left out because it was undefined, say): the caller serialises
 * the fields instead.
 *
 * Cut from the JSON's UTF-8 bytes in a reused buffer, not as a string: the text's slices, joins and
 * the flat copy hashing made of them were ≈ 2.5 KB of garbage a hearing (≈ a sixth of all a 100k run
 * allocates), and each scavenge they bring on copies the growing batch's hearings. The openings are
 * ASCII, so they are found in the bytes as in the text, and the bytes hashed are the text's.
 */
export function trackedFieldsHash(json: string): string | null {
  if (!json.startsWith(OPENINGS[0]!)) return null;
  // UTF-8 takes at most three bytes a UTF-16 unit: the whole JSON fits.
  if (scratch.length < json.length * 3) scratch = Buffer.allocUnsafe(json.length * 3);
  const bytes = scratch.subarray(0, scratch.write(json, 0, 'utf8'));
  // In ASCII a character's offset is its byte's, and the string's search is the quicker (≈ 1 µs a hearing).
  const ascii = bytes.length === json.length;
  // Cut in place: each value moves left by at least the opening dropped before it.
  let length = 0;
  bytes[length++] = OPEN_BRACKET;
  let start = OPENING_BYTES[0]!.length;
  for (let i = 1; i <= MEMBERS.length; i += 1) {
    const end = i === MEMBERS.length ? bytes.length - 1 : ascii ? json.indexOf(OPENINGS[i]!, start) : bytes.indexOf(OPENING_BYTES[i]!, start);
    if (end < 0) return null;
    if (TRACKED_AT[i - 1]) {
      if (length > 1) bytes[length++] = COMMA;
      bytes.copyWithin(length, start, end);
      length += end - start;
    }
    if (i < MEMBERS.length) start = end + OPENING_BYTES[i]!.length;
  }
  bytes[length++] = CLOSE_BRACKET;
  return hash('sha1', bytes.subarray(0, length), 'hex');
}
