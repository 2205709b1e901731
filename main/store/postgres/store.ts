import { createHash } from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { GatehouseError } from '../../../shared/errors.js';
import type { QuarantineEntry } from '../../../shared/record.js';
import type { BatchRecord, RunStatus, RunSummary } from '../../../shared/run.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { batchFromRow, checkpointFromRow, EMPTY_BATCH_COUNTS, historyEntryFromRow, quarantineFromRow, rawToJson, runFromRow, type HistoryRow } from '../rows.js';
import type {
  Checkpoint,
  LockAttempt,
  LockHolder,
  NewQuarantineEntry,
  NewRun,
  RunDetail,
  RunOutcome,
  Store,
  StoredHearing,
  StoreOptions,
  WriteTx,
} from '../types.js';
import { createPool, inClientTransaction, isConnectionError, parsePostgresTarget, unreachable, type PostgresTarget } from './connection.js';
import { PostgresHearingWriter } from './hearing-writer.js';
import { migrate } from './migrate.js';
import { PostgresWriterLock } from './writer-lock.js';
import { PostgresUndoRepository } from './undo.js';
import { PostgresFlagRepository, PostgresNotificationThrottle, PostgresRunReports, PostgresTaskRepository } from './operations.js';
import type { FlagRepository, NotificationThrottleRepository, RunReportRepository, TaskRepository } from '../operations-types.js';
import type { UndoRepository } from '../undo-types.js';
import type { RunReviewRepository, TrialRepository } from '../review-types.js';
import { PostgresRunReviews, PostgresTrials } from './reviews.js';

export interface PostgresStoreOptions extends StoreOptions {
  /** The schema that holds the tables; overrides `?schema=` in the URL (default `public`). */
  schema?: string;
}

type Queryable = Pick<pg.ClientBase, 'query'>;
type Row = Record<string, unknown>;

/** Opens (creating and migrating as needed) the store in one schema of a PostgreSQL database. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const target = parsePostgresTarget(url, options.schema);
  const pool = createPool(target);
  try {
    const client = await connect(pool, target);
    try {
      await migrate(client, target);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof GatehouseError) throw error;
    if (isConnectionError(error)) throw unreachable(target, error);
    throw new GatehouseError('DB_NOT_WRITABLE', `cannot use database ${target.location}: ${(error as Error).message}`, { cause: error });
  }
  return new PostgresStore(pool, target, options);
}

async function connect(pool: pg.Pool, target: PostgresTarget): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw unreachable(target, error);
  }
}

class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly location: string;
  private readonly writer: PostgresHearingWriter;
  private readonly lock: PostgresWriterLock;
  readonly flags: FlagRepository;
  readonly tasks: TaskRepository;
  readonly notifications: NotificationThrottleRepository;
  readonly reports: RunReportRepository;
  readonly undo: UndoRepository;
  readonly reviews: RunReviewRepository;
  readonly trials: TrialRepository;
  /** File snapshots are a SQLite feature: PostgreSQL is backed up by its own tools. */
  readonly snapshots = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: PostgresTarget,
    options: StoreOptions,
  ) {
    this.location = target.location;
    this.writer = new PostgresHearingWriter(options);
    this.lock = new PostgresWriterLock(target);
    this.undo = new PostgresUndoRepository(pool, target);
    this.flags = new PostgresFlagRepository(pool, target);
    this.tasks = new PostgresTaskRepository(pool, target);
    this.notifications = new PostgresNotificationThrottle(pool, target);
    this.reports = new PostgresRunReports(pool, target);
    this.reviews = new PostgresRunReviews(pool, target);
    this.trials = new PostgresTrials(pool, target);
  }

  isTransientError(error: unknown): boolean {
    return isConnectionError(error);
  }

  async close(): Promise<void> {
    await this.lock.release();
    await this.pool.end().catch(() => {});
  }

  /**
   * One pool client per transaction. A client that failed is destroyed rather than returned,
   * so after a terminated connection the pool hands out a fresh one.
   */
  async transaction<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    // Every statement of a batch looks rows up by key. Mid-run the planner's statistics still
    // describe the tables as they were before the run, and it would scan them whole, batch after
    // batch; keyed lookups stay keyed however the tables grew.
    return inClientTransaction(this.pool, this.target, (client) => work(this.writeTx(client)), {
      begin: 'BEGIN; SET LOCAL enable_seqscan = off',
    });
  }

  private writeTx(pooled: pg.PoolClient): WriteTx {
    const now = () => new Date().toISOString();
    const client = preparing(pooled);
    return {
      writeHearings: (runId, batchSeq, changes) => this.writer.write(client, runId, batchSeq, changes, now()),
      findEarlierWrites: (runId, eventIds) => this.writer.findEarlierWrites(client, runId, eventIds),
      // Unnamed: a generic (prepared) plan of its counts over an id array is many times slower.
      verifyBatch: (runId, batchSeq, changes) => this.writer.verify(pooled, runId, batchSeq, changes),
      addQuarantine: (entries) => insertQuarantine(client, entries),
      recordBatch: (batch) => upsertBatch(client, batch),
      saveCheckpoint: (checkpoint) => upsertCheckpoint(client, checkpoint),
    };
  }

  /** Reads and single statements outside a batch; a connection failure reads as DB_UNREACHABLE. */
  private async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(this.target, error);
      throw error;
    }
  }

  acquireWriterLock(holder: Omit<LockHolder, 'since' | 'heartbeatAt'>, options: { now: Date; staleAfterMs: number }): Promise<LockAttempt> {
    // No stale takeover: a dead holder's session, and with it the advisory lock, is already gone.
    return this.lock.acquire(holder, options.now);
  }

  heartbeat(now: Date, runId: number | null): Promise<void> {
    return this.lock.heartbeat(now, runId);
  }

  releaseWriterLock(): Promise<void> {
    return this.lock.release();
  }

  async knownCommitteeCodes(): Promise<Set<string>> {
    return new Set((await this.query<{ system_code: string }>('SELECT system_code FROM committees')).map((row) => row.system_code));
  }

  async loadHearings(eventIds: string[]): Promise<Map<string, StoredHearing>> {
    const rows = await this.query<{ event_id: string; content_hash: string; content_json: string; last_run_id: string }>(
      'SELECT event_id, content_hash, content_json, last_run_id FROM hearings WHERE event_id = ANY($1::text[])',
      // An id holding U+0000 cannot be stored in PostgreSQL text, so it cannot be found either.
      [eventIds.filter((id) => !id.includes('\u0000'))],
    );
    return new Map(
      rows.map((row) => [
        row.event_id,
        { eventId: row.event_id, contentHash: row.content_hash, content: JSON.parse(row.content_json), lastRunId: Number(row.last_run_id) },
      ]),
    );
  }

  async eventIdsWrittenByRun(runId: number): Promise<Set<string>> {
    const rows = await this.query<{ event_id: string }>('SELECT event_id FROM hearings WHERE last_run_id = $1', [runId]);
    return new Set(rows.map((row) => row.event_id));
  }

  async createRun(run: NewRun): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `INSERT INTO runs (status, mode, batch_size, task, source, started_at, pid, host, metrics_json, batch_counts_json,
        flags_json, resumed_from) VALUES ('running', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [run.mode, run.batchSize, run.task, run.source, run.startedAt, run.pid, run.host,
        JSON.stringify({ fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0 }),
        JSON.stringify(EMPTY_BATCH_COUNTS), JSON.stringify(run.flags), run.resumedFrom],
    );
    return Number(rows[0]!.id);
  }

  async reopenRun(runId: number, owner: { pid: number; host: string }): Promise<void> {
    await this.query("UPDATE runs SET status = 'running', finished_at = NULL, error = NULL, pid = $1, host = $2 WHERE id = $3", [owner.pid, owner.host, runId]);
  }

  async setRunBackupId(runId: number, backupId: string): Promise<void> {
    await this.query('UPDATE runs SET backup_id = $1 WHERE id = $2', [backupId, runId]);
  }

  async finishRun(runId: number, outcome: RunOutcome): Promise<void> {
    await this.query(
      `UPDATE runs SET status = $1, finished_at = $2, metrics_json = $3, batch_counts_json = $4, validation_json = $5,
        verdict = $6, error = $7 WHERE id = $8`,
      [outcome.status, outcome.finishedAt, JSON.stringify(outcome.metrics), JSON.stringify(outcome.batchCounts),
        outcome.validation ? JSON.stringify(outcome.validation) : null, outcome.validation?.verdict ?? null, textSafe(outcome.error), runId],
    );
  }

  async addQuarantine(entries: NewQuarantineEntry[]): Promise<void> {
    // One multi-row statement: atomic on its own, no transaction needed.
    try {
      await insertQuarantine(this.pool, entries);
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(this.target, error);
      throw error;
    }
  }

  async getCheckpoint(runId: number): Promise<Checkpoint | null> {
    const rows = await this.query('SELECT * FROM checkpoints WHERE run_id = $1', [runId]);
    return rows[0] ? checkpointFromRow(rows[0]) : null;
  }

  async markOrphanedRunsInterrupted(options: { now: Date; except?: number }): Promise<number[]> {
    const running = (await this.query<{ id: string; pid: number | null; host: string | null }>("SELECT id, pid, host FROM runs WHERE status = 'running'"))
      .map((row) => ({ id: Number(row.id), pid: row.pid ?? 0, host: row.host ?? os.hostname() }))
      .filter((run) => run.id !== options.except);
    const orphans = await this.lock.orphans(this.pool, running);
    if (orphans.length === 0) return [];
    await this.query(
      `UPDATE runs SET status = 'interrupted', finished_at = $1,
        error = coalesce(error, 'the process running it stopped before it finished'),
        metrics_json = coalesce((SELECT metrics_json FROM checkpoints WHERE run_id = runs.id), metrics_json),
        batch_counts_json = coalesce((SELECT batch_counts_json FROM checkpoints WHERE run_id = runs.id), batch_counts_json)
      WHERE id = ANY($2::bigint[]) AND status = 'running'`,
      [options.now.toISOString(), orphans],
    );
    return orphans;
  }

  async getRun(runId: number): Promise<RunDetail | null> {
    const rows = await this.query('SELECT * FROM runs WHERE id = $1', [runId]);
    if (!rows[0]) return null;
    const batches = await this.query('SELECT * FROM batches WHERE run_id = $1 ORDER BY seq', [runId]);
    return { ...runFromRow(rows[0]), batchList: batches.map(batchFromRow) };
  }

  async listRuns(options: { limit?: number; status?: RunStatus[] } = {}): Promise<RunSummary[]> {
    const rows = await this.query('SELECT * FROM runs WHERE ($1::text[] IS NULL OR status = ANY($1::text[])) ORDER BY id DESC LIMIT $2', [
      options.status ?? null,
      options.limit ?? 50,
    ]);
    return rows.map(runFromRow);
  }

  async listQuarantine(options: { runId?: number; limit?: number } = {}): Promise<QuarantineEntry[]> {
    const rows = await this.query('SELECT * FROM quarantine WHERE ($1::bigint IS NULL OR run_id = $1) ORDER BY id LIMIT $2', [
      options.runId ?? null,
      options.limit ?? 1000,
    ]);
    return rows.map(quarantineFromRow);
  }

  async validationHistory(options: { before?: string; task?: string | null; limit?: number } = {}): Promise<HistoryEntry[]> {
    const rows = await this.query<Omit<HistoryRow, 'started_at' | 'metrics_json'> & { started_at: Date; metrics_json: HistoryEntry['metrics'] }>(
      `SELECT started_at, metrics_json, review, verdict, source FROM runs
       WHERE status IN ('success', 'partial') AND (review IS NULL OR review <> 'confirmed')
         AND ($1::timestamptz IS NULL OR started_at < $1) AND ($3::text IS NULL OR task = $3)
       ORDER BY started_at DESC LIMIT $2`,
      [options.before ?? null, options.limit ?? 2000, options.task ?? null],
    );
    return rows.reverse().map((row) => historyEntryFromRow({ ...row, started_at: row.started_at.toISOString(), metrics: row.metrics_json }));
  }

  async countHearings(): Promise<number> {
    const rows = await this.query<{ n: string }>('SELECT count(*) AS n FROM hearings');
    return Number(rows[0]!.n);
  }
}

const statementNames = new Map<string, string>();

/**
 * Batch statements run thousands of times per run with the same text: named (prepared) once per
 * connection, the server parses and plans each only once.
 */
function preparing(client: pg.PoolClient): Queryable {
  const query = (text: string, values?: unknown[]) => {
    let name = statementNames.get(text);
    if (name === undefined) {
      name = `gatehouse_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      statementNames.set(text, name);
    }
    return client.query({ name, text, values });
  };
  return { query } as unknown as Queryable;
}

async function insertQuarantine(db: Queryable, entries: NewQuarantineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO quarantine (run_id, batch_seq, event_id, source_position, reasons_json, raw_json, created_at)
     SELECT run_id, batch_seq, event_id, source_position, reasons_json, raw_json, $7
     FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::integer[], $5::text[], $6::text[]) WITH ORDINALITY
       AS t(run_id, batch_seq, event_id, source_position, reasons_json, raw_json, ord)
     ORDER BY ord`,
    [
      entries.map((e) => e.runId),
      entries.map((e) => e.batchSeq),
      entries.map((e) => textSafe(e.eventId)),
      entries.map((e) => e.sourcePosition),
      entries.map((e) => JSON.stringify(e.reasons)),
      entries.map((e) => rawToJson(e.raw)),
      new Date().toISOString(),
    ],
  );
}

async function upsertBatch(db: Queryable, batch: BatchRecord): Promise<void> {
  await db.query(
    `INSERT INTO batches (run_id, seq, status, planned, written, added, updated, quarantined, retries, duration_ms, error,
      first_position, last_position, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (run_id, seq) DO UPDATE SET status = excluded.status, planned = excluded.planned, written = excluded.written,
      added = excluded.added, updated = excluded.updated, quarantined = excluded.quarantined, retries = excluded.retries,
      duration_ms = excluded.duration_ms, error = excluded.error, first_position = excluded.first_position,
      last_position = excluded.last_position, finished_at = excluded.finished_at`,
    [batch.runId, batch.seq, batch.status, batch.planned, batch.written, batch.added, batch.updated, batch.quarantined,
      batch.retries, batch.durationMs, textSafe(batch.error), batch.firstPosition, batch.lastPosition, batch.finishedAt],
  );
}

async function upsertCheckpoint(db: Queryable, checkpoint: Checkpoint): Promise<void> {
  await db.query(
    `INSERT INTO checkpoints (run_id, batch_seq, next_position, metrics_json, batch_counts_json, positions_done_json, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (run_id) DO UPDATE SET batch_seq = excluded.batch_seq, next_position = excluded.next_position,
      metrics_json = excluded.metrics_json, batch_counts_json = excluded.batch_counts_json,
      positions_done_json = excluded.positions_done_json, updated_at = excluded.updated_at`,
    [checkpoint.runId, checkpoint.batchSeq, checkpoint.nextPosition, JSON.stringify(checkpoint.metrics),
      JSON.stringify(checkpoint.batchCounts), JSON.stringify(checkpoint.positionsDoneInBatch), checkpoint.updatedAt],
  );
}

/**
 * PostgreSQL text cannot hold U+0000, which bad input can put into an eventId or an error
 * message; it becomes U+FFFD so the quarantine entry or run record is still written.
 */
function textSafe(value: string | null): string | null {
  return value === null ? null : value.replaceAll('\u0000', '\uFFFD');
}
