import type { Selectable } from 'kysely';
import type { TaskView } from '../../shared/api-operations.js';
import type { RunReviewView, TrialRecordView } from '../../shared/api-validation.js';
import type { RunSummary } from '../../shared/run.js';
import type { Database } from './schema.js';

/**
 * Records of the operations side: feature flag values with their audit trail (main/flags/),
 * scheduled tasks and the notification throttle (main/scheduler/), runs as the reports read them,
 * operator reviews (main/validation/) and the staging trial ledger (main/trials/).
 */

/** A flag value stored for one scope (`global` or `task:NAME`), as JSON text. */
export type StoredFlagValue = Selectable<Database['flagValues']>;

/** One audited change: `oldJson`/`newJson` are null when there was / is no stored value. */
export type FlagEvent = Selectable<Database['flagEvents']>;

export interface FlagChange {
  flag: string;
  scope: string;
  /** null removes the stored value (the scope falls back to the next one). */
  valueJson: string | null;
  actor: string;
  reason: string;
  at: string;
}

export type ScheduledTask = Omit<TaskView, 'nextRunAt'>;

export type NewScheduledTask = Pick<ScheduledTask, 'name' | 'cron' | 'source' | 'lookbackDays' | 'enabled'> & { at: string };
export type ScheduledTaskPatch = Partial<Pick<ScheduledTask, 'cron' | 'source' | 'lookbackDays' | 'enabled'>>;

export interface ThrottleClaim {
  /** True when this caller may send now. */
  send: boolean;
  /** Messages for the cause folded since the last one sent (included in this one when `send`). */
  folded: number;
}

/** A run as the reports read it: the summary plus the operator's review, if any. */
export interface ReportedRun extends RunSummary {
  /** `confirmed` (a real anomaly), `expected` (a false positive: a known pattern or event), or null when nobody reviewed it. */
  review: string | null;
}

export type RunReview = RunReviewView;

export type NewRunReview = Omit<RunReview, 'id'>;

export type TrialLevel = 'run' | 'record' | 'control';

/** One trial: `session` groups one `gatehouse trial` invocation; `caughtBy` names what caught it (`record-rules:CODE`, `validator:RULE`): for an injection only alarms attributable to its kind. */
export type TrialRecord = TrialRecordView;

export type NewTrialRecord = Omit<TrialRecord, 'id'>;
