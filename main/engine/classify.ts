import { composedText, TRACKED_FIELDS, type FieldChange, type NormalizedHearing } from '../../shared/record.js';
import { contentHash, type StoredHearing } from '../store/index.js';

/** The hash the store writes with each hearing (store/hearing-content.ts): classification compares by it. */
export { contentHash };

export function diffHearings(before: NormalizedHearing, after: NormalizedHearing): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of TRACKED_FIELDS) {
    if (comparable(before[field]) !== comparable(after[field])) {
      changes.push({ field, before: before[field], after: after[field] });
    }
  }
  return changes;
}

/** A field as compared: its JSON, composed (`composedText`): a source that sends the other Unicode form of the same text has not changed the field. */
function comparable(value: unknown): string {
  return composedText(JSON.stringify(value) ?? '');
}

export type Classification =
  | { kind: 'added'; hash: string }
  | { kind: 'updated'; hash: string; diff: FieldChange[] }
  | { kind: 'unchanged'; hash: string };

/** Classifies a hearing against its stored version. The JSON to store is built with its row (store/hearing-rows.ts). */
export function classify(hearing: NormalizedHearing, stored: StoredHearing | undefined): Classification {
  const hashed = contentHash(hearing);
  if (stored === undefined) return { kind: 'added', hash: hashed };
  if (stored.contentHash === hashed) return { kind: 'unchanged', hash: hashed };
  const diff = diffHearings(stored.content, hearing);
  // A hash written by an older normalization can differ while every tracked field agrees.
  return diff.length === 0 ? { kind: 'unchanged', hash: hashed } : { kind: 'updated', hash: hashed, diff };
}
