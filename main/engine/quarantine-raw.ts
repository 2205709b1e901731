import { createHash } from 'node:crypto';
import { MAX_RECORD_DEPTH, type RawExcerpt } from '../../shared/record.js';
import { jsonWithinDepth } from '../../shared/record-walk.js';

/** A raw record whose JSON text is at most this long is kept whole in quarantine. */
export const QUARANTINE_RAW_LIMIT = 16 * 1024;
/** How much of a longer one is kept, beside its size and hash. */
export const QUARANTINE_EXCERPT_LENGTH = 4 * 1024;

/**
 * The raw form a quarantine entry keeps: the record itself when it is small, otherwise the start of
 * its JSON text with its size and SHA-256 (a 3 MB field must not make `quarantine list` return
 * 36 MB). Computed before an entry reaches the store, and idempotent: an excerpt is kept as it is.
 */
export function quarantinedRaw(raw: unknown): unknown {
  const { text, cut } = typeof raw === 'string' ? { text: raw, cut: false } : jsonWithinDepth(raw, MAX_RECORD_DEPTH);
  if (!cut && text.length <= QUARANTINE_RAW_LIMIT) return raw;
  const excerpt: RawExcerpt = {
    truncated: true,
    excerpt: text.slice(0, QUARANTINE_EXCERPT_LENGTH),
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  };
  return excerpt;
}
