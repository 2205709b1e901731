import pg from 'pg';
import { WriterLockLost } from '../faults.js';
import { STORED_HALTS_SQL, storedHalts, type StoredHalt, type StoredHaltRow, type WriterLock } from '../driver.js';
import { runsOfDeadProcesses, runsWithoutWriter, type RunningRun } from '../process.js';
import type { LockAttempt, LockClaim, LockHolder } from '../types.js';
import { connectSession, isConnectionError, isLockTimeout, withClient, type PostgresTarget, type Queryable } from './connection.js';

/** First key of the two-key advisory lock: "GATE". The second is the schema's hash, so schemas lock apart. */
const LOCK_CLASS = 0x47415445;
const LOCK_KEY = `${LOCK_CLASS}, hashtext($1)`;
/** The sessions holding the writer lock of schema $1. */
const HOLDER_PIDS = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ${LOCK_CLASS}
  AND objid = (hashtext($1)::bigint & 4294967295)::oid AND objsubid = 2
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
/** "GATF": the fence every write transaction of the holder takes, so a takeover waits for the last one in flight. */
const FENCE_KEY = `${0x47415446}, hashtext($1)`;

/**
 * The one-writer lock on PostgreSQL: a session-scoped advisory lock held on a dedicated
 * connection, so a process that dies (or loses that connection) frees it at once, plus the
 * `writer_lock` row beside it that names the holder for a refusal. The row is information only;
 * the advisory lock decides.
 */
export class PostgresWriterLock implements WriterLock {
  private session: pg.Client | null = null;

  constructor(
    private readonly target: PostgresTarget,
    private readonly pool: pg.Pool,
  ) {}

  /** No stale takeover: a dead holder's session, and with it the advisory lock, is already gone. */
  async acquire(holder: LockClaim, { now }: { now: Date }): Promise<LockAttempt> {
    // Not re-entrant, as on SQLite: a second acquire through the same store is a second writer.
    if (this.session) return { acquired: false, holder: (await this.readHolder(this.session)) ?? unknownHolder(now) };
    const session = await connectSession(this.target);
    try {
      const { rows } = await session.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS got`, [this.target.schema]);
      if (!rows[0]!.got) return { acquired: false, holder: (await this.readHolder(session)) ?? unknownHolder(now) };
      // A holder whose session died may still be committing its last transaction: let it end first.
      // One stuck past lock_timeout (its process suspended mid-commit) still holds the database: a refusal naming it.
      const fenced = await session.query(`SELECT pg_advisory_lock(${FENCE_KEY})`, [this.target.schema]).then(() => true, (error: unknown) => {
        if (isLockTimeout(error)) return false;
        throw error;
      });
      if (!fenced) return { acquired: false, holder: (await this.readHolder(session)) ?? unknownHolder(now) };
      await session.query(`SELECT pg_advisory_unlock(${FENCE_KEY})`, [this.target.schema]);
      const previous = await this.readHolder(session);
      await session.query(
        `INSERT INTO writer_lock (id, run_id, pid, host, since, heartbeat_at, operation, operator) VALUES (1, $1, $2, $3, $4, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, host = excluded.host,
           since = excluded.since, heartbeat_at = excluded.heartbeat_at, operation = excluded.operation, operator = excluded.operator`,
        [holder.runId, holder.pid, holder.host, now.toISOString(), holder.operation ?? null, holder.operator ?? null],
      );
      this.session = session;
      // A row left behind means its writer died without releasing: the advisory lock was already free.
      return { acquired: true, tookOverFrom: previous };
    } finally {
      // A session that did not become the lock's (refused, or failed on the way) is closed.
      if (this.session !== session) await session.end().catch(() => {});
    }
  }

  /** Best effort: the advisory lock, not the heartbeat, keeps other writers out. Its wait for a lock (lock_timeout) blocks no thread, so `waitIfBusy` changes nothing here. */
  async heartbeat(now: Date, runId: number | null): Promise<void> {
    if (!this.session) return;
    try {
      await this.session.query('UPDATE writer_lock SET heartbeat_at = $1, run_id = coalesce($2, run_id) WHERE id = 1', [now.toISOString(), runId]);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
    }
  }

  /**
   * On the lock's own session, which a run holds anyway and which sits idle between heartbeats: a
   * run polling it takes no connection from the pool (4 at most, one already in the run's
   * transaction). A few rows by key; null once released.
   */
  async haltsStored(): Promise<StoredHalt[] | null> {
    if (!this.session) return null;
    const { rows } = await this.session.query<StoredHaltRow>(STORED_HALTS_SQL);
    return storedHalts(rows);
  }

  /** Never throws: when the server is gone, so is the session, and with it the advisory lock. */
  async release(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = null;
    try {
      // Holding the advisory lock makes the row ours, whatever pid it names.
      await session.query('DELETE FROM writer_lock WHERE id = 1');
      await session.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [this.target.schema]);
    } catch {
      // ending the session below frees the advisory lock anyway
    }
    await session.end().catch(() => {});
  }

  /**
   * Inside each write transaction of the holder, before it writes: takes the fence (a
   * transaction-level advisory lock) and checks that our session still holds the writer lock. If
   * that session died — and with it the lock, which another writer may have taken since — this
   * throws before anything is written, so the transaction never COMMITs unguarded. Holding the
   * fence until COMMIT closes the gap between the check and the COMMIT: a new holder waits for it.
   * `begin`, when given, opens the transaction first. One round trip: the statements go as one
   * simple query, which takes no parameters, so the schema goes in as a literal.
   */
  async fence(db: Queryable, begin?: string): Promise<void> {
    if (!this.session) {
      if (begin !== undefined) await db.query(begin);
      return;
    }
    const schema = pg.escapeLiteral(this.target.schema);
    const statements = [begin, `SELECT pg_advisory_xact_lock(${FENCE_KEY.replace('$1', schema)})`, HOLDER_PIDS.replace('$1', schema)];
    const results = (await db.query(statements.filter((text) => text !== undefined).join('; '))) as unknown as pg.QueryResult<{ pid: number }>[];
    const ownPid = this.ownPid();
    if (!results.at(-1)!.rows.some((row) => row.pid === ownPid)) {
      throw new WriterLockLost(this.target.location, `its database session${ownPid === null ? '' : ` (pid ${ownPid})`} ended`);
    }
  }

  private ownPid(): number | null {
    return this.session ? (this.session as unknown as { processID: number | null }).processID : null;
  }

  /** Which runs left `running` are orphans: nobody else holds the lock, or their process died on this host. */
  async orphans(running: RunningRun[]): Promise<number[]> {
    if (running.length === 0) return [];
    const ownPid = this.ownPid();
    const holders = await withClient(this.pool, this.target, (client) => client.query<{ pid: number }>(HOLDER_PIDS, [this.target.schema]));
    if (!holders.rows.some((row) => row.pid !== ownPid)) return running.map((run) => run.id);
    return runsOfDeadProcesses(running);
  }

  /**
   * The advisory lock, not the row, says whether anyone holds it: a writer whose process died on any
   * host lost it with its session, so a run it left `running` is not being written.
   */
  async runsWithoutWriter(running: RunningRun[]): Promise<number[]> {
    if (running.length === 0) return [];
    const holder = await withClient(this.pool, this.target, async (client) => {
      const holders = await client.query<{ pid: number }>(HOLDER_PIDS, [this.target.schema]);
      return holders.rows.length === 0 ? null : ((await this.readHolder(client)) ?? undefined);
    });
    return runsWithoutWriter(running, holder);
  }

  private async readHolder(db: Queryable): Promise<LockHolder | null> {
    try {
      const { rows } = await db.query<LockHolder>('SELECT run_id AS "runId", pid, host, since, heartbeat_at AS "heartbeatAt", operation, operator FROM writer_lock WHERE id = 1');
      return rows[0] ?? null;
    } catch {
      return null;
    }
  }
}

/** The advisory lock is taken but its row is not written yet (the holder is between the two statements). */
function unknownHolder(now: Date): LockHolder {
  return { runId: null, pid: 0, host: 'unknown host', since: now.toISOString(), heartbeatAt: now.toISOString(), operation: null, operator: null };
}
