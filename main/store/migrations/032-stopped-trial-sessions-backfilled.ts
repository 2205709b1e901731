import type { Migration } from './index.js';

/**
 * Before migration 031 a trial session its analyst stopped (Ctrl-C, SIGTERM, `gatehouse serve`
 * shutting down) could only end `failed`; its detail already said "trial session stopped …". Such
 * rows now read `stopped`, as 031's sessions do, so a count of failures in `backups attempts` no
 * longer counts them. The prefixes are compared with substr, not LIKE: SQLite's LIKE ignores case
 * and PostgreSQL's does not, and both wordings are fixed text written by run-trials.ts.
 */
export const migration032: Migration = {
  version: 32,
  name: 'stopped trial sessions backfilled',
  sql: () => `
UPDATE writer_attempts SET outcome = 'stopped'
WHERE outcome = 'failed'
AND substr(operation, 1, ${TRIAL_SESSION.length}) = '${TRIAL_SESSION}'
AND substr(detail, 1, ${STOPPED_DETAIL.length}) = '${STOPPED_DETAIL}';
`,
};

/** As run-trials.ts words them; copied, not imported, so a later rewording cannot change what this migration did. */
const TRIAL_SESSION = 'a trial session ';
const STOPPED_DETAIL = 'trial session stopped ';
