import type { TaskView } from '../../shared/api-operations.js';
import type { RunSummary } from '../../shared/run.js';

/**
 * Repositories for the operations side (DESIGN §1 flags/ and scheduler/): feature flag values
 * with their audit trail, scheduled tasks, the notification throttle, and the run queries the
 * gate reports read.
 */

/** A flag value stored for one scope (`global` or `task:NAME`), as JSON text. */
export interface StoredFlagValue {
  flag: string;
  scope: string;
  valueJson: string;
  updatedAt: string;
  updatedBy: string;
}

/** One audited change: `oldJson`/`newJson` are null when there was / is no stored value. */
export interface FlagEvent {
  id: number;
  flag: string;
  scope: string;
  oldJson: string | null;
  newJson: string | null;
  actor: string;
  reason: string;
  at: string;
}

export interface FlagChange {
  flag: string;
  scope: string;
  /** null removes the stored value (the scope falls back to the next one). */
  valueJson: string | null;
  actor: string;
  reason: string;
  at: string;
}

export interface FlagRepository {
  values(flag?: string): Promise<StoredFlagValue[]>;
  /** Writes the value and its audit event in one transaction; returns the event. */
  change(change: FlagChange): Promise<FlagEvent>;
  /** Newest first; `after` is the id of the last event of the previous page. */
  history(options?: { flag?: string; scope?: string; limit?: number; after?: number }): Promise<FlagEvent[]>;
  event(id: number): Promise<FlagEvent | null>;
}

export type ScheduledTask = Omit<TaskView, 'nextRunAt'>;

export type NewScheduledTask = Pick<ScheduledTask, 'name' | 'cron' | 'source' | 'lookbackDays' | 'enabled'> & { at: string };
export type ScheduledTaskPatch = Partial<Pick<ScheduledTask, 'cron' | 'source' | 'lookbackDays' | 'enabled'>>;

export interface TaskRepository {
  list(): Promise<ScheduledTask[]>;
  get(name: string): Promise<ScheduledTask | null>;
  /** Throws CONFLICT when a task of that name exists. */
  insert(task: NewScheduledTask): Promise<ScheduledTask>;
  /** Throws NOT_FOUND for an unknown task. */
  update(name: string, patch: ScheduledTaskPatch, at: string): Promise<ScheduledTask>;
  markFired(name: string, firedAt: string, runId: number | null): Promise<void>;
}

export interface ThrottleClaim {
  /** True when this caller may send now. */
  send: boolean;
  /** Messages for the cause folded since the last one sent (included in this one when `send`). */
  folded: number;
}

export interface NotificationThrottleRepository {
  /** One message per cause per window: atomically claims the send or counts this one as folded. */
  claim(cause: string, now: Date, windowMs: number): Promise<ThrottleClaim>;
}

/** A run as the reports read it: the summary plus the operator's review, if any. */
export interface ReportedRun extends RunSummary {
  /** `confirmed` (a real anomaly), `expected` (a false positive: a known pattern or event), or null when nobody reviewed it. */
  review: string | null;
}

export interface RunReportRepository {
  /** Finished and running runs started in [since, until), oldest first. */
  runs(options?: { since?: string; until?: string; task?: string }): Promise<ReportedRun[]>;
}
