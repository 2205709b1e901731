import type Database from 'better-sqlite3';
import { sql, type RawBuilder } from 'kysely';

/**
 * SQLite's LIKE folds ASCII only, PostgreSQL's ILIKE folds every letter: a search for "é" missed
 * "Énergie" on SQLite alone. Both sides of a SQLite `contains` are lower-cased by JavaScript's
 * Unicode mapping, one character at a time as PostgreSQL's lower() does (a letter whose lower case
 * is longer, such as "İ", stays as it is).
 */
export function foldCase(text: string): string {
  let folded = '';
  for (const character of text) {
    const lower = character.toLowerCase();
    folded += [...lower].length === 1 ? lower : character;
  }
  return folded;
}

const FOLD_FUNCTION = 'gatehouse_fold_case';

/** Registered on every connection: deterministic, NULL stays NULL. */
export function registerCaseFold(db: Database.Database): void {
  db.function(FOLD_FUNCTION, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? foldCase(value) : value));
}

/**
 * The folded column. A function over the column cannot use an index, but neither could the search
 * it serves: `%text%` has a leading wildcard, which no B-tree index answers on either backend.
 */
export function foldedColumn(column: string): RawBuilder<string | null> {
  return sql<string | null>`${sql.raw(FOLD_FUNCTION)}(${sql.ref(column)})`;
}
