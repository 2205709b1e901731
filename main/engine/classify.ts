import { createHash } from 'node:crypto';
import { TRACKED_FIELDS, type FieldChange, type NormalizedHearing } from '../../shared/record.js';
import type { StoredHearing } from '../store/index.js';

/** A hearing as stored (`content_json`) and its content hash, from one serialisation of each field. */
export interface SerializedHearing {
  json: string;
  hash: string;
}

/**
 * The hash covers the tracked fields only: a new `updateDate` with nothing else changed is not
 * an update (the system we replace called every hearing "updated" for that reason). It is the
 * SHA-1 of `JSON.stringify(TRACKED_FIELDS.map((field) => hearing[field]))`, built here from the
 * same field texts as the stored JSON, which equals `JSON.stringify(hearing)`.
 */
export function serializeHearing(hearing: NormalizedHearing): SerializedHearing {
  const fieldTexts = new Map<string, string>();
  const members: string[] = [];
  for (const [field, value] of Object.entries(hearing)) {
    const text = JSON.stringify(value) as string | undefined;
    // As JSON.stringify does: an undefined member is left out of an object (and is null in an array).
    if (text === undefined) continue;
    fieldTexts.set(field, text);
    members.push(`${JSON.stringify(field)}:${text}`);
  }
  const tracked = `[${TRACKED_FIELDS.map((field) => fieldTexts.get(field) ?? 'null').join(',')}]`;
  return { json: `{${members.join(',')}}`, hash: createHash('sha1').update(tracked).digest('hex') };
}

export function contentHash(hearing: NormalizedHearing): string {
  return serializeHearing(hearing).hash;
}

export function diffHearings(before: NormalizedHearing, after: NormalizedHearing): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of TRACKED_FIELDS) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes.push({ field, before: before[field], after: after[field] });
    }
  }
  return changes;
}

export type Classification =
  | { kind: 'added'; serialized: SerializedHearing }
  | { kind: 'updated'; serialized: SerializedHearing; diff: FieldChange[] }
  | { kind: 'unchanged'; serialized: SerializedHearing };

export function classify(hearing: NormalizedHearing, stored: StoredHearing | undefined): Classification {
  const serialized = serializeHearing(hearing);
  if (stored === undefined) return { kind: 'added', serialized };
  if (stored.contentHash === serialized.hash) return { kind: 'unchanged', serialized };
  const diff = diffHearings(stored.content, hearing);
  // A hash written by an older normalization can differ while every tracked field agrees.
  return diff.length === 0 ? { kind: 'unchanged', serialized } : { kind: 'updated', serialized, diff };
}
