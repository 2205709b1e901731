import { GatehouseError } from '../../../shared/errors.js';
import type { StoreDriver } from '../driver.js';
import type {
  FlagChange,
  FlagEvent,
  NewScheduledTask,
  ReportedRun,
  ScheduledTask,
  ScheduledTaskPatch,
  StoredFlagValue,
  ThrottleClaim,
} from '../operations-types.js';
import { reportedRunFromRow, taskFromRow } from '../rows.js';

/** Feature flag values by scope (`global`, `task:NAME`) and the audit event of every change. */
export class FlagStore {
  constructor(private readonly driver: StoreDriver) {}

  async values(flag?: string): Promise<StoredFlagValue[]> {
    return this.driver.db.selectFrom('flagValues').selectAll().$if(flag !== undefined, (q) => q.where('flag', '=', flag!)).orderBy('flag').orderBy('scope').execute();
  }

  /** The value and its audit event in one transaction: no change without its event. */
  async change(change: FlagChange): Promise<FlagEvent> {
    return this.driver.transaction(async (trx) => {
      const old = await trx
        .selectFrom('flagValues')
        .select('valueJson')
        .where('flag', '=', change.flag)
        .where('scope', '=', change.scope)
        // SQLite's transaction already holds the write lock; PostgreSQL locks the row.
        .$if(this.driver.backend === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (change.valueJson === null) {
        await trx.deleteFrom('flagValues').where('flag', '=', change.flag).where('scope', '=', change.scope).execute();
      } else {
        const value = { valueJson: change.valueJson, updatedAt: change.at, updatedBy: change.actor };
        await trx.insertInto('flagValues').values({ flag: change.flag, scope: change.scope, ...value }).onConflict((oc) => oc.columns(['flag', 'scope']).doUpdateSet(value)).execute();
      }
      const event = { flag: change.flag, scope: change.scope, oldJson: old?.valueJson ?? null, newJson: change.valueJson, actor: change.actor, reason: change.reason, at: change.at };
      return trx.insertInto('flagEvents').values(event).returningAll().executeTakeFirstOrThrow();
    });
  }

  /** Newest first; `after` is the id of the last event of the previous page. */
  async history(options: { flag?: string; scope?: string; limit?: number; after?: number } = {}): Promise<FlagEvent[]> {
    return this.driver.db
      .selectFrom('flagEvents')
      .selectAll()
      .$if(options.flag !== undefined, (q) => q.where('flag', '=', options.flag!))
      .$if(options.scope !== undefined, (q) => q.where('scope', '=', options.scope!))
      .$if(options.after !== undefined, (q) => q.where('id', '<', options.after!))
      .orderBy('id', 'desc')
      .limit(options.limit ?? 100)
      .execute();
  }

  async event(id: number): Promise<FlagEvent | null> {
    return (await this.driver.db.selectFrom('flagEvents').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }
}

/** Scheduled tasks: a unique name, a cron expression (UTC), a source, what the scheduler last handled. */
export class TaskStore {
  constructor(private readonly driver: StoreDriver) {}

  async list(): Promise<ScheduledTask[]> {
    return (await this.driver.db.selectFrom('scheduledTasks').selectAll().orderBy('name').execute()).map(taskFromRow);
  }

  async get(name: string): Promise<ScheduledTask | null> {
    const row = await this.driver.db.selectFrom('scheduledTasks').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? taskFromRow(row) : null;
  }

  async insert(task: NewScheduledTask): Promise<ScheduledTask> {
    const row = await this.driver.db
      .insertInto('scheduledTasks')
      .values({ name: task.name, cron: task.cron, source: task.source, lookbackDays: task.lookbackDays, enabled: task.enabled ? 1 : 0, createdAt: task.at, updatedAt: task.at })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new GatehouseError('CONFLICT', `task "${task.name}" already exists`, { hint: 'use `gatehouse tasks edit`' });
    return taskFromRow(row);
  }

  async update(name: string, patch: ScheduledTaskPatch, at: string): Promise<ScheduledTask> {
    const { enabled, ...rest } = patch;
    const row = await this.driver.db
      .updateTable('scheduledTasks')
      .set({ ...rest, ...(enabled === undefined ? {} : { enabled: enabled ? 1 : 0 }), updatedAt: at })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new GatehouseError('NOT_FOUND', `task "${name}" does not exist`, { hint: 'see `gatehouse tasks list`' });
    return taskFromRow(row);
  }

  async markFired(name: string, firedAt: string, runId: number | null): Promise<void> {
    await this.driver.db
      .updateTable('scheduledTasks')
      .set((eb) => ({ lastFiredAt: firedAt, lastRunId: runId ?? eb.ref('lastRunId') }))
      .where('name', '=', name)
      .execute();
  }
}

/** Before any message was sent for a cause: far enough back that the first one always goes. */
const NEVER_SENT = '1970-01-01T00:00:00.000Z';

/** One message per cause per window, shared by every process using this database. */
export class NotificationThrottle {
  constructor(private readonly driver: StoreDriver) {}

  /** Two processes claiming the same cause at once queue on the row: only one of them sends. */
  async claim(cause: string, now: Date, windowMs: number): Promise<ThrottleClaim> {
    return this.driver.transaction(async (trx) => {
      await trx.insertInto('notificationThrottle').values({ cause, lastSentAt: NEVER_SENT, folded: 0 }).onConflict((oc) => oc.column('cause').doNothing()).execute();
      const row = await trx
        .selectFrom('notificationThrottle')
        .select(['lastSentAt', 'folded'])
        .where('cause', '=', cause)
        .$if(this.driver.backend === 'postgres', (q) => q.forUpdate())
        .executeTakeFirstOrThrow();
      if (now.getTime() - Date.parse(row.lastSentAt) < windowMs) {
        await trx.updateTable('notificationThrottle').set({ folded: row.folded + 1 }).where('cause', '=', cause).execute();
        return { send: false, folded: row.folded + 1 };
      }
      await trx.updateTable('notificationThrottle').set({ lastSentAt: now.toISOString(), folded: 0 }).where('cause', '=', cause).execute();
      return { send: true, folded: row.folded };
    });
  }
}

/** Runs as the gate reports read them. */
export class RunReports {
  constructor(private readonly driver: StoreDriver) {}

  /** Runs started in [since, until), oldest first, with their review. */
  async runs(options: { since?: string; until?: string; task?: string } = {}): Promise<ReportedRun[]> {
    const rows = await this.driver.db
      .selectFrom('runs')
      .selectAll()
      .$if(options.since !== undefined, (q) => q.where('startedAt', '>=', options.since!))
      .$if(options.until !== undefined, (q) => q.where('startedAt', '<', options.until!))
      .$if(options.task !== undefined, (q) => q.where('task', '=', options.task!))
      .orderBy('startedAt')
      .orderBy('id')
      .execute();
    return rows.map(reportedRunFromRow);
  }
}
