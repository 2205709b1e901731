import type { Migration } from './index.js';

/**
 * What a run's `file:` source looked like when it started (size, modified time, a hash of its first
 * and last 64 KiB), so `update --resume` — which skips the items already read by position — refuses
 * a file replaced, reordered or appended to since. Null for other sources and for runs recorded
 * before this migration: those resume as they did.
 */
export const migration014: Migration = {
  version: 14,
  name: 'run source fingerprint',
  sql: (d) => `ALTER TABLE runs ADD COLUMN source_fingerprint_json ${d.json};`,
};
