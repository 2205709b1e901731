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
