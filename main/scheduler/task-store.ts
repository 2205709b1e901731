import type { Selectable } from 'kysely';
import { taskEventViewSchema, type TaskEventView, type TaskView } from '../../shared/api-operations.js';
import { GatehouseError } from '../../shared/errors.js';
import { redactSecrets } from '../../shared/redact.js';
import { inCodeOrder, newestFirstPage, type Database, type Db, type QueryLayer, type Store } from '../store/index.js';

export type ScheduledTask = Omit<TaskView, 'nextRunAt' | 'scheduleProblem'>;

export type NewScheduledTask = Pick<ScheduledTask, 'name' | 'cron' | 'source' | 'lookbackDays' | 'enabled'> & { at: string };
export type ScheduledTaskPatch = Partial<Pick<ScheduledTask, 'cron' | 'source' | 'lookbackDays' | 'enabled'>>;

/** A task name that matches no scheduled task; the console lists them on its Settings page. */
export function noSuchTask(name: string): GatehouseError {
  return new GatehouseError('NOT_FOUND', `task "${name}" does not exist`, { hint: { cli: 'see `gatehouse tasks list`', console: 'the Settings page lists the scheduled tasks' } });
}

/** A task's failures in a row, and the scheduled time it tries next while it backs off (null: at its next time). */
export type TaskBackoff = Pick<ScheduledTask, 'consecutiveFailures' | 'retryAt'>;

const NO_BACKOFF = { consecutiveFailures: 0, retryAt: null } as const;

export interface ThrottleClaim {
  /** True when this caller may send now. */
  send: boolean;
  /** Messages for the cause folded since the last one sent (included in this one when `send`). */
  folded: number;
}

/** One audited change of a task: the task as JSON before (null when added) and after. */
export type TaskEvent = Selectable<Database['taskEvents']>;

/** What a task event keeps of it: what the operator set, the source redacted; not what the scheduler last did. */
function auditedTask(task: ScheduledTask): string {
  return JSON.stringify({ cron: task.cron, source: redactSecrets(task.source), lookbackDays: task.lookbackDays, enabled: task.enabled });
}

async function recordTaskEvent(trx: Db, event: { task: string; action: 'added' | 'edited'; old: ScheduledTask | null; now: ScheduledTask; operator: string; at: string; reason?: string }): Promise<void> {
  await trx
    .insertInto('taskEvents')
    .values({ task: event.task, action: event.action, oldJson: event.old && auditedTask(event.old), newJson: auditedTask(event.now), operator: event.operator, at: event.at, reason: event.reason ?? null })
    .execute();
}

/** A task event as the CLI shows it: the task before and after as objects, not JSON text. */
export function taskEventView(event: TaskEvent): TaskEventView {
  const { oldJson, newJson, reason, ...rest } = event;
  return taskEventViewSchema.parse({ ...rest, before: oldJson === null ? null : JSON.parse(oldJson), after: JSON.parse(newJson), reason });
}

function taskFromRow(row: Selectable<Database['scheduledTasks']>): ScheduledTask {
  return { ...row, enabled: row.enabled === 1 };
}

/** A store's scheduled tasks: a unique name, a cron expression (UTC), a source, what the scheduler last handled. */
export function taskStore(store: Pick<Store, 'queries'>): TaskStore {
  return new TaskStore(store.queries);
}

class TaskStore {
  constructor(private readonly driver: QueryLayer) {}

  async list(): Promise<ScheduledTask[]> {
    return (await this.driver.db.selectFrom('scheduledTasks').selectAll().orderBy(inCodeOrder(this.driver.backend, 'name')).execute()).map(taskFromRow);
  }

  async get(name: string): Promise<ScheduledTask | null> {
    const row = await this.driver.db.selectFrom('scheduledTasks').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? taskFromRow(row) : null;
  }

  /** The task and its audit event in one transaction: no change without its event. */
  async insert(task: NewScheduledTask, operator: string, reason?: string): Promise<ScheduledTask> {
    return this.driver.transaction(async (trx) => {
      const row = await trx
        .insertInto('scheduledTasks')
        .values({ name: task.name, cron: task.cron, source: task.source, lookbackDays: task.lookbackDays, enabled: task.enabled ? 1 : 0, createdAt: task.at, updatedAt: task.at, ...NO_BACKOFF })
        .onConflict((oc) => oc.column('name').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new GatehouseError('CONFLICT', `task "${task.name}" already exists`, { hint: { cli: 'use `gatehouse tasks edit`', console: 'edit it from its row in the Scheduled tasks table, or choose another name' } });
      const added = taskFromRow(row);
      await recordTaskEvent(trx, { task: added.name, action: 'added', old: null, now: added, operator, at: task.at, reason });
      return added;
    });
  }

  /**
   * The change and its audit event in one transaction; the task is read under its row lock, so the
   * event's "before" is the one replaced. `expected`: the fields as the operator saw them; any that
   * differ now refuse the change (CONFLICT), so nobody's edit is replaced unseen.
   */
  async update(name: string, patch: ScheduledTaskPatch, at: string, operator: string, expected: ScheduledTaskPatch = {}, reason?: string): Promise<ScheduledTask> {
    return this.driver.transaction(async (trx) => {
      const before = await trx.selectFrom('scheduledTasks').selectAll().where('name', '=', name).$if(this.driver.backend === 'postgres', (q) => q.forUpdate()).executeTakeFirst();
      if (!before) throw noSuchTask(name);
      await refuseStaleEdit(trx, taskFromRow(before), expected);
      const { enabled, ...rest } = patch;
      const row = await trx
        .updateTable('scheduledTasks')
        // An operator who changed the task (fixed its source, switched it back on) expects it tried at its next time.
        .set({ ...rest, ...(enabled === undefined ? {} : { enabled: enabled ? 1 : 0 }), updatedAt: at, ...NO_BACKOFF })
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirstOrThrow();
      const edited = taskFromRow(row);
      await recordTaskEvent(trx, { task: name, action: 'edited', old: taskFromRow(before), now: edited, operator, at, reason });
      return edited;
    });
  }

  /** Newest first; `after` is the id of the last event of the previous page. */
  async history(options: { task?: string; limit?: number; after?: number } = {}): Promise<TaskEvent[]> {
    return this.driver.db
      .selectFrom('taskEvents')
      .selectAll()
      .$if(options.task !== undefined, (q) => q.where('task', '=', options.task!))
      .$call((q) => newestFirstPage(q, options, 100))
      .execute();
  }

  /**
   * Takes the scheduled time `scheduledFor` of a task for this scheduler: null when another
   * scheduler on the same database took it (or a later one) first. One conditional UPDATE: on
   * PostgreSQL the second of two concurrent claims waits on the row and then finds it moved; on
   * SQLite writes are serialised. It answers with the task's backoff as the claim found it, so
   * schedulers sharing the database agree on whether this time is one the backoff skips.
   */
  async claimOccurrence(name: string, scheduledFor: string): Promise<TaskBackoff | null> {
    const row = await this.driver.db
      .updateTable('scheduledTasks')
      .set({ lastFiredAt: scheduledFor })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('lastFiredAt', 'is', null), eb('lastFiredAt', '<', scheduledFor)]))
      .returning(['consecutiveFailures', 'retryAt'])
      .executeTakeFirst();
    return row ? { consecutiveFailures: row.consecutiveFailures, retryAt: row.retryAt } : null;
  }

  /** The run a claimed time started, kept as the task's latest without moving its last scheduled time (a later one may be claimed meanwhile). */
  async recordRun(name: string, runId: number): Promise<void> {
    await this.driver.db.updateTable('scheduledTasks').set({ lastRunId: runId }).where('name', '=', name).execute();
  }

  /** A run someone started now (`tasks run`, the console): the task's latest, and whatever backoff it was in is over. */
  async recordOnDemandRun(name: string, runId: number): Promise<void> {
    await this.driver.db.updateTable('scheduledTasks').set({ lastRunId: runId, ...NO_BACKOFF }).where('name', '=', name).execute();
  }

  /** A scheduled run that did its work: the task tries at every time again. */
  async recordSuccess(name: string): Promise<void> {
    await this.driver.db.updateTable('scheduledTasks').set(NO_BACKOFF).where('name', '=', name).execute();
  }

  /**
   * One more failure in a row; `retryAt` says, from the count after it, when the task tries next.
   * Counted in the row (not read, then written) so two schedulers' failures both count.
   */
  async recordFailure(name: string, retryAt: (failures: number) => string | null): Promise<TaskBackoff> {
    return this.driver.transaction(async (trx) => {
      const { consecutiveFailures } = await trx
        .updateTable('scheduledTasks')
        .set((eb) => ({ consecutiveFailures: eb('consecutiveFailures', '+', 1) }))
        .where('name', '=', name)
        .returning('consecutiveFailures')
        .executeTakeFirstOrThrow();
      const backoff = { consecutiveFailures, retryAt: retryAt(consecutiveFailures) };
      await trx.updateTable('scheduledTasks').set({ retryAt: backoff.retryAt }).where('name', '=', name).execute();
      return backoff;
    });
  }
}

/** Before any message was sent for a cause: far enough back that the first one always goes. */
const NEVER_SENT = '1970-01-01T00:00:00.000Z';

/** A store's one message per cause per window, shared by every process using this database. */
export function notificationThrottle(store: Pick<Store, 'queries'>): NotificationThrottle {
  return new NotificationThrottle(store.queries);
}

class NotificationThrottle {
  constructor(private readonly driver: QueryLayer) {}

  /** When a notice of `cause` was last sent, by any process on this database; null when never. */
  async lastSent(cause: string): Promise<string | null> {
    const row = await this.driver.db.selectFrom('notificationThrottle').select('lastSentAt').where('cause', '=', cause).executeTakeFirst();
    return row && row.lastSentAt !== NEVER_SENT ? row.lastSentAt : null;
  }

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

async function refuseStaleEdit(trx: Db, task: ScheduledTask, expected: ScheduledTaskPatch): Promise<void> {
  const changed = (Object.keys(expected) as (keyof ScheduledTaskPatch)[]).filter((field) => expected[field] !== undefined && expected[field] !== task[field]);
  if (changed.length === 0) return;
  const last = await trx.selectFrom('taskEvents').select(['operator', 'at']).where('task', '=', task.name).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const fields = changed.map((field) => `${field} is now ${JSON.stringify(task[field])}, not ${JSON.stringify(expected[field])}`).join('; ');
  throw new GatehouseError('CONFLICT', `task "${task.name}" was changed meanwhile${last ? ` (by ${last.operator} at ${last.at})` : ''}: ${fields}; nothing was changed`, {
    hint: 'look at the task as it is now, then make the change again if it is still needed',
  });
}
