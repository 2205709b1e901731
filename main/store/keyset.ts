import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

/** Tables whose rows carry an increasing integer `id`: the key every list pages by. */
type TableWithId = { [T in keyof Database]: Database[T] extends { id: unknown } ? T : never }[keyof Database];

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
