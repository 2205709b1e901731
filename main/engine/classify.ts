import { createHash } from 'node:crypto';
import { TRACKED_FIELDS, type FieldChange, type NormalizedHearing } from '../../shared/record.js';
import type { StoredHearing } from '../store/index.js';

/**
 * The hash covers the tracked fields only: a new `updateDate` with nothing else changed is not
 * an update (the system we replace called every hearing "updated" for that reason).
 */
export function contentHash(hearing: NormalizedHearing): string {
  return createHash('sha1').update(JSON.stringify(TRACKED_FIELDS.map((field) => hearing[field]))).digest('hex');
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
  | { kind: 'added'; hash: string }
  | { kind: 'updated'; hash: string; diff: FieldChange[] }
  | { kind: 'unchanged'; hash: string };

export function classify(hearing: NormalizedHearing, stored: StoredHearing | undefined): Classification {
  const hash = contentHash(hearing);
  if (stored === undefined) return { kind: 'added', hash };
  if (stored.contentHash === hash) return { kind: 'unchanged', hash };
  const diff = diffHearings(stored.content, hearing);
  // A hash written by an older normalization can differ while every tracked field agrees.
  return diff.length === 0 ? { kind: 'unchanged', hash } : { kind: 'updated', hash, diff };
}
