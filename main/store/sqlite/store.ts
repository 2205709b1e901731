import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GatehouseError } from '../../../shared/errors.js';
import type { QuarantineEntry } from '../../../shared/record.js';
import type { RunStatus, RunSummary, BatchRecord } from '../../../shared/run.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { batchFromRow, checkpointFromRow, historyEntryFromRow, quarantineFromRow, rawToJson, runFromRow, EMPTY_BATCH_COUNTS, type HistoryRow } from '../rows.js';
import type {
  Checkpoint,
  LockAttempt,
  LockHolder,
  NewQuarantineEntry,
  NewRun,
  PlannedChange,
  RunDetail,
  RunOutcome,
  Store,
  StoredHearing,
  StoreOptions,
  WriteTx,
} from '../types.js';
import { SqliteHearingWriter } from './hearing-writer.js';
import { SqliteFlagRepository } from './flags.js';
import { SqliteNotificationThrottle, SqliteRunReports } from './operations.js';
import { SqliteTaskRepository } from './tasks.js';
import { SqliteUndoRepository } from './undo.js';
import { SqliteSnapshots } from './snapshots.js';
import { SqliteRunReviews, SqliteTrials } from './reviews.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { isProcessAlive } from '../process.js';

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.at(-1)!.version;

export function openSqliteDatabase(file: string): Database.Database {
  const resolved = path.resolve(file);
  const folder = path.dirname(resolved);
  if (!fs.existsSync(folder)) {
    throw new GatehouseError('DB_NOT_WRITABLE', `cannot create database ${file}: folder ${folder} does not exist`);
  }
  let db: Database.Database;
  try {
    db = new Database(resolved, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
  } catch (error) {
    throw new GatehouseError('DB_NOT_WRITABLE', `cannot open database ${file}: ${(error as Error).message}`, { cause: error });
  }
  db.pragma('foreign_keys = ON');
  // WAL with synchronous=NORMAL survives a killed process; only power loss can cost the last commits.
  db.pragma('synchronous = NORMAL');
  // One commit per batch dirties pages all over the indexes: a larger page cache keeps them from
  // being re-read, and checkpointing every ~40 MB of WAL (not 4 MB) writes each page back once.
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  return db;
}

function migrate(db: Database.Database, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const current = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new GatehouseError(
      'SCHEMA_TOO_NEW',
      `database ${file} has schema version ${current}; this Gatehouse knows up to ${SQLITE_SCHEMA_VERSION}`,
      { hint: 'upgrade Gatehouse before opening this database' },
    );
  }
  for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}

export async function openSqliteStore(file: string, options: StoreOptions = {}): Promise<Store> {
  const db = openSqliteDatabase(file);
  try {
    migrate(db, file);
  } catch (error) {
    db.close();
    if (error instanceof GatehouseError) throw error;
    const message = (error as Error).message;
    const code = /not a database|file is not/i.test(message) ? 'INPUT_INVALID' : 'DB_NOT_WRITABLE';
    throw new GatehouseError(code, `cannot use database ${file}: ${message}`, { cause: error });
  }
  return new SqliteStore(db, file, options);
}

class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private readonly writer: SqliteHearingWriter;
  private holdsLock = false;
  readonly flags: SqliteFlagRepository;
  readonly tasks: SqliteTaskRepository;
  readonly notifications: SqliteNotificationThrottle;
  readonly reports: SqliteRunReports;
  readonly undo: SqliteUndoRepository;
  readonly snapshots: SqliteSnapshots;
  readonly reviews: SqliteRunReviews;
  readonly trials: SqliteTrials;

  constructor(
    private readonly db: Database.Database,
    readonly location: string,
    options: StoreOptions,
  ) {
    this.writer = new SqliteHearingWriter(db, options);
    this.flags = new SqliteFlagRepository(db);
    this.tasks = new SqliteTaskRepository(db);
    this.notifications = new SqliteNotificationThrottle(db);
    this.reports = new SqliteRunReports(db);
    this.undo = new SqliteUndoRepository(db);
    this.snapshots = new SqliteSnapshots(db, location, () => migrate(db, location));
    this.reviews = new SqliteRunReviews(db);
    this.trials = new SqliteTrials(db);
  }

  isTransientError(error: unknown): boolean {
    const code = (error as { code?: string }).code;
    return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async transaction<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.db.inTransaction) throw new GatehouseError('INTERNAL', 'nested transactions are not supported');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(this.writeTx());
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private writeTx(): WriteTx {
    const now = () => new Date().toISOString();
    return {
      writeHearings: async (runId, batchSeq, changes) => this.writer.write(runId, batchSeq, changes, now()),
      findEarlierWrites: async (runId, eventIds) => this.writer.findEarlierWrites(runId, eventIds),
      verifyBatch: async (runId, batchSeq, changes: PlannedChange[]) => this.writer.verify(runId, batchSeq, changes),
      addQuarantine: async (entries) => this.insertQuarantine(entries),
      recordBatch: async (batch) => this.insertBatch(batch),
      saveCheckpoint: async (checkpoint) => this.upsertCheckpoint(checkpoint),
    };
  }

  async acquireWriterLock(holder: Omit<LockHolder, 'since' | 'heartbeatAt'>, options: { now: Date; staleAfterMs: number }): Promise<LockAttempt> {
    const now = options.now.toISOString();
    try {
      return this.db.transaction((): LockAttempt => {
        const existing = this.readLock();
        if (existing && !isAbandoned(existing, options)) return { acquired: false, holder: existing };
        this.db
          .prepare('INSERT OR REPLACE INTO writer_lock (id, run_id, pid, host, since, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)')
          .run(holder.runId, holder.pid, holder.host, now, now);
        this.holdsLock = true;
        return { acquired: true, tookOverFrom: existing };
      }).immediate();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        const holder = this.readLock();
        if (holder) return { acquired: false, holder };
        throw new GatehouseError('LOCK_HELD', `database ${this.location} is busy: another writer is in a transaction`);
      }
      throw error;
    }
  }

  private readLock(): LockHolder | null {
    const row = this.db.prepare('SELECT * FROM writer_lock WHERE id = 1').get() as Record<string, unknown> | undefined;
    if (!row) return null;
    return {
      runId: (row.run_id as number | null) ?? null,
      pid: Number(row.pid),
      host: String(row.host),
      since: String(row.since),
      heartbeatAt: String(row.heartbeat_at),
    };
  }

  async heartbeat(now: Date, runId: number | null): Promise<void> {
    if (!this.holdsLock) return;
    this.db
      .prepare('UPDATE writer_lock SET heartbeat_at = ?, run_id = coalesce(?, run_id) WHERE id = 1 AND pid = ?')
      .run(now.toISOString(), runId, process.pid);
  }

  async releaseWriterLock(): Promise<void> {
    if (!this.holdsLock || !this.db.open) return;
    this.db.prepare('DELETE FROM writer_lock WHERE id = 1 AND pid = ?').run(process.pid);
    this.holdsLock = false;
  }

  async knownCommitteeCodes(): Promise<Set<string>> {
    const rows = this.db.prepare('SELECT system_code FROM committees').pluck().all() as string[];
    return new Set(rows);
  }

  async loadHearings(eventIds: string[]): Promise<Map<string, StoredHearing>> {
    const rows = this.db
      .prepare(`SELECT event_id, content_hash, content_json, last_run_id FROM hearings
        WHERE event_id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(eventIds)) as { event_id: string; content_hash: string; content_json: string; last_run_id: number }[];
    return new Map(
      rows.map((row) => [
        row.event_id,
        { eventId: row.event_id, contentHash: row.content_hash, content: JSON.parse(row.content_json), lastRunId: row.last_run_id },
      ]),
    );
  }

  async eventIdsWrittenByRun(runId: number): Promise<Set<string>> {
    return new Set(this.db.prepare('SELECT event_id FROM hearings WHERE last_run_id = ?').pluck().all(runId) as string[]);
  }

  async createRun(run: NewRun): Promise<number> {
    const result = this.db
      .prepare(`INSERT INTO runs (status, mode, batch_size, task, source, started_at, pid, host, metrics_json,
        batch_counts_json, flags_json, resumed_from) VALUES ('running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(run.mode, run.batchSize, run.task, run.source, run.startedAt, run.pid, run.host,
        JSON.stringify({ fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0 }),
        JSON.stringify(EMPTY_BATCH_COUNTS), JSON.stringify(run.flags), run.resumedFrom);
    return Number(result.lastInsertRowid);
  }

  async reopenRun(runId: number, owner: { pid: number; host: string }): Promise<void> {
    this.db
      .prepare("UPDATE runs SET status = 'running', finished_at = NULL, error = NULL, pid = ?, host = ? WHERE id = ?")
      .run(owner.pid, owner.host, runId);
  }

  async setRunBackupId(runId: number, backupId: string): Promise<void> {
    this.db.prepare('UPDATE runs SET backup_id = ? WHERE id = ?').run(backupId, runId);
  }

  async finishRun(runId: number, outcome: RunOutcome): Promise<void> {
    this.db
      .prepare(`UPDATE runs SET status = ?, finished_at = ?, metrics_json = ?, batch_counts_json = ?,
        validation_json = ?, verdict = ?, error = ? WHERE id = ?`)
      .run(outcome.status, outcome.finishedAt, JSON.stringify(outcome.metrics), JSON.stringify(outcome.batchCounts),
        outcome.validation ? JSON.stringify(outcome.validation) : null, outcome.validation?.verdict ?? null,
        outcome.error, runId);
  }

  async addQuarantine(entries: NewQuarantineEntry[]): Promise<void> {
    this.db.transaction(() => this.insertQuarantine(entries))();
  }

  private insertQuarantine(entries: NewQuarantineEntry[]): void {
    const insert = this.db.prepare(`INSERT INTO quarantine (run_id, batch_seq, event_id, source_position, reasons_json,
      raw_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const now = new Date().toISOString();
    for (const entry of entries) {
      insert.run(entry.runId, entry.batchSeq, entry.eventId, entry.sourcePosition, JSON.stringify(entry.reasons), rawToJson(entry.raw), now);
    }
  }

  private insertBatch(batch: BatchRecord): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO batches (run_id, seq, status, planned, written, added, updated, quarantined, retries,
        duration_ms, error, first_position, last_position, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(batch.runId, batch.seq, batch.status, batch.planned, batch.written, batch.added, batch.updated, batch.quarantined,
        batch.retries, batch.durationMs, batch.error, batch.firstPosition, batch.lastPosition, batch.finishedAt);
  }

  private upsertCheckpoint(checkpoint: Checkpoint): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO checkpoints (run_id, batch_seq, next_position, metrics_json, batch_counts_json,
        positions_done_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(checkpoint.runId, checkpoint.batchSeq, checkpoint.nextPosition, JSON.stringify(checkpoint.metrics),
        JSON.stringify(checkpoint.batchCounts), JSON.stringify(checkpoint.positionsDoneInBatch), checkpoint.updatedAt);
  }

  async getCheckpoint(runId: number): Promise<Checkpoint | null> {
    const row = this.db.prepare('SELECT * FROM checkpoints WHERE run_id = ?').get(runId) as Record<string, unknown> | undefined;
    return row ? checkpointFromRow(row) : null;
  }

  async markOrphanedRunsInterrupted(options: { now: Date; except?: number }): Promise<number[]> {
    const running = this.db.prepare("SELECT id, pid, host FROM runs WHERE status = 'running'").all() as { id: number; pid: number; host: string }[];
    const orphans = running.filter((run) => run.id !== options.except && !isProcessAlive(run.pid, run.host));
    const mark = this.db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = ?,
      error = coalesce(error, 'the process running it stopped before it finished'),
      metrics_json = coalesce((SELECT metrics_json FROM checkpoints WHERE run_id = runs.id), metrics_json),
      batch_counts_json = coalesce((SELECT batch_counts_json FROM checkpoints WHERE run_id = runs.id), batch_counts_json)
      WHERE id = ? AND status = 'running'`);
    this.db.transaction(() => orphans.forEach((run) => mark.run(options.now.toISOString(), run.id)))();
    return orphans.map((run) => run.id);
  }

  async getRun(runId: number): Promise<RunDetail | null> {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as Record<string, unknown> | undefined;
    if (!row) return null;
    const batches = this.db.prepare('SELECT * FROM batches WHERE run_id = ? ORDER BY seq').all(runId) as Record<string, unknown>[];
    return { ...runFromRow(row), batchList: batches.map(batchFromRow) };
  }

  async listRuns(options: { limit?: number; status?: RunStatus[] } = {}): Promise<RunSummary[]> {
    const statuses = options.status ?? null;
    const rows = this.db
      .prepare(`SELECT * FROM runs WHERE (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
        ORDER BY id DESC LIMIT @limit`)
      .all({ statuses: statuses ? JSON.stringify(statuses) : null, limit: options.limit ?? 50 }) as Record<string, unknown>[];
    return rows.map(runFromRow);
  }

  async listQuarantine(options: { runId?: number; limit?: number } = {}): Promise<QuarantineEntry[]> {
    const rows = this.db
      .prepare('SELECT * FROM quarantine WHERE (@runId IS NULL OR run_id = @runId) ORDER BY id LIMIT @limit')
      .all({ runId: options.runId ?? null, limit: options.limit ?? 1000 }) as Record<string, unknown>[];
    return rows.map(quarantineFromRow);
  }

  async validationHistory(options: { before?: string; task?: string | null; limit?: number } = {}): Promise<HistoryEntry[]> {
    const rows = this.db
      .prepare(`SELECT started_at, metrics_json, review, verdict, source FROM runs
        WHERE status IN ('success', 'partial') AND (review IS NULL OR review <> 'confirmed')
          AND (@before IS NULL OR started_at < @before) AND (@task IS NULL OR task = @task)
        ORDER BY started_at DESC LIMIT @limit`)
      .all({ before: options.before ?? null, task: options.task ?? null, limit: options.limit ?? 2000 }) as HistoryRow[];
    return rows.reverse().map((row) => historyEntryFromRow({ ...row, metrics: JSON.parse(row.metrics_json) }));
  }

  async countHearings(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM hearings').get() as { n: number }).n;
  }
}

function isAbandoned(holder: LockHolder, options: { now: Date; staleAfterMs: number }): boolean {
  const heartbeatAge = options.now.getTime() - Date.parse(holder.heartbeatAt);
  return heartbeatAge > options.staleAfterMs || !isProcessAlive(holder.pid, holder.host);
}
