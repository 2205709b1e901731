import type pg from 'pg';
import { GatehouseError } from '../../../shared/errors.js';
import { flagEventFromRow, iso, runFromRow, taskFromRow } from '../rows.js';
import type {
  FlagChange,
  FlagEvent,
  FlagRepository,
  NewScheduledTask,
  NotificationThrottleRepository,
  ReportedRun,
  RunReportRepository,
  ScheduledTask,
  ScheduledTaskPatch,
  StoredFlagValue,
  TaskRepository,
  ThrottleClaim,
} from '../operations-types.js';
import { inClientTransaction, isConnectionError, unreachable, type PostgresTarget } from './connection.js';

type Row = Record<string, unknown>;

/** The operations repositories share the store's pool; a lost server reads as DB_UNREACHABLE. */
export class PostgresRepository {
  constructor(
    protected readonly pool: pg.Pool,
    protected readonly target: PostgresTarget,
  ) {}

  protected async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    try {
      return (await this.pool.query(sql, params)).rows as Row[];
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(this.target, error);
      throw error;
    }
  }

  protected async inTransaction<T>(work: (q: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>): Promise<T> {
    return inClientTransaction(
      this.pool,
      this.target,
      (client) => work(async (sql, params = []) => (await client.query(sql, params)).rows as Row[]),
      { reportUnreachable: true },
    );
  }
}

export class PostgresFlagRepository extends PostgresRepository implements FlagRepository {
  async values(flag?: string): Promise<StoredFlagValue[]> {
    const rows = await this.query('SELECT * FROM flag_values WHERE ($1::text IS NULL OR flag = $1) ORDER BY flag, scope', [flag ?? null]);
    return rows.map((row) => ({ flag: String(row.flag), scope: String(row.scope), valueJson: String(row.value_json), updatedAt: iso(row.updated_at), updatedBy: String(row.updated_by) }));
  }

  async change(change: FlagChange): Promise<FlagEvent> {
    return this.inTransaction(async (q) => {
      const [old] = await q('SELECT value_json FROM flag_values WHERE flag = $1 AND scope = $2 FOR UPDATE', [change.flag, change.scope]);
      const oldJson = (old?.value_json as string | undefined) ?? null;
      if (change.valueJson === null) {
        await q('DELETE FROM flag_values WHERE flag = $1 AND scope = $2', [change.flag, change.scope]);
      } else {
        await q(
          `INSERT INTO flag_values (flag, scope, value_json, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (flag, scope) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
          [change.flag, change.scope, change.valueJson, change.at, change.actor],
        );
      }
      const [row] = await q(
        'INSERT INTO flag_events (flag, scope, old_json, new_json, actor, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
        [change.flag, change.scope, oldJson, change.valueJson, change.actor, change.reason, change.at],
      );
      return flagEventFromRow(row!);
    });
  }

  async history(options: { flag?: string; scope?: string; limit?: number } = {}): Promise<FlagEvent[]> {
    const rows = await this.query(
      'SELECT * FROM flag_events WHERE ($1::text IS NULL OR flag = $1) AND ($2::text IS NULL OR scope = $2) ORDER BY id DESC LIMIT $3',
      [options.flag ?? null, options.scope ?? null, options.limit ?? 100],
    );
    return rows.map(flagEventFromRow);
  }

  async event(id: number): Promise<FlagEvent | null> {
    const [row] = await this.query('SELECT * FROM flag_events WHERE id = $1', [id]);
    return row ? flagEventFromRow(row) : null;
  }
}

export class PostgresTaskRepository extends PostgresRepository implements TaskRepository {
  async list(): Promise<ScheduledTask[]> {
    return (await this.query('SELECT * FROM scheduled_tasks ORDER BY name')).map(taskFromRow);
  }

  async get(name: string): Promise<ScheduledTask | null> {
    const [row] = await this.query('SELECT * FROM scheduled_tasks WHERE name = $1', [name]);
    return row ? taskFromRow(row) : null;
  }

  async insert(task: NewScheduledTask): Promise<ScheduledTask> {
    const [row] = await this.query(
      `INSERT INTO scheduled_tasks (name, cron, source, lookback_days, enabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (name) DO NOTHING RETURNING *`,
      [task.name, task.cron, task.source, task.lookbackDays, task.enabled, task.at],
    );
    if (!row) throw new GatehouseError('CONFLICT', `task "${task.name}" already exists`, { hint: 'use `gatehouse tasks edit`' });
    return taskFromRow(row);
  }

  async update(name: string, patch: ScheduledTaskPatch, at: string): Promise<ScheduledTask> {
    const [row] = await this.query(
      `UPDATE scheduled_tasks SET cron = coalesce($2, cron), source = coalesce($3, source), lookback_days = coalesce($4, lookback_days),
       enabled = coalesce($5, enabled), updated_at = $6 WHERE name = $1 RETURNING *`,
      [name, patch.cron ?? null, patch.source ?? null, patch.lookbackDays ?? null, patch.enabled ?? null, at],
    );
    if (!row) throw new GatehouseError('NOT_FOUND', `task "${name}" does not exist`, { hint: 'see `gatehouse tasks list`' });
    return taskFromRow(row);
  }

  async markFired(name: string, firedAt: string, runId: number | null): Promise<void> {
    await this.query('UPDATE scheduled_tasks SET last_fired_at = $2, last_run_id = coalesce($3, last_run_id) WHERE name = $1', [name, firedAt, runId]);
  }
}

export class PostgresNotificationThrottle extends PostgresRepository implements NotificationThrottleRepository {
  async claim(cause: string, now: Date, windowMs: number): Promise<ThrottleClaim> {
    return this.inTransaction(async (q) => {
      // The row is created first so that FOR UPDATE has something to lock: two processes claiming at once queue here.
      await q("INSERT INTO notification_throttle (cause, last_sent_at, folded) VALUES ($1, '-infinity', 0) ON CONFLICT (cause) DO NOTHING", [cause]);
      const [row] = await q('SELECT last_sent_at, folded FROM notification_throttle WHERE cause = $1 FOR UPDATE', [cause]);
      const lastSent = row!.last_sent_at instanceof Date ? row!.last_sent_at.getTime() : -Infinity;
      const folded = Number(row!.folded);
      if (Number.isFinite(lastSent) && now.getTime() - lastSent < windowMs) {
        await q('UPDATE notification_throttle SET folded = folded + 1 WHERE cause = $1', [cause]);
        return { send: false, folded: folded + 1 };
      }
      await q('UPDATE notification_throttle SET last_sent_at = $2, folded = 0 WHERE cause = $1', [cause, now.toISOString()]);
      return { send: true, folded };
    });
  }
}

export class PostgresRunReports extends PostgresRepository implements RunReportRepository {
  async runs(options: { since?: string; until?: string; task?: string } = {}): Promise<ReportedRun[]> {
    const rows = await this.query(
      `SELECT * FROM runs WHERE ($1::timestamptz IS NULL OR started_at >= $1) AND ($2::timestamptz IS NULL OR started_at < $2)
       AND ($3::text IS NULL OR task = $3) ORDER BY started_at, id`,
      [options.since ?? null, options.until ?? null, options.task ?? null],
    );
    return rows.map((row) => ({ ...runFromRow(row), review: (row.review as string | null) ?? null }));
  }

  async hasTable(name: string): Promise<boolean> {
    const rows = await this.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [this.target.schema, name]);
    return rows.length > 0;
  }
}
