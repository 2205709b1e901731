/**
 * Schemas of the operations side of the API (flags, canary, tasks, notifications, backups,
 * rollback, console settings). Kept beside api.ts so the method table stays readable; the shapes
 * mirror what main/flags, main/scheduler, main/reports and main/backup return.
 */
import * as z from 'zod';
import type { Surface } from './errors.js';
import { lookbackDaysSchema } from './lookback.js';
import { formatCount } from './plural.js';
import { scheduledTaskNameSchema } from './task-name.js';
import { reasonSchema as reason, sourceSpecSchema } from './text-rules.js';

// No input carries an operator: who made a change comes from the transport (ApiCaller in api.ts).

export const FLAG_KINDS = ['release', 'operational', 'kill-switch'] as const;

/**
 * The position a kill holds a flag at (scope `kill`): a kill switch engaged, any other on/off flag
 * off. A number or a choice has no "off", so it cannot be killed. The flag store checks a kill
 * against it; the console's flag editor sends it, with no value of its own to pick.
 */
export function killedPosition(flag: { type: 'boolean' | 'integer' | 'string'; kind: (typeof FLAG_KINDS)[number] }): boolean | null {
  if (flag.type !== 'boolean') return null;
  return flag.kind === 'kill-switch';
}
export const flagValueSchema = z.union([z.boolean(), z.number(), z.string()]);

export const flagEventSchema = z.object({
  id: z.number().int(),
  flag: z.string(),
  scope: z.string(),
  oldValue: flagValueSchema.nullable(),
  newValue: flagValueSchema.nullable(),
  operator: z.string(),
  reason: z.string(),
  at: z.string(),
  /** The event this one reverted (`flags revert`, the console's Revert…); null for any other change. */
  revertsEventId: z.number().int().nullable(),
  /**
   * False for a change that changed nothing in force: an unset where nothing was stored, a value set
   * again, a revert to what was stored already. Such a request is still recorded, as asked (the audit
   * keeps who asked and why), and said for what it is, not as "(unset) → (unset)" happening.
   */
  changed: z.boolean(),
});
export type FlagEventView = z.infer<typeof flagEventSchema>;

/** A kill in force: who set it and when, and the task's or global value it holds down, if that value differs. */
export const flagKillSchema = z.object({
  by: z.string(),
  at: z.string(),
  over: z.object({ scope: z.string(), value: flagValueSchema }).optional(),
});
export type FlagKill = z.infer<typeof flagKillSchema>;

/**
 * "killed by NAME at TIME, over SCOPE's VALUE": one sentence for the CLI and the console. Each
 * surface passes how it writes a time and a value (the console: "2026-11-27 09:15" and on/off), so
 * neither has to pick the other's words out of a finished string.
 */
export function killedText(kill: FlagKill, words: { time?: (iso: string) => string; value?: (value: z.infer<typeof flagValueSchema>) => string } = {}): string {
  const { time = (iso: string) => iso, value = String } = words;
  const over = kill.over ? `, over ${kill.over.scope}'s ${value(kill.over.value)}` : '';
  return `killed by ${kill.by} at ${time(kill.at)}${over}`;
}

export const flagResolutionSchema = z.object({
  value: flagValueSchema.nullable(),
  /** DISABLED: a kill (scope `kill`: a kill switch on, any other on/off flag off) that no task's or global value overrides. */
  reason: z.enum(['STATIC', 'TARGETING_MATCH', 'DISABLED', 'DEFAULT', 'ERROR']),
  scope: z.string().optional(),
  errorMessage: z.string().optional(),
  /** With DISABLED: killedText(kill) as the CLI prints it. */
  killed: z.string().optional(),
  /** With DISABLED: the same kill as fields, for a surface that writes times and values its own way. */
  kill: flagKillSchema.optional(),
});

export const flagViewSchema = z.object({
  name: z.string(),
  type: z.enum(['boolean', 'integer', 'string']),
  kind: z.enum(FLAG_KINDS),
  description: z.string(),
  defaultValue: flagValueSchema,
  min: z.number().optional(),
  max: z.number().optional(),
  /** Stored values, one per scope (`global`, `task:NAME`). */
  scopes: z.array(z.object({ scope: z.string(), value: flagValueSchema.nullable(), updatedAt: z.string(), updatedBy: z.string() })),
  /** What a run in the asked scope (a manual run: global, the default) gets now. */
  inForce: flagResolutionSchema,
  /** When the kill now in force was set (scope `kill`, whoever set it); null when the flag is not killed. */
  killedAt: z.string().nullable(),
});
export type FlagView = z.infer<typeof flagViewSchema>;
/** The scope whose runs' values `inForce` shows: `global` (the default) or `task:NAME`. */
export const flagsListInputSchema = z.object({ scope: z.string().trim().min(1).max(80).optional() }).strict().default({});

const scope = z.string().trim().min(1).max(80).default('global');

/**
 * The value stored for the scope when the operator decided (null: none stored), as flags.list showed
 * it. Given, a change someone else made meanwhile refuses this one with CONFLICT naming the value now
 * stored and who set it, instead of being overwritten unseen; the console always sends it.
 */
const expected = flagValueSchema.nullable().optional();
export const flagSetInputSchema = z.object({ flag: z.string().trim().min(1).max(100), scope, value: flagValueSchema, reason, expected });
export const flagUnsetInputSchema = z.object({ flag: z.string().trim().min(1).max(100), scope, reason, expected });
/** Newest first; `after` is the id of the last event of the previous page. */
export const flagHistoryInputSchema = z
  .object({ flag: z.string().optional(), scope: z.string().optional(), limit: z.number().int().min(1).max(1_000).default(200), after: z.number().int().positive().optional() })
  .default({ limit: 200 });
/** `expected`: the value the operator saw stored for the event's flag and scope when choosing to revert it (the console: its trail's newest value). */
export const flagRevertInputSchema = z.object({ eventId: z.number().int().positive(), reason, expected });

const criterionSchema = z.object({ name: z.string(), target: z.string(), actual: z.string(), status: z.enum(['pass', 'fail', 'inconclusive', 'no data']), note: z.string().optional() });
const groupStatsSchema = z.object({
  runs: z.number(),
  finished: z.number(),
  succeeded: z.number(),
  errors: z.number(),
  successRate: z.number().nullable(),
  meanDurationMs: z.number().nullable(),
  msPerRecord: z.number().nullable(),
  batches: z.number(),
  failedBatches: z.number(),
  anomalousRuns: z.number(),
  confirmedFalsePositives: z.number(),
  realAnomalies: z.number(),
  recordsLost: z.number(),
  fetched: z.number(),
});
const intervalSchema = z.object({ low: z.number(), high: z.number() });
const guardrailStatusSchema = z.enum(['pass', 'fail', 'not enough data']);
const windowSideSchema = z.object({
  runs: z.number(), finished: z.number(), failedRuns: z.number(), batches: z.number(), failedBatches: z.number(),
  alerts: z.number(), alertRate: z.number().nullable(), alertInterval: intervalSchema.nullable(),
  confirmedAnomalies: z.number(), unreviewedAnomalies: z.number(), recordsLost: z.number(),
});
const timeRatioSchema = z.object({ ratio: z.number(), low: z.number(), high: z.number(), canaryRuns: z.number(), controlRuns: z.number(), degreesOfFreedom: z.number().nullable() });
/** Canary against control over one window (main/reports compare-window): what a guardrail reads. */
export const windowComparisonSchema = z.object({
  canary: windowSideSchema,
  control: windowSideSchema,
  minRuns: z.number(),
  maxSlowdownPercent: z.number(),
  timeRatio: timeRatioSchema.nullable(),
  enoughData: z.boolean(),
  guardrails: z.object({ failures: guardrailStatusSchema, dataLoss: guardrailStatusSchema, perRecordTime: guardrailStatusSchema, alertRate: guardrailStatusSchema }),
});
export const canaryReportSchema = z.object({
  task: z.string(),
  since: z.string().nullable(),
  until: z.string(),
  /** When the canary task's flag scope was last set; null when it never was. */
  canaryStartedAt: z.string().nullable(),
  controlTasks: z.array(z.string()),
  canary: groupStatsSchema,
  /** The control: other scheduled tasks' runs in the same window. */
  baseline: groupStatsSchema,
  window: windowComparisonSchema,
  timeRatio: timeRatioSchema.nullable(),
  durationOverheadPercent: z.number().nullable(),
  criteria: z.array(criterionSchema),
  /** Hold: every measure passed, but the reasons name what is not proven yet (unreviewed canary anomalies, a kill over the canary's values). */
  recommendation: z.enum(['Full rollout', 'Hold', 'Rollback', 'Iterate', 'Not enough data']),
  reasons: z.array(z.string()),
});
export type CanaryReportView = z.infer<typeof canaryReportSchema>;

export const taskViewSchema = z.object({
  name: z.string(),
  cron: z.string(),
  source: z.string(),
  lookbackDays: z.number().int(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastFiredAt: z.string().nullable(),
  lastRunId: z.number().int().nullable(),
  /** Scheduled runs that failed (or could not start) in a row since the last that did not; an on-demand run or an edit starts again from 0. */
  consecutiveFailures: z.number().int(),
  /** While the task backs off after failures: the scheduled time it tries next (the times before it are skipped); else null. */
  retryAt: z.string().nullable(),
  /** From the cron expression (UTC), or the backoff's retry; null while disabled, or while its schedule cannot be read. */
  nextRunAt: z.string().nullable(),
  /** Why the stored schedule cannot be read (written by hand, or by another version), or null: the task never runs until it is given one. */
  scheduleProblem: z.string().nullable(),
  /**
   * tasks.list only: set while the database has lost a part for good (a table dropped outside
   * Gatehouse), which pauses every scheduler on it, none of its tasks starting; else null. `since`:
   * when a scheduler last sent its pause notice (null: none has yet). `restartToGoOn`: the SQLite
   * file cannot be written (DB_NOT_WRITABLE), which only a scheduler started once it can be written
   * again gets past; otherwise the schedulers go on by themselves once the database is whole.
   */
  schedulerPaused: z.object({ since: z.string().nullable(), reason: z.string(), restartToGoOn: z.boolean().optional() }).nullable().optional(),
});
export type TaskView = z.infer<typeof taskViewSchema>;
export type SchedulerPauseView = NonNullable<TaskView['schedulerPaused']>;

/** The one line saying the scheduler is paused, in `tasks list` and on the console's tasks panel. */
export function schedulerPausedText(pause: SchedulerPauseView, format: (iso: string) => string): string {
  // Said as the scheduler's own notice says it (main/scheduler/store-watch.ts): a file that cannot be written needs a restart, not a wait.
  const goesOn = pause.restartToGoOn
    ? 'No scheduled task starts until the scheduler is restarted once the file can be written again: the connection it holds refuses it for good.'
    : 'No scheduled task starts until the database is whole again; the scheduler goes on by itself then.';
  return `Scheduler paused${pause.since ? ` since ${format(pause.since)}` : ''}: ${pause.reason}. ${goesOn}`;
}

/** How a task whose stored schedule cannot be read is given a new one, as each surface words it. */
const NEW_SCHEDULE: Record<Surface, (task: string) => string> = {
  cli: (task) => `gatehouse tasks edit ${task} --cron "..."`,
  console: (task) => `press Edit on task ${task}'s row in Settings → Scheduled tasks and enter a new Cron (UTC)`,
};

/**
 * The one sentence for a task whose stored schedule cannot be read (`problem`: why), as the
 * scheduler says it when it passes the task over and the task list shows it, worded for `surface`.
 */
export function unreadableScheduleText(task: Pick<TaskView, 'name' | 'cron'>, problem: string, surface: Surface): string {
  return `its schedule "${task.cron}" cannot be read (${problem}); give it one: ${NEW_SCHEDULE[surface](task.name)}`;
}

/**
 * The one sentence for a task backing off, as the CLI and the console show it (each formats the
 * time its way); null when it is not backing off at `now`.
 */
export function taskBackoffText(task: Pick<TaskView, 'consecutiveFailures' | 'retryAt' | 'enabled'>, now: Date, time: (iso: string) => string): string | null {
  if (!task.enabled || task.retryAt === null || Date.parse(task.retryAt) <= now.getTime()) return null;
  return `backing off after ${task.consecutiveFailures} failures in a row; next try ${time(task.retryAt)}`;
}

/** The console's Run of a task (tasks.run): the run it started first, and what it did with the task's interrupted run. */
export const taskRunStartedSchema = z.object({
  runId: z.number().int().positive(),
  resume: z.object({
    runId: z.number().int().positive(),
    /** Why it was not resumed (a new run covers its window instead); absent when it was. */
    refused: z.string().optional(),
    /** The batches the interrupted run had committed when it was resumed. */
    committedBatches: z.number().int().nonnegative().optional(),
  }).optional(),
});
export type TaskRunStarted = z.infer<typeof taskRunStartedSchema>;

/** How a task's resume refused before it started is said (`gatehouse tasks run`, the console): its window is the new run's to cover. */
export function resumeRefusedText(runId: number, refused: string): string {
  return `run ${runId} (interrupted) not resumed: ${refused}; a new run covers its window`;
}

/**
 * What a task's Run did with its interrupted run, as the task panel and the run page say it:
 * "resumed run 4 (interrupted after batch 2), then started run 5". `followedBy`: the new run that
 * followed a resume covering its window, once it started (null while none has).
 */
export function taskResumeText(resume: NonNullable<TaskRunStarted['resume']>, followedBy: number | null, followUpFailed?: string): string {
  if (resume.refused !== undefined) return resumeRefusedText(resume.runId, resume.refused);
  const batches = resume.committedBatches;
  const where = batches === undefined ? 'interrupted' : batches === 0 ? 'interrupted before its first batch' : `interrupted after batch ${batches}`;
  const then = followedBy !== null ? `, then started run ${followedBy}` : followUpFailed !== undefined ? `; ${followUpFailedText(followUpFailed)}` : '';
  return `resumed run ${resume.runId} (${where})${then}`;
}

/** Why the new run a task's Run starts after a resume could not start, as the resume's story ends with it. */
export function followUpFailedText(error: string): string {
  return `the new run after it could not start: ${error}`;
}

/**
 * A task's resume as the runs' rows keep it (runs.get's `taskResume`, on the resumed run and on the
 * new run that followed it): the console tells it from here after a reload, in another window or
 * after `gatehouse serve` restarted, as it does from the events it saw.
 */
export const taskResumeStorySchema = z.object({
  task: z.string(),
  resume: z.object({ runId: z.number().int().positive(), committedBatches: z.number().int().nonnegative().optional() }),
  /** The new run that followed the resume; null when none did (the resume stopped again, or the new run could not start). */
  followedBy: z.number().int().positive().nullable(),
  /** Why the new run could not start; absent when it did, or was not tried. */
  followUpFailed: z.string().optional(),
});
export type TaskResumeStory = z.infer<typeof taskResumeStorySchema>;

/** "Task nightly: resumed run 4 (interrupted after batch 2), then started run 5", as the task panel and both runs' pages say it. */
export function taskResumeStoryText(story: TaskResumeStory): string {
  return `Task ${story.task}: ${taskResumeText(story.resume, story.followedBy, story.followUpFailed)}`;
}

/** A task's runs may come at most this often unless the operator says they mean it (`allowFrequent`; main/scheduler/cron.ts). */
export const MIN_TASK_INTERVAL_MINUTES = 5;
/** The console's task-form checkbox that sets `allowFrequent`, as its label and a refusal's console hint both word it. */
export const ALLOW_FREQUENT_LABEL = `Runs under ${MIN_TASK_INTERVAL_MINUTES} minutes apart are meant`;

const taskName = scheduledTaskNameSchema;
/** One task by name: tasks.get, tasks.run, and `gatehouse tasks show|run NAME` (enable and disable parse tasks.edit's input) (a name is trimmed as tasks.add stored it). */
export const taskNameInputSchema = z.object({ name: taskName });
export const taskAddInputSchema = z.object({
  name: taskName,
  cron: z.string().trim().min(1).max(200),
  source: sourceSpecSchema,
  lookbackDays: lookbackDaysSchema.optional(),
  enabled: z.boolean().default(true),
  /** A schedule whose runs come less than MIN_TASK_INTERVAL_MINUTES apart is refused unless this says the operator means it (main/scheduler/cron.ts). */
  allowFrequent: z.boolean().optional(),
  /** Why, kept with the task's event (optional for an add, as for an edit of its schedule or source). */
  reason: reason.optional(),
});
export const taskEditInputSchema = z.object({
  name: taskName,
  cron: z.string().trim().min(1).max(200).optional(),
  source: sourceSpecSchema.optional(),
  lookbackDays: lookbackDaysSchema.optional(),
  enabled: z.boolean().optional(),
  /** As for tasks.add: a new cron whose runs come less than MIN_TASK_INTERVAL_MINUTES apart is refused unless this is true. */
  allowFrequent: z.boolean().optional(),
  /**
   * The task's fields as the operator saw them (tasks.list). Given, a field someone changed since
   * refuses the edit with CONFLICT naming it and who changed the task, instead of the edit
   * overwriting it unseen; the console always sends what its form was loaded with.
   */
  expected: z.object({ cron: z.string().optional(), source: z.string().optional(), lookbackDays: z.number().int().optional(), enabled: z.boolean().optional() }).optional(),
  /** Why, kept with the task's event. Switching a task on or off (`enabled`) is refused without one, as every flag change is (editTask). */
  reason: reason.optional(),
});

export const taskHistoryInputSchema = z
  .object({ task: taskName.optional(), limit: z.number().int().min(1).max(1_000).default(100), after: z.number().int().positive().optional() })
  .default({ limit: 100 });
export type TaskHistoryQuery = z.infer<typeof taskHistoryInputSchema>;
/** What a task event keeps of the task: what an operator sets, never what the scheduler last did. */
const auditedTaskSchema = z.object({ cron: z.string(), source: z.string(), lookbackDays: z.number().int(), enabled: z.boolean() });
export const taskEventViewSchema = z.object({
  id: z.number().int(),
  task: z.string(),
  action: z.enum(['added', 'edited']),
  before: auditedTaskSchema.nullable(),
  after: auditedTaskSchema,
  operator: z.string(),
  at: z.string(),
  /** Why the operator made the change; null for an event recorded before task changes kept a reason, or one given none. */
  reason: z.string().nullable(),
});
export type TaskEventView = z.infer<typeof taskEventViewSchema>;

/** `sent`: delivered through at least one channel; `channels`: each one tried, delivered or why not. */
export const notifyResultSchema = z.object({
  sent: z.boolean(),
  folded: z.number().int(),
  channels: z.array(z.object({ channel: z.string(), delivered: z.boolean(), error: z.string().optional() })),
});

/** `unknown`: listed again from its PostgreSQL schema after the store's `snapshots` table was dropped, which alone said its kind and run. */
export const SNAPSHOT_KINDS = ['before-run', 'manual', 'safety', 'unknown'] as const;
export const snapshotSchema = z.object({
  id: z.string(),
  /** The snapshot file's name beside a SQLite database, or the schema holding a PostgreSQL snapshot. */
  file: z.string(),
  createdAt: z.string(),
  kind: z.enum(SNAPSHOT_KINDS),
  runId: z.number().int().nullable(),
  sizeBytes: z.number().int(),
  /** Of the file (SQLite) or of the snapshot's rows, table by table (PostgreSQL). */
  sha256: z.string(),
});
export type SnapshotView = z.infer<typeof snapshotSchema>;
/** How many snapshots a run's before-run snapshot leaves behind, and for how long. */
export const retentionSchema = z.object({
  keep: z.number().int().min(1).max(10_000),
  maxAgeDays: z.number().int().min(1).max(36_500),
  /** The newest snapshots are kept up to this total size in MiB; null: no size limit. */
  maxTotalMb: z.number().int().min(1).max(100_000_000).nullable().optional(),
});
export const backupsListSchema = z.object({
  backend: z.string(),
  /** Whether this database has snapshots; `explanation` says what exists instead when it has none. */
  supported: z.boolean(),
  explanation: z.string().nullable(),
  /** `unavailable`: why a snapshot cannot be restored at all (its file or schema gone), or null while it is there. */
  /** `takenBy`: who asked for it (by hand, the restore it came before, or its run's starter), or null when nobody was named. */
  snapshots: z.array(snapshotSchema.extend({ unavailable: z.string().nullable(), takenBy: z.string().nullable() })),
  /** The listed snapshots' sizes added up, as recorded when each was taken. */
  totalBytes: z.number().int().nonnegative(),
  /** What each run's before-run snapshot applies afterwards. */
  retention: retentionSchema,
  /** ENABLE_SNAPSHOTS in force for a manual run: a full copy of the database before every run. */
  snapshotsBeforeRuns: z.boolean(),
  /** Bytes on disk now: the snapshot folder (every file in it) and the live database with its WAL; null where there is no file. */
  disk: z.object({ snapshotBytes: z.number().int().nonnegative(), snapshotFiles: z.number().int().nonnegative(), databaseBytes: z.number().int().nonnegative().nullable() }),
  /** Why the database is not all there (a table dropped, its migration record's rows deleted), listed so a snapshot can be restored over it; null when it is whole. */
  damaged: z.string().nullable().default(null),
});
export type BackupsList = z.infer<typeof backupsListSchema>;
/** One snapshot by id, or (no id) every one. */
export const backupsVerifyInputSchema = z.object({ id: z.string().trim().min(1).max(200).optional() }).default({});
export const backupsPruneInputSchema = z.object({
  keep: retentionSchema.shape.keep.optional(),
  maxAgeDays: retentionSchema.shape.maxAgeDays.optional(),
  maxTotalMb: retentionSchema.shape.maxTotalMb,
  /** True: only say what would be deleted. The console previews first, then deletes what it showed. */
  dryRun: z.boolean().default(true),
  /** Why; required unless a dry run (a prune deletes snapshots, audited as a deletion is), kept in its attempt (backups.attempts). */
  reason: reason.optional(),
});
/** A snapshot on request; its reason, when given, is kept in its attempt (backups.attempts) beside who took it. */
export const backupsCreateInputSchema = z.object({ reason: reason.optional() }).strict().default({});
export const backupsPruneReportSchema = z.object({
  dryRun: z.boolean(),
  retention: retentionSchema,
  /** Deleted, or what would be deleted on a dry run; newest first. */
  pruned: z.array(snapshotSchema),
  freedBytes: z.number().int().nonnegative(),
  /** Snapshots left afterwards. */
  remaining: z.number().int().nonnegative(),
});
export type BackupsPruneReport = z.infer<typeof backupsPruneReportSchema>;
export const snapshotCheckSchema = z.object({ id: z.string(), ok: z.boolean(), problems: z.array(z.string()) });
/** A restore is part of the audit: who, why, from which snapshot, and what it changed. */
/** A kept task whose last run a restore removed: pointed at its newest run that survived, or at none. */
export const repointedTaskSchema = z.object({ task: z.string(), lastRunIdBefore: z.number().int(), lastRunIdAfter: z.number().int().nullable() });
export type RepointedTask = z.infer<typeof repointedTaskSchema>;
export const restoreEventSchema = z.object({
  id: z.number().int(),
  snapshotId: z.string(),
  snapshotTakenAt: z.string(),
  safetySnapshotId: z.string().nullable(),
  operator: z.string(),
  reason: z.string(),
  at: z.string(),
  hearingsBefore: z.number().int(),
  hearingsAfter: z.number().int(),
  repointedTasks: z.array(repointedTaskSchema),
});
export type RestoreEventView = z.infer<typeof restoreEventSchema>;
export const restoreReportSchema = z.object({
  restoredFrom: snapshotSchema,
  safetySnapshot: snapshotSchema,
  hearingsBefore: z.number().int(),
  hearingsAfter: z.number().int(),
  event: restoreEventSchema,
  message: z.string(),
});
export const restoreInputSchema = z.object({
  id: z.string().trim().min(1).max(200),
  reason,
  /** The snapshot id typed by the operator, as a rollback's run id is; must equal id. */
  confirmId: z.string().trim().max(200),
});
/**
 * One snapshot removed by an operator (one taken with bad data), file or schema and listing
 * together, under the writer lock and audited as an attempt with who and why. The last snapshot
 * that could still be restored is refused unless `force` says the operator means it.
 */
export const backupsDeleteInputSchema = z.object({
  id: z.string().trim().min(1).max(200),
  reason,
  /** The snapshot id typed by the operator, as for a restore; must equal id. */
  confirmId: z.string().trim().max(200),
  force: z.boolean().default(false),
});
export const backupsDeleteReportSchema = z.object({
  deleted: snapshotSchema,
  /** True when it was the last snapshot that could be restored, deleted because `force` was given. */
  forced: z.boolean(),
  /** Snapshots left afterwards, and how many of them can be restored (present and passing their checks). */
  remaining: z.number().int().nonnegative(),
  restorableRemaining: z.number().int().nonnegative(),
  /** The deletion as recorded in the audit (`backups attempts`). */
  attemptId: z.number().int(),
  message: z.string(),
});
export type BackupsDeleteReport = z.infer<typeof backupsDeleteReportSchema>;
export const restoresListInputSchema = z.object({ limit: z.number().int().min(1).max(500).default(50), after: z.number().int().positive().optional() }).default({ limit: 50 });

/**
 * A rollback, restore or trial session as it started and ended: `outcome` null while it runs,
 * `unfinished` when its process died before saying how it ended and the next writer, settling it,
 * cannot tell what it did (a rollback or restore is settled succeeded or failed by whether its event is stored),
 * `stopped` when its operator stopped it (a trial session's Ctrl-C: no failure), with what is known
 * in `detail`.
 */
export const WRITER_ATTEMPT_OUTCOMES = ['succeeded', 'failed', 'unfinished', 'stopped'] as const;
export const writerAttemptSchema = z.object({
  id: z.number().int(),
  operation: z.string(),
  operator: z.string().nullable(),
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  outcome: z.enum(WRITER_ATTEMPT_OUTCOMES).nullable(),
  detail: z.string().nullable(),
  /** The run a rollback worked on (or one batch of it); null for a restore. */
  runId: z.number().int().nullable(),
  /** The snapshot a restore put back or a deletion removed; null for a rollback. */
  snapshotId: z.string().nullable(),
});
export type WriterAttemptView = z.infer<typeof writerAttemptSchema>;
export const writerAttemptsInputSchema = z.object({ limit: z.number().int().min(1).max(500).default(50), after: z.number().int().positive().optional() }).default({ limit: 50 });

/** What a rollback does with a hearing a later write touched: refuse the whole rollback, leave it, or undo it anyway. */
export const CONFLICT_POLICIES = ['refuse', 'skip', 'force'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];
/** The console's names for the policies: its rollback dialog's choices, and what a report says to the console in place of `--on-conflict POLICY`. */
export const CONFLICT_POLICY_CHOICES: Record<ConflictPolicy, string> = {
  refuse: 'refuse the whole rollback',
  skip: 'skip it (leave it as it is now)',
  force: 'restore it anyway (discard the later change)',
};

/**
 * A conflict policy as `surface` names it: the CLI's flag, the console dialog's own choice. The
 * sentences around it are one (as an error's hint); only what the reader would pick differs.
 */
export function conflictChoice(policy: ConflictPolicy, surface: Surface): string {
  return surface === 'cli' ? `--on-conflict ${policy}` : `“${CONFLICT_POLICY_CHOICES[policy]}”`;
}
const rollbackConflictSchema = z.object({
  eventId: z.string(),
  /** Later runs (not rolled back) that wrote this hearing again. */
  laterRuns: z.array(z.number().int()),
  expectedHash: z.string().nullable(),
  currentHash: z.string().nullable(),
  /**
   * The run whose version of the hearing this write's before-image holds, when a rollback undid that
   * version since: forcing this conflict brings back what that run wrote, rolled back as it is.
   */
  bringsBack: z.object({ runId: z.number().int(), rollbackEventId: z.number().int() }).nullable(),
  message: z.string(),
});
const hearingUndoSchema = z.object({
  eventId: z.string(),
  batchSeq: z.number().int(),
  /** What the journal asks for: put the before-image back, or delete a hearing that did not exist. */
  action: z.enum(['restore', 'delete']),
  outcome: z.enum(['restored', 'deleted', 'skipped']),
  conflict: rollbackConflictSchema.nullable(),
});
const createdRowUndoSchema = z.object({ entity: z.enum(['committee', 'witness']), key: z.string(), outcome: z.enum(['deleted', 'kept', 'gone']) });
/** Every hearing in conflict (not only those listed), by what changed it since. */
const conflictSummarySchema = z.object({
  hearings: z.number().int(),
  /** Each later run (not rolled back) that wrote conflicting hearings again, oldest first, with how many of them. */
  laterRuns: z.array(z.object({ runId: z.number().int(), hearings: z.number().int() })),
  /** Changed by no later run of the journal (a restore, an edit outside Gatehouse, a forced rollback of an earlier run) or gone. */
  changedOtherwise: z.number().int(),
  /** Of them, those whose earlier version a rollback has undone since (`bringsBack`): force puts that version back. */
  bringBackUndone: z.number().int(),
});
/** What one conflict policy would do with the target as it stands: the preview gives all three, so support chooses before confirming. */
const policyOutcomeSchema = z.object({
  policy: z.enum(CONFLICT_POLICIES),
  /** The rollback would be refused and change nothing. */
  refused: z.boolean(),
  /** Nothing would be left to do (what is left was skipped before and is still in conflict). */
  nothingToDo: z.boolean(),
  /** Hearings put back to their earlier version or deleted. */
  undone: z.number().int(),
  /** Conflicting hearings left as they are now. */
  skipped: z.number().int(),
  /** Conflicting hearings undone anyway: their later change is discarded. */
  forced: z.number().int(),
  message: z.string(),
});
/** The one description of a rollback's report: the backup folder builds it, the API checks it, the CLI and console show it. */
export const rollbackReportSchema = z.object({
  runId: z.number().int(),
  batchSeq: z.number().int().nullable(),
  dryRun: z.boolean(),
  onConflict: z.enum(CONFLICT_POLICIES),
  /** Who asked; null only for a preview asked by a browser session that has not named its operator. */
  operator: z.string().nullable(),
  at: z.string(),
  reason: z.string().nullable(),
  /** True when there was nothing left to undo; nothing was written. */
  nothingToDo: z.boolean(),
  /** Dry run with conflicts under `refuse`: the real rollback would refuse. */
  wouldRefuse: z.boolean(),
  runRolledBack: z.boolean(),
  /** The recorded rollback event; null for a dry run or when there was nothing to do. */
  eventId: z.number().int().nullable(),
  /** In the words of whoever asked: the CLI names `--on-conflict` flags, the console its dialog's choices. */
  message: z.string(),
  counts: z.object({ restored: z.number(), deleted: z.number(), skipped: z.number(), forced: z.number(), createdRowsDeleted: z.number(), createdRowsKept: z.number() }),
  /** The first conflicts found; `conflictsNotListed` more were (a report stays bounded at a million hearings). */
  conflicts: z.array(rollbackConflictSchema),
  conflictsNotListed: z.number().int(),
  conflictSummary: conflictSummarySchema,
  /** refuse, skip and force, in that order; empty when the target is refused or has nothing to do before its journal is read. */
  policies: z.array(policyOutcomeSchema),
  /** The first hearings undone, in that order; `hearingsNotListed` more were. */
  hearings: z.array(hearingUndoSchema),
  hearingsNotListed: z.number().int(),
  createdRows: z.array(createdRowUndoSchema),
  /**
   * The run's row was deleted outside Gatehouse (a DBA, a damaged restore) while its undo journal
   * stayed: what the journal records is rolled back all the same, and there is no run row to mark.
   */
  runRowGone: z.boolean(),
});
export type RollbackReportView = z.infer<typeof rollbackReportSchema>;
/**
 * A rollback of a run (batchSeq null) or of one of its batches that the API would refuse or that
 * would find nothing to do, in the rollback's own words: the console shows it instead of a button.
 */
export const rollbackRefusalSchema = z.object({ batchSeq: z.number().int().nullable(), message: z.string(), hint: z.string() });
export type RollbackRefusalView = z.infer<typeof rollbackRefusalSchema>;
export type RollbackConflict = z.infer<typeof rollbackConflictSchema>;
export type HearingUndo = z.infer<typeof hearingUndoSchema>;
export type CreatedRowUndo = z.infer<typeof createdRowUndoSchema>;
export type ConflictSummary = z.infer<typeof conflictSummarySchema>;

/** "run 5 (10), run 6 (2)": who changed a rollback's conflicting hearings since, as the CLI, the console and the CONFLICT error say it. */
export function describeConflictSources(summary: ConflictSummary): string {
  const runs = summary.laterRuns.map((run) => `run ${run.runId} (${formatCount(run.hearings)})`);
  const otherwise = summary.changedOtherwise > 0 ? [`${formatCount(summary.changedOtherwise)} changed outside later runs (a restore, an edit, a forced rollback of an earlier run) or gone`] : [];
  return [...runs, ...otherwise].join(', ');
}
export type PolicyOutcome = z.infer<typeof policyOutcomeSchema>;

const RUN_ID_RULE = 'run id must be a whole number ≥ 1';
const rollbackTarget = {
  runId: z.number().int(RUN_ID_RULE).positive(RUN_ID_RULE),
  batchSeq: z.number().int('batch number must be a whole number ≥ 1').positive('batch number must be a whole number ≥ 1').nullable().default(null),
  onConflict: z.enum(CONFLICT_POLICIES).default('refuse'),
};
export const rollbackPreviewInputSchema = z.object(rollbackTarget);
export const rollbackApplyInputSchema = z.object({
  ...rollbackTarget,
  reason,
  /** The run id typed by the operator; must equal runId. */
  confirmRunId: z.number().int(),
  /**
   * The run's newest rollback event when its preview was read (null: none). A rollback of the run
   * recorded since (another console, the CLI) refuses this one with CONFLICT, naming it, instead of
   * applying what was not previewed. Absent: not checked.
   */
  previewedAfterEvent: z.number().int().positive().nullable().optional(),
});
export const rollbackEventSchema = z.object({
  id: z.number().int(),
  runId: z.number().int(),
  batchSeq: z.number().int().nullable(),
  operator: z.string(),
  at: z.string(),
  reason: z.string().nullable(),
  onConflict: z.enum(CONFLICT_POLICIES),
  restored: z.number().int(),
  deleted: z.number().int(),
  skipped: z.number().int(),
  forced: z.number().int(),
  createdRowsDeleted: z.number().int(),
  createdRowsKept: z.number().int(),
  runRolledBack: z.boolean(),
});
export type RollbackEventView = z.infer<typeof rollbackEventSchema>;

/** Console preferences the shell keeps; secrets are reported as set or not, never returned. */
export const preferencesSchema = z.object({
  /** Host of the webhook, without path or token; null when none is set. */
  webhookHost: z.string().nullable(),
  congressApiKeySet: z.boolean(),
  /** Where secrets are kept: the OS keychain (Electron safeStorage) or this process's memory only. */
  secretStorage: z.enum(['keychain', 'memory']),
  /** A PostgreSQL location saved for the next start, password removed; null for the embedded SQLite file. */
  savedDatabase: z.string().nullable(),
  /** Whether this transport can save a database location (the desktop app can; `gatehouse serve` takes --db). */
  canSaveDatabase: z.boolean(),
});
export type Preferences = z.infer<typeof preferencesSchema>;
