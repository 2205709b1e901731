import { createHash } from 'node:crypto';
import { TRACKED_FIELDS, type FieldChange, type NormalizedHearing } from '../../shared/record.js';
import type { StoredHearing } from '../store/index.js';

/**
 * The hash covers the tracked fields only: a new `updateDate` with nothing else changed is not
 * an update (the system we replace called every hearing "updated" for that reason). It is the
 * SHA-1 of `JSON.stringify(TRACKED_FIELDS.map((field) => hearing[field]))`, built from each
 * field's JSON text, which `hearingJson` reuses for the stored JSON: each hearing is serialised once.
 */
export function contentHash(hearing: NormalizedHearing): string {
  return hashOfFields(fieldTexts(hearing));
}

/** Each member's JSON text, in the hearing's own key order; undefined members left out, as JSON.stringify does. */
export function fieldTexts(hearing: NormalizedHearing): Map<string, string> {
  const texts = new Map<string, string>();
  for (const [field, value] of Object.entries(hearing)) {
    const text = JSON.stringify(value) as string | undefined;
    if (text !== undefined) texts.set(field, text);
  }
  return texts;
}

function hashOfFields(texts: Map<string, string>): string {
  // An absent member is null inside an array, as JSON.stringify writes it.
  return createHash('sha1').update(`[${TRACKED_FIELDS.map((field) => texts.get(field) ?? 'null').join(',')}]`).digest('hex');
}

/** The stored `content_json`: equal to `JSON.stringify(hearing)`, from the texts the hash was built from. */
export function hearingJson(texts: Map<string, string>): string {
  const members: string[] = [];
  for (const [field, text] of texts) members.push(`${JSON.stringify(field)}:${text}`);
  return `{${members.join(',')}}`;
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
  | { kind: 'added'; hash: string; json: string }
  | { kind: 'updated'; hash: string; json: string; diff: FieldChange[] }
  | { kind: 'unchanged'; hash: string };

/** Classifies a hearing against its stored version; the JSON to store is built only for a change. */
export function classify(hearing: NormalizedHearing, stored: StoredHearing | undefined): Classification {
  const texts = fieldTexts(hearing);
  const hash = hashOfFields(texts);
  if (stored === undefined) return { kind: 'added', hash, json: hearingJson(texts) };
  if (stored.contentHash === hash) return { kind: 'unchanged', hash };
  const diff = diffHearings(stored.content, hearing);
  // A hash written by an older normalization can differ while every tracked field agrees.
  return diff.length === 0 ? { kind: 'unchanged', hash } : { kind: 'updated', hash, json: hearingJson(texts), diff };
}
