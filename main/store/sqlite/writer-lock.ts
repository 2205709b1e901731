import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { GatehouseError } from '../../../shared/errors.js';
import { STORED_HALTS_SQL, storedHalts, type StoredHalt, type StoredHaltRow, type WriterLock } from '../driver.js';
import { WriterLockLost } from '../faults.js';
import { ENVIRONMENT_FAULT_CODE, openFailure } from './open.js';
import { checkBeforeWrite, withoutBusyWait, writeGateOf } from './write-gate.js';
import { isHolderGone, runsOfDeadProcesses, runsWithoutWriter, type RunningRun } from '../process.js';
import type { LockAttempt, LockClaim, LockHolder } from '../types.js';

/**
 * The one-writer lock on SQLite: the `writer_lock` row beside the data, claimed under BEGIN
 * IMMEDIATE. A holder whose heartbeat went stale, or whose process on this host died, is taken over.
 * The row we wrote (pid and since) is ours for as long as it stands: a holder that was taken over
 * finds another row there at its next write transaction (`fence`) and stops.
 */
export class SqliteWriterLock implements WriterLock {
  /** When we took the lock, as written in its row; null when we do not hold it. */
  private since: string | null = null;

  private get held(): boolean {
    return this.since !== null;
  }

  /** The lock row is written outside any transaction: behind this thread's other transactions on the file (write-gate.ts). */
  private readonly gate: ReturnType<typeof writeGateOf>;

  constructor(
    private readonly db: Database.Database,
    private readonly location: string,
  ) {
    this.gate = writeGateOf(db);
  }

  async acquire(holder: LockClaim, options: { now: Date; staleAfterMs: number }): Promise<LockAttempt> {
    const now = options.now.toISOString();
    try {
      // A live holder is read first, outside any transaction (WAL readers never wait): the holder
      // of a run is inside a batch's write transaction most of the time, and BEGIN IMMEDIATE would
      // sit out the whole busy timeout behind it only to find the same row — PostgreSQL's
      // try-lock answers at once, and so does this.
      const holding = this.readHolder();
      if (holding && !this.isAbandoned(holding, options)) return { acquired: false, holder: holding };
      return await this.gate.write(this.db, () =>
        this.db.transaction((): LockAttempt => {
          const existing = this.readHolder();
          if (existing && !this.isAbandoned(existing, options)) return { acquired: false, holder: existing };
          const ours = existing !== null && leftBehind.has(leftBehindKey(this.location, existing));
          this.db
            .prepare('INSERT OR REPLACE INTO writer_lock (id, run_id, pid, host, since, heartbeat_at, operation, operator) VALUES (1, ?, ?, ?, ?, ?, ?, ?)')
            .run(holder.runId, holder.pid, holder.host, now, now, holder.operation ?? null, holder.operator ?? null);
          this.since = now;
          if (ours) leftBehind.delete(leftBehindKey(this.location, existing));
          return { acquired: true, tookOverFrom: existing, leftBehind: ours };
        }).immediate(),
      );
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      // The first write of every run lands here: a file opened read-only (write-protected, immutable) or a full disk is the database's, said as such.
      if (ENVIRONMENT_FAULT_CODE.test(code)) throw openFailure(this.location, error);
      if (code !== 'SQLITE_BUSY') throw error;
      const holder = this.readHolder();
      // Only when the row was written between the look above and BEGIN IMMEDIATE, or its holder looked abandoned (a stale heartbeat) yet still writes.
      // Our own row left behind holds nothing: what kept the file busy is another connection's transaction, said below.
      if (holder && !leftBehind.has(leftBehindKey(this.location, holder))) return { acquired: false, holder, afterBusyWait: true };
      throw new GatehouseError('LOCK_HELD', `database ${this.location} is busy: another writer is in a transaction`, {
        hint: 'Gatehouse\'s own writers wait for each other, so this is likely a transaction left open elsewhere (a sqlite3 shell, another program): end it, then try again',
      });
    }
  }

  private readHolder(): LockHolder | null {
    // Outside a transaction (acquire's first look), a read that may write its read mark into the mapped -shm: checked as every such read is (checkWritesOf).
    if (!this.db.inTransaction) checkBeforeWrite(this.db, 'read');
    const row = this.db.prepare('SELECT run_id AS runId, pid, host, since, heartbeat_at AS heartbeatAt, operation, operator FROM writer_lock WHERE id = 1').get();
    return (row as LockHolder | undefined) ?? null;
  }

  async heartbeat(now: Date, runId: number | null, options: { waitIfBusy?: boolean } = {}): Promise<void> {
    if (!this.held || !this.db.open) return;
    const beat = () => this.db.prepare('UPDATE writer_lock SET heartbeat_at = ?, run_id = coalesce(?, run_id) WHERE id = 1 AND pid = ? AND since = ?').run(now.toISOString(), runId, process.pid, this.since);
    await this.gate.write(this.db, () => (options.waitIfBusy === false ? withoutBusyWait(this.db, beat) : beat()));
  }

  /**
   * Read on the holder's own connection: a local read that no writer blocks (WAL). Inside the
   * holder's write transaction it sees nothing new — a halt set then waits for the file, and
   * reaches the run as a WriterNote (halt-requests.ts).
   */
  async haltsStored(): Promise<StoredHalt[] | null> {
    if (!this.held || !this.db.open) return null;
    return storedHalts(this.db.prepare(STORED_HALTS_SQL).all() as StoredHaltRow[]);
  }

  /** Only our own row: a writer that took the lock over keeps its. */
  async release(): Promise<void> {
    if (!this.held || !this.db.open) return;
    const ours = leftBehindKey(this.location, { pid: process.pid, host: os.hostname(), since: this.since! });
    try {
      await this.gate.write(this.db, () => this.db.prepare('DELETE FROM writer_lock WHERE id = 1 AND pid = ? AND since = ?').run(process.pid, this.since));
    } catch (error) {
      // The row stays (the file busy, the disk failing) with this live pid and a fresh heartbeat: without
      // this, a long-lived process (the scheduler, `gatehouse serve`) refused its own next run for the
      // stale-lock window, naming itself as the holder. It is ours to take over (isAbandoned), or to release again.
      leftBehind.add(ours);
      throw error;
    }
    leftBehind.delete(ours);
    this.since = null;
  }

  /**
   * Inside each write transaction of the holder (under BEGIN IMMEDIATE, so no other writer can
   * change the row before COMMIT): throws if the lock row is no longer ours — another writer took
   * it over, judging us dead by a stale heartbeat (a process suspended for minutes) — so nothing
   * is written beside the new holder. Does nothing when this store does not hold the lock.
   */
  fence(): void {
    if (!this.held) return;
    const current = this.readHolder();
    if (current?.pid === process.pid && current.since === this.since) return;
    const by = current ? `pid ${current.pid} on ${current.host} took it over at ${current.since}` : 'its row was removed';
    throw new WriterLockLost(this.location, by);
  }

  /**
   * Which runs left `running` are orphans. While we hold the lock, every one: no other writer can be
   * writing, as PostgreSQL's lock also says — including a run of this very process whose end could
   * not be written (the file stayed busy), which its pid alone would keep `running` for good.
   */
  async orphans(running: RunningRun[]): Promise<number[]> {
    return this.held ? running.map((run) => run.id) : runsOfDeadProcesses(running);
  }

  /** The lock row names its holder; none, or another process, and a run left `running` is not being written. */
  async runsWithoutWriter(running: RunningRun[]): Promise<number[]> {
    return running.length === 0 ? [] : runsWithoutWriter(running, this.readHolder());
  }

  /** A stale heartbeat, a dead process on this host, or a row this thread failed to release: nobody holds it. */
  private isAbandoned(holder: LockHolder, options: { now: Date; staleAfterMs: number }): boolean {
    return isHolderGone(holder, options) || leftBehind.has(leftBehindKey(this.location, holder));
  }
}

/**
 * Lock rows this thread wrote and then failed to delete (release), by file and the row's identity
 * (pid, host, since): a row of this pid not listed here is a live lock of another store of this
 * process (the console's rollback beside a run) and is refused as any holder is. Per thread, as
 * the write gates are: a row left by another thread of the process waits out its stale window.
 */
const leftBehind = new Set<string>();

function leftBehindKey(location: string, row: Pick<LockHolder, 'pid' | 'host' | 'since'>): string {
  return JSON.stringify([path.resolve(location), row.pid, row.host, row.since]);
}
