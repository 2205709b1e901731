import type Database from 'better-sqlite3';
import { GatehouseError } from '../../../shared/errors.js';
import type { NewScheduledTask, ScheduledTask, ScheduledTaskPatch, TaskRepository } from '../operations-types.js';

import { taskFromRow } from '../rows.js';

type Row = Record<string, unknown>;

export class SqliteTaskRepository implements TaskRepository {
  constructor(private readonly db: Database.Database) {}

  async list(): Promise<ScheduledTask[]> {
    return (this.db.prepare('SELECT * FROM scheduled_tasks ORDER BY name').all() as Row[]).map(taskFromRow);
  }

  async get(name: string): Promise<ScheduledTask | null> {
    const row = this.db.prepare('SELECT * FROM scheduled_tasks WHERE name = ?').get(name) as Row | undefined;
    return row ? taskFromRow(row) : null;
  }

  async insert(task: NewScheduledTask): Promise<ScheduledTask> {
    const result = this.db
      .prepare(`INSERT INTO scheduled_tasks (name, cron, source, lookback_days, enabled, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`)
      .run(task.name, task.cron, task.source, task.lookbackDays, task.enabled ? 1 : 0, task.at, task.at);
    if (result.changes === 0) throw new GatehouseError('CONFLICT', `task "${task.name}" already exists`, { hint: 'use `gatehouse tasks edit`' });
    return (await this.get(task.name))!;
  }

  async update(name: string, patch: ScheduledTaskPatch, at: string): Promise<ScheduledTask> {
    const result = this.db
      .prepare(`UPDATE scheduled_tasks SET cron = coalesce(@cron, cron), source = coalesce(@source, source),
        lookback_days = coalesce(@lookback, lookback_days), enabled = coalesce(@enabled, enabled), updated_at = @at
        WHERE name = @name`)
      .run({
        name,
        at,
        cron: patch.cron ?? null,
        source: patch.source ?? null,
        lookback: patch.lookbackDays ?? null,
        enabled: patch.enabled === undefined ? null : patch.enabled ? 1 : 0,
      });
    if (result.changes === 0) throw new GatehouseError('NOT_FOUND', `task "${name}" does not exist`, { hint: 'see `gatehouse tasks list`' });
    return (await this.get(name))!;
  }

  async markFired(name: string, firedAt: string, runId: number | null): Promise<void> {
    this.db
      .prepare('UPDATE scheduled_tasks SET last_fired_at = ?, last_run_id = coalesce(?, last_run_id) WHERE name = ?')
      .run(firedAt, runId, name);
  }
}
