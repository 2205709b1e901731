import { createHash } from 'node:crypto';
import { PostgresDialect, sql, type SqlBool } from 'kysely';
import type pg from 'pg';
import { GatehouseError } from '../../../shared/errors.js';
import { containsWith, queryLayer, type BulkHearingWriter, type Db, type IntegrityPolicy, type StoreDriver } from '../driver.js';
import { CommitOutcomeUnknown, DEFAULT_LOCK_WAIT_MS, isCanceledByServer, isPrivilegeMissing, isStorePartMissing, lostDuringCommit, missingTables, noDatabaseAt, storePartMissing, wasLostDuringCommit } from '../faults.js';
import { snakeCase, TABLES } from '../schema.js';
import { applyMigrations } from '../migrations/index.js';
import { isNotAllThere } from '../damaged.js';
import type { DatabaseFault, StoreOptions } from '../types.js';
import { asUnreachable, checkOut, createPool, describeStore, isConnectionError, isLockTimeout, lockedByAnotherSession, parsePostgresTarget, quoteIdentifier, unreachable, withClient, type PostgresTarget, type Queryable } from './connection.js';
import { BATCH_WRITE_TABLES, PostgresHearingWriter } from './hearing-writer.js';
import { PostgresSnapshots } from './snapshots.js';
import { PostgresWriterLock } from './writer-lock.js';
import { MIGRATION_LOCK_CLASS, STAGING_COPY_SCHEMA_PREFIX } from './target.js';

/**
 * The server is out of disk, memory or another resource (class 53 but too_many_connections, which
 * is transient), its system or files fail (58), its own data or indexes are corrupt (XX), or it only
 * reads, or the role Gatehouse connects as lacks a privilege on a table (42501: an administrator's
 * REVOKE): the environment's fault, never a record's. A record refused for itself raises a data or
 * constraint error (22, 23), or one a trigger raises (P0001).
 */
const ENVIRONMENT_SQLSTATES = /^(53(?!300)|58|XX|25006$|42501$)/;

/** Opens (creating and migrating as needed) the store in one schema of a PostgreSQL database. */
export async function openPostgresDriver(url: string, options: StoreOptions): Promise<StoreDriver> {
  const target: PostgresTarget = { ...parsePostgresTarget(url), lockWaitMs: options.lockWaitMs };
  const pool = createPool(target);
  try {
    // One transaction under a lock on the schema's name: of two processes creating it, the second waits and finds it migrated.
    await inTransaction(pool, target, 'BEGIN', async (client) => {
      // Another process migrating (an index over a large table) is worth waiting for, however long.
      await client.query('SET LOCAL lock_timeout = 0');
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_CLASS}, hashtext($1))`, [target.schema]);
      await client.query('SET LOCAL lock_timeout TO DEFAULT');
      const location = describeStore(target);
      if (options.mustExist && !(await holdsAStore(client, target.schema))) throw await noStoreIn(client, target, location, options);
      // Asked first: CREATE SCHEMA IF NOT EXISTS wants CREATE on the database even when the schema is
      // there, which a team's read/write role (not the owner) does not have.
      if (!(await schemaExists(client, target.schema))) await client.query(`CREATE SCHEMA ${quoteIdentifier(target.schema)}`);
      // Without USAGE the schema drops out of search_path silently, and the store would read as absent.
      else if (!(await schemaUsable(client, target.schema))) throw openingDenied(target, new Error(`permission denied for schema ${target.schema}`));
      await applyMigrations({
        dialect: 'postgres',
        location,
        exec: async (text) => void (await client.query(text)),
        value: async (text) => Object.values((await client.query(text)).rows[0] ?? {})[0],
        db: kyselyOver(client),
      });
      const missing = await tablesMissingFrom(client, target.schema, location);
      if (missing) throw missing;
    });
  } catch (error) {
    // Opened as it is, its opening's transaction rolled back: nothing was migrated.
    if (options.forRestore && isNotAllThere(error, describeStore(target))) return new PostgresDriver(pool, target, options, error);
    await pool.end().catch(() => {});
    throw openFailure(target, error);
  }
  return new PostgresDriver(pool, target, options);
}

/** A new store in schema `scratch` of the same database, migrated, then closed: what a restore remakes dropped tables after (remake.ts). */
async function migrateScratch(target: PostgresTarget, scratch: string): Promise<void> {
  const url = new URL(target.connectionString);
  url.searchParams.set('schema', scratch);
  const driver = await openPostgresDriver(url.toString(), { lockWaitMs: target.lockWaitMs });
  await driver.close();
}

async function schemaExists(client: Queryable, schema: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length > 0;
}

async function schemaUsable(client: Queryable, schema: string): Promise<boolean> {
  return (await client.query<{ usable: number }>("SELECT has_schema_privilege($1, 'USAGE') AS usable", [schema])).rows[0]?.usable === 1;
}

/** The store's tables missing from `schema` (dropped outside Gatehouse), as the refusal that names them; null when all are there. */
async function tablesMissingFrom(queryable: Queryable, schema: string, location: string): Promise<GatehouseError | null> {
  const tables = await queryable.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema]);
  return missingTables('postgres', location, tables.rows.map((row) => row.tablename));
}

/** Said of every failure to open: opening, with whatever migrations are due, is one transaction. */
const NOTHING_MIGRATED = 'opening the store (migrating it first, when due) is one transaction, rolled back: nothing was changed';

/**
 * A failure to open (and migrate) the store, as the operator acts on it. Another session's lock held
 * past lock_timeout is LOCK_HELD (exit 5: try again once it lets go), as a busy SQLite file is at
 * opening; a statement the server canceled — its statement_timeout, shorter than a migration over a
 * large table takes, or an administrator — names the setting, since trying again alone fails again.
 */
function openFailure(target: PostgresTarget, error: unknown): GatehouseError {
  if (error instanceof GatehouseError) return error;
  if (isConnectionError(error)) return unreachable(target, error);
  const message = (error as Error).message;
  if (isLockTimeout(error)) return lockedByAnotherSession(target, error, `; ${NOTHING_MIGRATED}`);
  if (isPrivilegeMissing(error)) return openingDenied(target, error as Error);
  if (isCanceledByServer(error)) {
    return new GatehouseError('DB_NOT_WRITABLE', `cannot open database ${target.location}: the server canceled a statement of its opening or migration (${message}); ${NOTHING_MIGRATED}`, {
      hint: "the server's statement_timeout for this role or database (SHOW statement_timeout) is shorter than a migration takes: raise it for the role Gatehouse connects as (ALTER ROLE … SET statement_timeout = 0), then run again; an administrator's pg_cancel_backend ends it the same way",
      cause: error,
    });
  }
  return new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${target.location}: ${message}; ${NOTHING_MIGRATED}`, { cause: error });
}

/**
 * The role Gatehouse connects as was denied what opening needs, as the grant that gives it: CREATE
 * on the database to make a new store's schema, USAGE on the schema to reach it (and CREATE on it
 * while migrations are due), every privilege on its tables and sequences to read and write them.
 */
function openingDenied(target: PostgresTarget, error: Error): GatehouseError {
  const url = new URL(target.connectionString);
  const role = url.username || 'the role Gatehouse connects as';
  const database = quoteIdentifier(decodeURIComponent(url.pathname.slice(1)) || role);
  const schema = quoteIdentifier(target.schema);
  const denied = /permission denied for (database|schema|table|sequence)\b/.exec(error.message)?.[1];
  const grant =
    denied === 'database'
      ? `GRANT CREATE ON DATABASE ${database} TO ${role} lets it make the schema${target.schema.startsWith(STAGING_COPY_SCHEMA_PREFIX) ? '' : `, or have the owner create schema ${schema} (and let ${role} use it)`}`
      : denied === 'schema'
        ? `GRANT USAGE ON SCHEMA ${schema} TO ${role} lets it reach the store (add CREATE while migrations are due, or open it once as the owner to migrate it)`
        : `GRANT ALL ON ALL TABLES IN SCHEMA ${schema} TO ${role} and GRANT ALL ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}, or connect as the role that owns them`;
  return new GatehouseError('DB_NOT_WRITABLE', `cannot open database ${target.location}: ${error.message}; ${NOTHING_MIGRATED}`, { hint: grant, cause: error });
}

/**
 * A store's schema has its migrations table or a table of the store (one whose migration record was
 * lost is then refused as not all there: applyMigrations); a bare `public` schema, there in every
 * database, is no store.
 */
async function holdsAStore(client: Queryable, schema: string): Promise<boolean> {
  const found = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)', [schema, STORE_TABLE_NAMES]);
  return found.rows.length > 0;
}

const STORE_TABLE_NAMES = ['schema_migrations', ...Object.keys(TABLES).map(snakeCase)];

/**
 * A schema that holds no store where one must be: a mistyped `--db` for a command, but for the
 * console, which opened it when it started (StoreOptions.openedBefore), the schema dropped under it,
 * said as every other call of the console says it (storePartMissing), not as a file deleted or moved.
 */
async function noStoreIn(client: Queryable, target: PostgresTarget, location: string, options: StoreOptions): Promise<GatehouseError> {
  if (!options.openedBefore) return noDatabaseAt(location, options.namedBy);
  const schemaLeft = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema]);
  return storePartMissing('postgres', location, schemaLeft.rows.length > 0 ? `schema "${target.schema}" holds none of its tables` : `schema "${target.schema}" does not exist`);
}

/** BEGIN (or `begin`), then COMMIT when `work` resolves — ROLLBACK when it throws, or always for a dry run. */
function inTransaction<T>(
  pool: pg.Pool,
  target: PostgresTarget,
  begin: string | ((client: pg.PoolClient) => Promise<void>),
  work: (client: pg.PoolClient) => Promise<T>,
  dryRun = false,
): Promise<T> {
  return withClient(pool, target, async (client) => {
    try {
      await (typeof begin === 'string' ? client.query(begin) : begin(client));
      const result = await work(client);
      await client.query(dryRun ? 'ROLLBACK' : 'COMMIT').catch((error: unknown) => Promise.reject(!dryRun && isConnectionError(error) ? lostDuringCommit(error) : error));
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  });
}

/** Kysely over one connection (a transaction's); `release` is the transaction's business, not Kysely's. */
function kyselyOver(queryable: Queryable): Db {
  const client = { query: (text: string, values?: unknown[]) => queryable.query(text, values), release: () => {} };
  const dialect = new PostgresDialect({ pool: { connect: async () => client as never, end: async () => {} } });
  return queryLayer(dialect);
}

const statementNames = new Map<string, string>();

/**
 * Batch statements run thousands of times per run with the same text: named (prepared) once per
 * connection, the server parses and plans each only once. A text without parameters goes as a
 * simple query, which may hold several statements (a savepoint's RELEASE and the next SAVEPOINT).
 */
function preparing(client: pg.PoolClient): Queryable {
  const query = (text: string, values?: unknown[]) => {
    if (values === undefined) return client.query(text);
    let name = statementNames.get(text);
    if (name === undefined) {
      name = `gatehouse_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      statementNames.set(text, name);
    }
    return client.query({ name, text, values });
  };
  return { query } as unknown as Queryable;
}

/** A pool, a session-scoped advisory lock for the one writer, schema snapshots. */
class PostgresDriver implements StoreDriver {
  readonly backend = 'postgres' as const;
  readonly location: string;
  readonly lockWaitMs: number;
  readonly db: Db;
  readonly snapshots: PostgresSnapshots;
  readonly writerLock: PostgresWriterLock;
  /** A flag change is stored here while a run's transaction is open (it locks rows, not the database), and the run reads it: nothing to pass beside the lock. */
  readonly writerNotes = null;
  /** The server checks its own pages (and checksums, where enabled); nothing to ask it here. */
  readonly integrity: IntegrityPolicy = {
    check: async () => ({ check: 'skipped', reason: 'PostgreSQL checks its own pages' }),
    recordVerified: async () => {},
  };

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: PostgresTarget,
    private readonly options: StoreOptions,
    readonly damage: GatehouseError | null = null,
  ) {
    this.location = target.location;
    this.lockWaitMs = target.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    this.writerLock = new PostgresWriterLock(target, pool);
    this.snapshots = new PostgresSnapshots(this, target.schema, (scratch) => migrateScratch(target, scratch));
    const connect = async () => {
      const { client, failed, release } = await checkOut(pool, target);
      const query = (text: string, values?: unknown[]) => client.query(text, values).catch((error: unknown) => Promise.reject(asUnreachable(target, failed(error))));
      return { query, release };
    };
    this.db = queryLayer(new PostgresDialect({ pool: { connect: connect as never, end: () => pool.end() } }));
  }

  transaction<T>(work: (trx: Db) => Promise<T>, options: { dryRun?: boolean } = {}): Promise<T> {
    const fenced = async (trx: Db, client: pg.PoolClient) => {
      const result = await work(trx);
      // Last, not first: some transactions must open with SET TRANSACTION (snapshots); before COMMIT is what counts.
      if (!options.dryRun) await this.writerLock.fence(client);
      return result;
    };
    // A dry run reads one snapshot and may write nothing: a row it wrote would hold up every writer
    // naming it (an operator's update, a review) until its end.
    return this.queryTransaction(options.dryRun ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN', fenced, options.dryRun);
  }

  /**
   * `work` over the query layer in a transaction of its own; a connection failure reads as
   * DB_UNREACHABLE, and one during the COMMIT says that whether it went through cannot be told.
   */
  private queryTransaction<T>(begin: string, work: (trx: Db, client: pg.PoolClient) => Promise<T>, dryRun = false): Promise<T> {
    return inTransaction(this.pool, this.target, begin, (client) => work(kyselyOver(client), client), dryRun).catch((error: unknown) => {
      const said = asUnreachable(this.target, error);
      return Promise.reject(wasLostDuringCommit(error) && said instanceof GatehouseError ? new CommitOutcomeUnknown(said) : said);
    });
  }

  /**
   * Every statement of a batch looks rows up by key. Mid-run the planner's statistics still
   * describe the tables as they were before the run, and it would scan them whole, batch after
   * batch; keyed lookups stay keyed however the tables grew. Errors stay the driver's own, so the
   * engine can tell a dropped connection (retry) from a bad record (isolate).
   */
  batchTransaction<T>(work: (trx: Db, writer: BulkHearingWriter) => Promise<T>): Promise<T> {
    const begin = (client: pg.PoolClient) => this.writerLock.fence(client, BATCH_BEGIN);
    return inTransaction(this.pool, this.target, begin, async (client) => {
      const named = preparing(client);
      return work(kyselyOver(named), new PostgresHearingWriter(named, this.options));
    });
  }

  /**
   * Reads bounded by a run's keys, planned as such: right after a run the statistics still call the
   * tables small, and a hash join over a whole table per hearing grows with the square of the run
   * (50 s of a 100,000-record run). Nested loops by key instead; JIT off, since the cost a disabled
   * plan is charged would make the server compile each one; work_mem so a NOT IN over the run's rows
   * stays a hashed subplan.
   */
  keyedReads<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return this.queryTransaction(KEYED_READS_BEGIN, work);
  }

  anyOf(column: string, values: readonly (string | number)[]) {
    const type = typeof values[0] === 'number' ? 'bigint' : 'text';
    return sql<SqlBool>`${sql.ref(column)} = ANY(${values}::${sql.raw(type)}[])`;
  }

  contains(column: string, text: string) {
    return containsWith('ilike', sql.ref<string | null>(column), text);
  }

  classifyError(error: unknown): DatabaseFault {
    const code = String((error as { code?: unknown } | null)?.code);
    if (ENVIRONMENT_SQLSTATES.test(code) || isStorePartMissing(error)) return 'environment';
    return isConnectionError(error) || isLockTimeout(error) || isCanceledByServer(error) ? 'transient' : 'record';
  }

  /** Nothing to hurry: a wait for another session's lock (lock_timeout) blocks no thread, and the writer lock's release waits for none. */
  tryWritesOnceWhileBusy(): void {}

  writesWaitAgain(): void {}

  // A dropped schema refuses every write itself (isStorePartMissing): there is no file whose writes could go unseen.
  refuseWritesOnceGone(): void {}

  async lostForGood(): Promise<GatehouseError | null> {
    return tablesMissingFrom(this.pool, this.target.schema, describeStore(this.target)).catch((error: unknown) => Promise.reject(asUnreachable(this.target, error)));
  }

  async close(): Promise<void> {
    await this.writerLock.release();
    await this.db.destroy().catch(() => {});
    if (!this.pool.ended) await this.pool.end().catch(() => {});
  }
}

/**
 * A batch's BEGIN takes the lock each of its writes would (ROW EXCLUSIVE, which Gatehouse's own
 * writers share) on every table it may write, as SQLite's BEGIN IMMEDIATE takes the file's: a
 * session outside Gatehouse holding one of them (a DBA's LOCK TABLE) is waited for here, before
 * any record is read into the transaction, and a wait past lock_timeout is retried as a busy
 * database at BEGIN is. Met at the first write instead, it ended an all-or-nothing update, whose
 * source is read into its one transaction and cannot be written again (all-or-nothing.ts).
 */
const BATCH_BEGIN = `BEGIN; SET LOCAL enable_seqscan = off; LOCK TABLE ${BATCH_WRITE_TABLES.join(', ')} IN ROW EXCLUSIVE MODE`;
const KEYED_READS_BEGIN = ['BEGIN READ ONLY', ...['enable_seqscan', 'enable_hashjoin', 'enable_mergejoin', 'jit'].map((setting) => `SET LOCAL ${setting} = off`), "SET LOCAL work_mem = '64MB'"].join('; ');
