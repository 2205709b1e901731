import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely';
import { GatehouseError } from '../../../shared/errors.js';

/**
 * Write transactions here are async (a batch, a rollback, a throttle claim await between
 * statements), but better-sqlite3 waits out a busy database synchronously, blocking the thread.
 * So a second connection to the same file on the same thread — the console's store beside a
 * rollback's own, in the in-process engine host — that wrote while the first sat inside BEGIN
 * IMMEDIATE blocked the very thread that would COMMIT it, and failed after the whole busy timeout
 * with "database is locked". Connections of one thread therefore queue for a file here, in JS:
 * a write transaction enters the gate (one at a time, whichever connection), a write outside a
 * transaction waits until no other connection is inside. Each waits as long as SQLite's busy
 * timeout would have, then fails as SQLite would (SQLITE_BUSY), so callers still name the holder.
 * Other threads and processes still meet SQLite's own busy wait, which works there: their waiting
 * does not stop this thread.
 */
class WriteGate {
  private holder: Database.Database | null = null;
  private waiting: (() => void)[] = [];
  /** Every connection that took this gate; once all are closed and none waits, the gate is forgotten (writeGateOf). */
  readonly connections = new Set<Database.Database>();

  /** Nothing inside, nothing waiting, and no connection left that could enter: the gate can go. */
  get unused(): boolean {
    for (const connection of this.connections) if (!connection.open) this.connections.delete(connection);
    return this.holder === null && this.waiting.length === 0 && this.connections.size === 0;
  }

  /**
   * Runs `statement` (synchronous: one write outside a transaction) once no other connection of
   * this thread is inside a write transaction on the file; the check and the statement are one
   * synchronous step, so no transaction can enter between them.
   */
  async write<T>(connection: Database.Database, statement: () => T): Promise<Awaited<T>> {
    const giveUpAt = Date.now() + busyTimeoutOf(connection);
    while (this.holder !== null && this.holder !== connection) await this.turn(giveUpAt);
    // Inside a transaction, its BEGIN was checked and its COMMIT will be (immediateTransaction).
    if (!connection.inTransaction) checkBeforeWrite(connection, 'write');
    const result = await statement();
    writesWaitAgain(connection);
    return result;
  }

  /** Runs `work` as the one write transaction of this thread on the file, after any before it. */
  async around<T>(connection: Database.Database, work: () => Promise<T>): Promise<T> {
    if (insideTransactionOf.getStore() === connection) throw new GatehouseError('INTERNAL', 'nested transactions are not supported');
    // Checked and taken in one synchronous step: no other waiter can slip in between.
    const giveUpAt = Date.now() + busyTimeoutOf(connection);
    while (this.holder !== null) await this.turn(giveUpAt);
    this.holder = connection;
    try {
      return await insideTransactionOf.run(connection, work);
    } finally {
      this.holder = null;
      for (const wake of this.waiting.splice(0)) wake();
    }
  }

  /** Until the holder leaves; past `giveUpAt`, SQLite's own busy error. */
  private turn(giveUpAt: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((wake) => wake !== woken);
        reject(new Database.SqliteError('database is locked', 'SQLITE_BUSY'));
      }, Math.max(0, giveUpAt - Date.now()));
      const woken = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.push(woken);
    });
  }
}

function busyTimeoutOf(connection: Database.Database): number {
  return connection.pragma('busy_timeout', { simple: true }) as number;
}

/**
 * `statement` (synchronous) tried once: a busy file fails it at once instead of after the busy
 * timeout. better-sqlite3 waits that timeout out synchronously, so a write made on a timer (the
 * lock's heartbeat) that met a file held by another process stopped the whole thread for it — the
 * run's own retry waited twice per try, its busy timeout and then the heartbeat's.
 */
export function withoutBusyWait<T>(connection: Database.Database, statement: () => T): T {
  const patience = busyTimeoutOf(connection);
  connection.pragma('busy_timeout = 0');
  try {
    return statement();
  } finally {
    connection.pragma(`busy_timeout = ${patience}`);
  }
}

/**
 * Whether SQLite may go on and write: `write` before a write transaction begins, before it commits
 * and before a write outside one; `read` before a read outside a transaction, whose start writes
 * SQLite's -shm too (its read mark). Throws to refuse it. Set by the driver (refuseWritesOnceGone).
 */
export type WriteCheck = (before: 'write' | 'read') => void;

const writeChecks = new WeakMap<Database.Database, WriteCheck>();

/** From now on `check` runs before each write of `connection` (and each read outside a transaction), wherever it is made: Kysely, the writer lock's own statements, a transaction. */
export function checkWritesOf(connection: Database.Database, check: WriteCheck): void {
  writeChecks.set(connection, check);
}

export function checkBeforeWrite(connection: Database.Database, before: 'write' | 'read'): void {
  writeChecks.get(connection)?.(before);
}

/** Connections whose writes try once, without waiting, until one goes through (tryWritesOnceWhileBusy), with the busy timeout to give back. */
const hurried = new WeakMap<Database.Database, number>();

/**
 * Until a write on `connection` goes through, each one tries once instead of waiting out the busy
 * timeout: the file already stayed busy past a whole run's retries, so the writes on the run's way
 * out (the lock's release, the notification throttle) would each only wait it out again before
 * failing, keeping the operator, or the scheduler's next task, waiting for nothing.
 */
export function tryWritesOnceWhileBusy(connection: Database.Database): void {
  if (hurried.has(connection) || !connection.open) return;
  hurried.set(connection, busyTimeoutOf(connection));
  connection.pragma('busy_timeout = 0');
}

/**
 * `connection`'s writes wait out the busy timeout again: a write went through (the file is free), or
 * a new run begins — the hurry was the way out of the run that gave up, not the next run's (a
 * scheduler or `gatehouse serve` keeps one connection from run to run).
 */
export function writesWaitAgain(connection: Database.Database): void {
  const patience = hurried.get(connection);
  if (patience === undefined) return;
  hurried.delete(connection);
  if (connection.open) connection.pragma(`busy_timeout = ${patience}`);
}

/** The connection whose transaction the current async call chain is inside: a transaction begun there again is nesting, not queueing. */
const insideTransactionOf = new AsyncLocalStorage<Database.Database>();

const gates = new Map<string, WriteGate>();

/**
 * This thread's gate for the file `connection` has open. A long-running `gatehouse serve` opens
 * many files over its life (staging copies, snapshots being checked, each trial's copy), so the
 * gates of files whose every connection has closed are dropped here; a gate still in use is never
 * dropped, since a second gate for the same file would let two transactions in at once.
 */
export function writeGateOf(connection: Database.Database): WriteGate {
  forgetUnusedGates();
  const file = path.resolve(connection.name);
  let gate = gates.get(file);
  if (!gate) gates.set(file, (gate = new WriteGate()));
  gate.connections.add(connection);
  return gate;
}

/** How many files this thread keeps a gate for (files with a connection still open, or one in use). */
export function writeGateCount(): number {
  forgetUnusedGates();
  return gates.size;
}

function forgetUnusedGates(): void {
  for (const [file, gate] of gates) if (gate.unused) gates.delete(file);
}

/**
 * Kysely over `database` (the statement cache of `connection`), each statement that writes first
 * clearing the gate (and the connection's write check, checkWritesOf), each read outside a
 * transaction first passing the check as a read.
 */
export function gatedSqliteDialect(connection: Database.Database, database: { close(): void; prepare(sql: string): Database.Statement }): Dialect {
  const gate = writeGateOf(connection);
  const read = <R>(run: () => Promise<R>) => {
    if (!connection.inTransaction) checkBeforeWrite(connection, 'read');
    return run();
  };
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      return new GatedDriver(super.createDriver(), (query, run) => (database.prepare(query.sql).readonly ? read(run) : gate.write(connection, run)));
    }
  })({ database });
}

class GatedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly gated: <R>(query: CompiledQuery, run: () => Promise<QueryResult<R>>) => Promise<QueryResult<R>>,
  ) {}

  init = () => this.inner.init();
  destroy = () => this.inner.destroy();
  beginTransaction = (connection: DatabaseConnection, settings: Parameters<Driver['beginTransaction']>[1]) => this.inner.beginTransaction(connection, settings);
  commitTransaction = (connection: DatabaseConnection) => this.inner.commitTransaction(connection);
  rollbackTransaction = (connection: DatabaseConnection) => this.inner.rollbackTransaction(connection);
  releaseConnection = (connection: DatabaseConnection) => this.inner.releaseConnection(connection);

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    return {
      // better-sqlite3 runs the statement synchronously, inside the call.
      executeQuery: <R>(query: CompiledQuery) => this.gated(query, () => connection.executeQuery<R>(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }
}
