import pg from 'pg';
import { GatehouseError } from '../../../shared/errors.js';
import { redactSecrets } from '../redact.js';
import { connectionConfig, type PostgresTarget } from './target.js';

export { connectionConfig, DEFAULT_SCHEMA, parsePostgresTarget, quoteIdentifier, type PostgresTarget } from './target.js';

/**
 * A pool whose every connection works in the store's schema (search_path set at connection
 * start, so it costs no round trip) and whose broken connections never crash the process.
 */
export function createPool(target: PostgresTarget): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(target),
    max: 4,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits here; the pool drops it and hands out a fresh one.
  pool.on('error', () => {});
  // A checked-out client that loses its server would emit 'error' with no listener and kill the
  // process; the failure surfaces instead on the next query, where the transaction sees it.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
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
  if (typeof code === 'string') {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code) || code.startsWith('08')) return true;
  }
  return TRANSIENT_MESSAGE.test(error.message);
}

/** A connection failure as people read it: which server (password removed) and why. */
export function unreachable(target: PostgresTarget, error: unknown): GatehouseError {
  const detail = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  return new GatehouseError('DB_UNREACHABLE', `cannot reach PostgreSQL at ${target.location}: ${redactSecrets(detail)}`, {
    hint: 'check that the server is running and the URL, user and password are right',
    cause: error,
  });
}

/**
 * Runs `work` on one pool client between BEGIN and COMMIT (ROLLBACK when it throws, or always
 * for a dry run). A client that failed with a connection error is destroyed rather than returned,
 * so the pool hands out a fresh one. With `reportUnreachable`, a lost server reads as
 * DB_UNREACHABLE; the batch path keeps the driver's error so the engine can retry it.
 */
export async function inClientTransaction<T>(
  pool: pg.Pool,
  target: PostgresTarget,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { dryRun?: boolean; reportUnreachable?: boolean; begin?: string } = {},
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw unreachable(target, error);
  }
  let failure: unknown;
  try {
    await client.query(options.begin ?? 'BEGIN');
    const result = await work(client);
    await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(() => {});
    if (options.reportUnreachable && isConnectionError(error) && !(error instanceof GatehouseError)) throw unreachable(target, error);
    throw error;
  } finally {
    client.release(failure !== undefined && isConnectionError(failure) ? (failure as Error) : undefined);
  }
}
