import { canonicalEventId } from '../../shared/record.js';

/**
 * Congress.gov wraps records two ways: a list page `{"committeeMeetings": [...]}` and a detail
 * `{"committeeMeeting": {...}}`. Sources unwrap both so every item is one record; anything else
 * passes through untouched for the record rules to judge — nothing is dropped here.
 */
export function recordsIn(value: unknown): unknown[] {
  return Array.isArray(value) ? value.flatMap(unwrap) : unwrap(value);
}

function unwrap(value: unknown): unknown[] {
  if (!isPlainObject(value) || 'eventId' in value) return [value];
  if ('committeeMeetings' in value) {
    const list = itemList(value.committeeMeetings);
    return list ?? [value];
  }
  if ('committeeMeeting' in value && isPlainObject(value.committeeMeeting)) return [value.committeeMeeting];
  return [value];
}

/** A page's list is an array, or `{item: [...]}` in the XML-shaped responses. */
function itemList(list: unknown): unknown[] | undefined {
  if (Array.isArray(list)) return list;
  if (isPlainObject(list) && Array.isArray(list.item)) return list.item;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields of a committee-meeting record (DESIGN §3); an object with none of them is not one. */
const RECORD_FIELDS = [
  'eventId', 'congress', 'chamber', 'type', 'meetingStatus', 'title', 'date', 'updateDate',
  'location', 'committees', 'witnesses', 'videos', 'hearingTranscript',
];

/**
 * Why a whole JSON document cannot be committee meetings — what was expected and what was found —
 * or null when it can. Single bad records inside a good shape are left to the record rules.
 */
export function wrongShape(document: unknown): string | null {
  const expected = 'expected a JSON array of committee meetings, a {"committeeMeetings": [...]} page or a {"committeeMeeting": {...}} detail';
  if (Array.isArray(document)) {
    if (document.length === 0 || document.some((entry) => typeof entry === 'object' && entry !== null)) return null;
    return `${expected}; found an array of ${document.length.toLocaleString('en-US')} values, none of them an object (the first is ${kindOf(document[0])})`;
  }
  if (!isPlainObject(document)) return `${expected}; found ${kindOf(document)}`;
  if ('committeeMeetings' in document && itemList(document.committeeMeetings) === undefined) {
    return `${expected}; found "committeeMeetings" holding ${kindOf(document.committeeMeetings)}`;
  }
  if ('committeeMeeting' in document && !('eventId' in document) && !isPlainObject(document.committeeMeeting)) {
    return `${expected}; found "committeeMeeting" holding ${kindOf(document.committeeMeeting)}`;
  }
  const keys = Object.keys(document);
  if (['committeeMeetings', 'committeeMeeting', ...RECORD_FIELDS].some((key) => keys.includes(key))) return null;
  const shown = keys.slice(0, 5).map((key) => JSON.stringify(key)).join(', ');
  return `${expected}; found an object with ${keys.length === 0 ? 'no keys' : `keys ${shown}${keys.length > 5 ? ', …' : ''}`}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `a ${typeof value} (${String(value)})`;
}

/** A record's eventId as quarantine names it, whatever its type, or null when it has none. */
export function eventIdOf(record: unknown): string | null {
  const id = isPlainObject(record) ? record.eventId : undefined;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  const text = String(id);
  // Named as the hearing it would be stored as, so a search of the quarantine by eventId finds every spelling.
  return canonicalEventId(text).slice(0, 64);
}
