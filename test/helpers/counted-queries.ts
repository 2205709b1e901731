import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Db, Store } from '../../main/store/index.js';

/** One statement the store sent: its SQL and how many rows came back. */
export interface CountedStatement {
  sql: string;
  rows: number;
}

/**
 * Runs `work` with every statement the store sends through its query layer (outside and inside
 * its transactions) recorded: how many reads a feature makes, and how many rows they bring back,
 * are then asserted by count, not by a clock. The store's own query layer is put back afterwards.
 */
export async function countedQueries<T>(store: Store, work: () => Promise<T>): Promise<{ result: T; statements: CountedStatement[] }> {
  const layer = store.queries as { db: Db; transaction: Store['queries']['transaction'] };
  const { db, transaction } = layer;
  const statements: CountedStatement[] = [];
  const pending = new WeakMap<QueryId, CountedStatement>();
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
      const statement = { sql: db.getExecutor().compileQuery(node, queryId).sql, rows: 0 };
      statements.push(statement);
      pending.set(queryId, statement);
      return node;
    },
    async transformResult({ queryId, result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const statement = pending.get(queryId);
      if (statement) statement.rows = result.rows.length;
      return result;
    },
  };
  layer.db = db.withPlugin(plugin);
  layer.transaction = <R>(inner: (trx: Db) => Promise<R>, options?: { dryRun?: boolean }): Promise<R> => transaction.call(layer, (trx) => inner(trx.withPlugin(plugin)), options) as Promise<R>;
  try {
    return { result: await work(), statements };
  } finally {
    layer.db = db;
    layer.transaction = transaction;
  }
}

/** Rows the statements read back from `runs` (SELECTs only). */
export function runRowsRead(statements: readonly CountedStatement[]): number {
  return statements.filter((s) => /^select\b/i.test(s.sql) && /\bfrom "runs"/i.test(s.sql)).reduce((sum, s) => sum + s.rows, 0);
}
