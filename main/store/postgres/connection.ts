import pg from 'pg';
import { GatehouseError } from '../../../shared/errors.js';
import { redactSecrets } from '../../../shared/redact.js';
import { isCanceledByServer, isLockTimeout, serverShortOfHint, statementCanceled } from '../faults.js';
import { connectionConfig, type PostgresTarget } from './target.js';

export { isLockTimeout };

export { describeStore, parsePostgresTarget, quoteIdentifier, type PostgresTarget } from './target.js';

/**
 * Values as SQLite gives them, so the one query layer reads the same rows from both: bigints and
 * numerics as numbers (ids stay far below 2^53), booleans as 1/0, timestamps as ISO 8601 strings,
 * JSON as its text.
 */
const OID = { bool: 16, int8: 20, json: 114, numeric: 1700, timestamptz: 1184, jsonb: 3802 };
const parseTimestamp = pg.types.getTypeParser(OID.timestamptz);
const PARSERS: Record<number, (text: string) => unknown> = {
  [OID.bool]: (text) => (text === 't' ? 1 : 0),
  [OID.int8]: Number,
  [OID.numeric]: Number,
  [OID.json]: (text) => text,
  [OID.jsonb]: (text) => text,
  [OID.timestamptz]: (text) => {
    const value = parseTimestamp(text) as unknown;
    return value instanceof Date ? value.toISOString() : text;
  },
};
const types = {
  getTypeParser: (oid: number, format?: string) => PARSERS[oid] ?? (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format),
} as pg.CustomTypesConfig;

/** What runs a query: a pooled client, a session, or a wrapper that names (prepares) its statements. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** A connection's settings: the store's schema and session options, and values read as on SQLite. */
function clientConfig(target: PostgresTarget): pg.ClientConfig {
  return { ...connectionConfig(target), types };
}

/** A connection of its own, outside the pool, that never crashes the process either: a lost server surfaces on its next query. */
export async function connectSession(target: PostgresTarget): Promise<pg.Client> {
  const session = new pg.Client(clientConfig(target));
  session.on('error', () => {});
  await session.connect().catch((error: unknown) => Promise.reject(unreachable(target, error)));
  return session;
}

/**
 * A pool whose broken connections never crash the process. Its clients pipeline: a query issued
 * before the last one's answer goes out at once (each with its own Sync, answered in order), so a
 * savepoint taken ahead of a write costs no round trip of its own (`Savepoints`). Code that awaits
 * each query, as all of it here does, runs exactly as before. (`pipeline` is pg ≥ 8.21's; its types lag.)
 */
export function createPool(target: PostgresTarget): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(target), max: 4, idleTimeoutMillis: 30_000, pipeline: true } as pg.PoolConfig);
  // An idle client whose server went away emits here; the pool drops it and hands out a fresh one.
  pool.on('error', () => {});
  // A checked-out client that loses its server would emit 'error' with no listener and kill the
  // process; the failure surfaces instead on the next query, where the transaction sees it.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * A client from the pool. One that lost its server (`failed` saw a connection error) is destroyed
 * on release rather than returned, so the pool hands out a fresh one, not one to fail the retry.
 */
export async function checkOut(pool: pg.Pool, target: PostgresTarget) {
  const client = await pool.connect().catch((error: unknown) => Promise.reject(unreachable(target, error)));
  let lost: Error | undefined;
  const failed = (error: unknown) => {
    if (isConnectionError(error)) lost = error as Error;
    return error;
  };
  return { client, failed, release: () => client.release(lost) };
}

export async function withClient<T>(pool: pg.Pool, target: PostgresTarget, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, failed, release } = await checkOut(pool, target);
  try {
    return await work(client);
  } catch (error) {
    throw failed(error);
  } finally {
    release();
  }
}

const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, server restart
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: server starting up
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
]);
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
const TRANSIENT_MESSAGE = /connection terminated|client was closed|not queryable|terminating connection|connection timeout|server closed the connection/i;

/** A dropped or refused connection says nothing about the records: retry, do not isolate. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof GatehouseError) return error.code === 'DB_UNREACHABLE';
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code) || code.startsWith('08'))) return true;
  return TRANSIENT_MESSAGE.test(error.message);
}

/** Why a connection failed, in words, by SQLSTATE or errno. */
const UNREACHABLE_BECAUSE: Record<string, string> = {
  ECONNREFUSED: 'connection refused: no server is listening there',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'the server did not answer',
  EHOSTUNREACH: 'the server did not answer',
  '28P01': 'authentication failed',
  '28000': 'authentication failed',
  '3D000': 'no such database',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'the server refuses more connections',
};

function whyUnreachable(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const because = code !== undefined && Object.hasOwn(UNREACHABLE_BECAUSE, code) ? UNREACHABLE_BECAUSE[code] : undefined;
  if (because === undefined) return message || code || String(error);
  return message ? `${because} (${message})` : because;
}

/** The server was reached and ended the session itself (pg_terminate_backend, a shutdown, a crash): not a URL or a server that is not there. */
const SESSION_ENDED_BY_SERVER = new Set(['57P01', '57P02']);

/**
 * A connection failure as people read it: which server (password removed) and why. Some callers
 * (a trial's staging copy) pass every failure of their session through here: a statement the server
 * canceled was no failure to reach it, and is said as every command says it (statementCanceled).
 */
export function unreachable(target: PostgresTarget, error: unknown): GatehouseError {
  if (isCanceledByServer(error)) return statementCanceled(target.location, error);
  const { code, message } = (error ?? {}) as { code?: unknown; message?: string };
  if (typeof code === 'string' && SESSION_ENDED_BY_SERVER.has(code)) {
    return new GatehouseError('DB_UNREACHABLE', `PostgreSQL at ${target.location} ended this session: ${redactSecrets(message || code)}`, {
      hint: 'the server was reached and ended the session (pg_terminate_backend, a restart or a crash): what was not committed was not kept; run the command again once the server answers',
      cause: error,
    });
  }
  return new GatehouseError('DB_UNREACHABLE', `cannot reach PostgreSQL at ${target.location}: ${redactSecrets(whyUnreachable(error))}`, {
    // A server that answered "too many connections" is running, at the URL given: its limit is what to change.
    hint: serverShortOfHint(error) ?? 'check that the server is running and the URL, user, password and database name are right',
    cause: error,
  });
}

/** Connection failures outside a batch read as DB_UNREACHABLE, a lock wait past lock_timeout as LOCK_HELD; any other error is the query's own. */
export function asUnreachable(target: PostgresTarget, error: unknown): unknown {
  if (error instanceof GatehouseError) return error;
  if (isLockTimeout(error)) return lockedByAnotherSession(target, error);
  return isConnectionError(error) ? unreachable(target, error) : error;
}

/**
 * Gatehouse's own writers take turns through the writer lock: a session outside it holds what this
 * needs. A write made beside that lock (a review, a flag) can also wait on the transaction of the
 * writer holding it (a long rollback): the boundaries then name that writer (engine/busy-refusal.ts).
 * `outcome`: what became of the work it stopped, said after the lock.
 */
export function lockedByAnotherSession(target: PostgresTarget, error: unknown, outcome = ''): GatehouseError {
  return new GatehouseError('LOCK_HELD', `PostgreSQL at ${target.location} is busy: another session has held a lock this needs for longer than lock_timeout (${(error as Error).message})${outcome}`, {
    hint: "a transaction left open (a psql session, LOCK TABLE) holds it: find it in pg_stat_activity (state 'idle in transaction') or with pg_blocking_pids, end it, then try again",
    cause: error,
  });
}
