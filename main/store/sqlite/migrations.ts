import { migration001 } from './migrations/001-domain-and-operations.js';

/**
 * Numbered migrations, one file each. Never edit one that has landed: add the next number.
 * The PostgreSQL migrations carry the same numbers and meaning.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: Migration[] = [migration001];
