import { migration001 } from './migrations/001-domain-and-operations.js';
import { migration003 } from './migrations/003-rollback-events.js';
import { migration002 } from './migrations/002-flags-tasks-notifications.js';
import { migration004 } from './migrations/004-anomaly-reviews-trials.js';

/**
 * Numbered migrations, one file each. Never edit one that has landed: add the next number.
 * The PostgreSQL migrations carry the same numbers and meaning.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: Migration[] = [migration001, migration002, migration003, migration004];
