import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

/** Tables whose rows carry an increasing integer `id`: the key every list pages by. */
type TableWithId = { [T in keyof Database]: Database[T] extends { id: unknown } ? T : never }[keyof Database];

/** Audit tables: each row records when it happened in `at`. */
type TableWithAt = { [T in keyof Database]: Database[T] extends { at: unknown } ? T : never }[keyof Database];

/** One page of a list: how many, and the id of the last item of the previous page. */
export interface KeysetPage {
  limit?: number;
  after?: number;
}

/**
 * The newest-first page of a list, by id: keyset pagination, so a page never skips or repeats an
 * item while new ones arrive, and the key is unique, so items with one timestamp keep one order.
 * Filters go on `query` before this, so they apply before the LIMIT.
 */
export function newestFirstPage<T extends TableWithId, O>(query: SelectQueryBuilder<Database, T, O>, page: KeysetPage, defaultLimit: number): SelectQueryBuilder<Database, T, O> {
  const id = sql.ref<number>('id');
  return query
    .$if(page.after !== undefined, (q) => q.where(id, '<', page.after!))
    .orderBy(id, 'desc')
    .limit(page.limit ?? defaultLimit);
}

/**
 * The rows at or after `since` (canonical ISO 8601, which orders as text), or all without it. Put
 * before newestFirstPage, so a time window applies before the LIMIT: filtered afterwards, a list
 * whose newest rows lie outside the window came back short or empty.
 */
export function atOrAfter<T extends TableWithAt, O>(query: SelectQueryBuilder<Database, T, O>, since: string | undefined): SelectQueryBuilder<Database, T, O> {
  return since === undefined ? query : query.where(sql.ref<string>('at'), '>=', since);
}
