/**
 * The one API (DESIGN §3): every method the console can call, with zod schemas for its input and
 * output. IPC (main/electron), HTTP (`gatehouse serve`) and the renderer's client all use this
 * table, so adding a method is one entry here plus its handler in main/api/.
 */
import * as z from 'zod';
import { ERROR_CODES, type ErrorPayload } from './errors.js';
import { quarantineEntrySchema } from './record.js';
import { batchRecordSchema, batchSeqSchema, batchSizeSchema, RUN_MODES, RUN_STATUSES, runListRowSchema, runMetricsSchema, runSummarySchema, runWaitSchema, statusReasonSchema, type RunEvent } from './run.js';
import { anomalySchema, VERDICTS } from './validation.js';
import {
  backupsListSchema,
  backupsCreateInputSchema,
  backupsPruneInputSchema,
  backupsVerifyInputSchema,
  backupsPruneReportSchema,
  canaryReportSchema,
  flagEventSchema,
  flagHistoryInputSchema,
  flagRevertInputSchema,
  flagSetInputSchema,
  flagUnsetInputSchema,
  flagViewSchema,
  flagsListInputSchema,
  notifyResultSchema,
  preferencesSchema,
  restoreEventSchema,
  restoreInputSchema,
  backupsDeleteInputSchema,
  backupsDeleteReportSchema,
  restoreReportSchema,
  restoresListInputSchema,
  writerAttemptSchema,
  writerAttemptsInputSchema,
  rollbackApplyInputSchema,
  rollbackEventSchema,
  rollbackPreviewInputSchema,
  rollbackRefusalSchema,
  rollbackReportSchema,
  snapshotCheckSchema,
  snapshotSchema,
  taskAddInputSchema,
  taskEditInputSchema,
  taskEventViewSchema,
  taskHistoryInputSchema,
  taskNameInputSchema,
  taskResumeStorySchema,
  taskRunStartedSchema,
  taskViewSchema,
} from './api-operations.js';
import {
  anomaliesListInputSchema,
  anomaliesMarkInputSchema,
  anomaliesMarkManyInputSchema,
  anomaliesUndoMarksInputSchema,
  reviewBatchSchema,
  anomalousRunSchema,
  ledgerSummarySchema,
  reportsTrialInputSchema,
  reportTextSchema,
  runBandsSchema,
  runReviewSchema,
  runsAcceptInputSchema,
  runsAcceptOutputSchema,
  trialJobSchema,
  trialKindsSchema,
  trialsListInputSchema,
  trialsListOutputSchema,
  trialsRunInputSchema,
  trialsSummaryInputSchema,
  trialsSummaryOutputSchema,
} from './api-validation.js';
import { historyAnnotationsInputSchema, historyAnnotationsSchema } from './api-history.js';
import { rolloutActInputSchema, rolloutDecideInputSchema, rolloutDetailSchema, rolloutStartInputSchema, rolloutViewSchema, rolloutsGetInputSchema, rolloutsListInputSchema } from './api-rollouts.js';
import {
  sensitivityHistoryInputSchema,
  sensitivitySaveInputSchema,
  sensitivityStateSchema,
  sensitivityTaskInputSchema,
  sensitivityVersionSchema,
  sensitivityWhatIfInputSchema,
  sensitivityWhatIfSchema,
} from './api-sensitivity.js';
import { instantSchema } from './instant.js';
import { taskNameSchema } from './task-name.js';
import { sourceSpecSchema, withoutControlCharacters } from './text-rules.js';

const runId = z.number().int().positive();
const limit = (max: number, fallback: number) => z.number().int().min(1).max(max).default(fallback);
const noInput = z.object({}).strict().default({});
/** Keyset pagination: the id of the last item of the previous page (lists never skip or repeat an item as new ones arrive). */
const after = z.number().int().positive().optional();
const instant = instantSchema;

/** Which runs to list, newest first; every filter applies in SQL before the limit. */
export const runsListInputSchema = z
  .object({
    limit: limit(500, 50),
    after,
    status: z.array(z.enum(RUN_STATUSES)).optional(),
    verdict: z.array(z.enum(VERDICTS)).optional(),
    /** A task name; null for the runs started by hand. */
    task: taskNameSchema.nullable().optional(),
    /** The source spec exactly as the run was given it: one that no run could have been given is refused, not answered with no runs. */
    source: sourceSpecSchema.optional(),
    since: instant.optional(),
    until: instant.optional(),
    /** Case-insensitive text in the source, task or error: one line, as the search box sends it. */
    search: withoutControlCharacters(z.string().trim().min(1).max(200), 'name').optional(),
  })
  .default({ limit: 50 });

/** Quarantine entries oldest first; a batch of the run, or null for entries set aside outside any batch. */
export const quarantineListInputSchema = z
  .object({
    runId: runId.optional(),
    batchSeq: batchSeqSchema.nullable().optional(),
    limit: limit(5_000, 500),
    after,
  })
  // Batches are numbered within a run: batch 1 alone would mean the first batch of every run.
  .refine((query) => query.batchSeq === undefined || query.runId !== undefined, { path: ['batchSeq'], message: 'a batch is numbered within its run: give the run too' });
export const rollbackEventsInputSchema = z.object({ runId: runId.optional(), limit: limit(500, 100), after }).default({ limit: 100 });

export const runDetailSchema = runSummarySchema.extend({
  batchList: z.array(batchRecordSchema),
  /**
   * Whether `update --resume` takes the run (interrupted, or failed on a lost connection): the
   * engine's own rule, since the renderer cannot classify a driver's error. One batch of such a run
   * is not rolled back (the resume would skip what the rollback undid), so the console offers only
   * the whole run.
   */
  resumable: z.boolean(),
  /** The run and each of its batches whose rollback would be refused or do nothing, and why (main/backup decides, as the rollback does). */
  rollbackRefusals: z.array(rollbackRefusalSchema),
  /** A task's Run resumed this run, or started it right after such a resume: the story as the runs' rows keep it; absent otherwise. */
  taskResume: taskResumeStorySchema.optional(),
  /** Why the run has its status, as runs.list gives it (statusReasons): every reading of a run says the same, last. */
  statusReasons: z.array(statusReasonSchema),
});
export type RunDetailView = z.infer<typeof runDetailSchema>;
/** A run with its batches as the store keeps it; whether it can be resumed is the engine's call, what a rollback would refuse the backup folder's. */
export type StoredRunDetail = Omit<RunDetailView, 'resumable' | 'rollbackRefusals' | 'statusReasons'>;

/** A run the engine host is executing now, as the console draws its live progress. */
export const activeRunSchema = z.object({
  runId,
  startedAt: z.string(),
  expectedRecords: z.number().int().nullable(),
  metrics: runMetricsSchema,
  elapsedMs: z.number().int().nonnegative(),
  /** What the run sits waiting for now (a server's Retry-After, a backoff); null while it works. */
  wait: runWaitSchema.nullable().default(null),
});
export type ActiveRun = z.infer<typeof activeRunSchema>;

export const startRunInputSchema = z.object({
  /** `file:PATH` or `synthetic:seed=N,count=M[,…]` (DESIGN §3), refused as a task's source is. */
  source: sourceSpecSchema,
  /** Absent: the BATCH_SIZE flag in force for the task decides (default 50). */
  batchSize: batchSizeSchema.optional(),
  /** Absent: ENABLE_BATCH_PROCESSING decides. */
  mode: z.enum(RUN_MODES).optional(),
  task: taskNameSchema.nullable().default(null),
  /** Check the whole database before the run even when it is as the last verified run left it (SQLite's quick_check). */
  fullIntegrityCheck: z.boolean().optional(),
});
export type StartRunInput = z.input<typeof startRunInputSchema>;

/**
 * Resumes an interrupted run (`gatehouse update --resume N`) in the console's engine: after its last
 * committed batch, from the source it recorded, with its mode and batch size. The CLI's --resume is this runId.
 */
export const runsResumeInputSchema = z.object({ runId });

/** What the Start-run form offers: sources that add new records, and the real ones that are set up. */
export const sourceDefaultsSchema = z.object({
  /** A synthetic source whose eventIds start above every stored one, so its records are all new. */
  synthetic: z.string(),
  /** `congress:` when a Congress.gov key is set; null otherwise. */
  congress: z.string().nullable(),
});
export type SourceDefaults = z.infer<typeof sourceDefaultsSchema>;

/** An uploaded record file (browser mode): beyond this, `gatehouse update --source file:PATH`. */
export const MAX_UPLOAD_BYTES = 8_000_000;
export const sourceUploadInputSchema = z.object({
  /** The file's name on the operator's machine, for messages and the stored file's name (and so the source spec it answers with). */
  name: withoutControlCharacters(z.string().trim().min(1).max(255), 'name'),
  /** The file's text (JSON or NDJSON); the server checks the byte size. */
  content: z.string().max(MAX_UPLOAD_BYTES),
});
export const sourceUploadSchema = z.object({ source: z.string(), bytes: z.number().int(), records: z.number().int().nullable() });

export const historyPointSchema = z.object({
  runId,
  startedAt: z.string(),
  status: z.enum(RUN_STATUSES),
  task: z.string().nullable(),
  metrics: runMetricsSchema,
  verdict: z.enum(VERDICTS).nullable(),
  anomalies: z.array(anomalySchema),
  /** Rolled-back and failed runs stay out of the validator's training history (DESIGN §4). */
  inTrainingHistory: z.boolean(),
});
export type HistoryPoint = z.infer<typeof historyPointSchema>;

const share = z.number().min(0).max(1).nullable();

export const overviewSchema = z.object({
  database: z.object({ backend: z.string(), location: z.string(), hearings: z.number().int().nonnegative() }),
  windowDays: z.number().int().positive(),
  /** The newest runs, each as runs.list gives it: with its statusReasons, last. */
  recentRuns: z.array(runListRowSchema),
  runsInWindow: z.number().int().nonnegative(),
  runsByStatus: z.record(z.string(), z.number().int().nonnegative()),
  /** Committed batches ÷ all batches of the runs in the window; null when there were none. */
  batchSuccessRate: share,
  /** Records that reached the database (added + updated + unchanged) ÷ records fetched, in the window. */
  recordsCommittedShare: share,
  quarantinedInWindow: z.number().int().nonnegative(),
  /** Open anomalies with a run in the window that nobody has marked yet; the runs of one change count once (issue 10 item 3). */
  openAnomalies: z.number().int().nonnegative(),
  /** The trial ledger of the default staging target; null before any trial ran there. */
  trials: ledgerSummarySchema.omit({ byKind: true, byMagnitude: true, notJudgedCauses: true }).nullable(),
  anomalousRuns: z.array(z.object({ runId, startedAt: z.string(), anomalies: z.array(anomalySchema) })),
  activeRuns: z.array(activeRunSchema),
  lastRun: runListRowSchema.nullable(),
  /** Enabled scheduled tasks by their next run time (cron, UTC), soonest first. */
  nextTasks: z.array(z.object({ name: z.string(), cron: z.string(), nextRunAt: z.string() })),
});
export type Overview = z.infer<typeof overviewSchema>;

export const databaseInfoSchema = z.object({
  backend: z.string(),
  /** With any password removed. */
  location: z.string(),
  hearings: z.number().int().nonnegative(),
});

export const settingsSchema = z.object({
  database: z.object({ backend: z.string(), location: z.string() }),
  /** Where the engine runs: a worker thread (Electron) or the serving process (`gatehouse serve`). */
  engine: z.enum(['worker', 'in-process']),
  transport: z.enum(['ipc', 'http']),
});
export type Settings = z.infer<typeof settingsSchema>;

/**
 * Who is at the console. The transport decides, never the request body: the OS user in the desktop
 * app, the name a browser session gave itself once in `gatehouse serve`, the serving OS user for a
 * bearer-token API client.
 */
export const CALLER_IDENTITIES = ['os-user', 'session', 'api-token'] as const;
export const callerViewSchema = z.object({
  /** Named in every audit row this caller writes; null while a browser session has not named itself. */
  operator: z.string().nullable(),
  identity: z.enum(CALLER_IDENTITIES),
  /** True only for an unnamed browser session: it names itself once. */
  canName: z.boolean(),
});
export type CallerView = z.infer<typeof callerViewSchema>;
/** A person's name as it appears in the audit: no control characters, no surrounding blanks. */
export const operatorNameSchema = withoutControlCharacters(z.string().trim().min(1, 'a name is required').max(80), 'name');

/** What a handler knows of its caller, from the transport. */
export interface ApiCaller {
  readonly operator: string | null;
  readonly identity: CallerView['identity'];
  /** Binds a name to this browser session, once; absent where the identity is fixed. */
  nameSession?(name: string): void;
}

/** Long work that runs off the request path (the engine worker), with progress on the event stream. */
export const OPERATION_KINDS = ['rollback-preview', 'rollback', 'restore', 'snapshot', 'verify', 'trials'] as const;
export const operationViewSchema = z.object({
  operationId: z.string(),
  kind: z.enum(OPERATION_KINDS),
  /** What it works on, for people: "run 12", "snapshot 2026…". */
  target: z.string(),
  /** The run a rollback (or its dry run) works on, so a run's page can tie the operation to it; null for the others. */
  runId: z.number().int().nullable(),
  operator: z.string().nullable(),
  /** `stopped`: ended by a stop or a shutdown (INTERRUPTED), not a fault; the trial job says the same. */
  status: z.enum(['running', 'done', 'failed', 'stopped']),
  phase: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type OperationView = z.infer<typeof operationViewSchema>;
export type OperationEvent = { type: 'operation-started' | 'operation-progress' | 'operation-finished'; operation: OperationView };
/** Everything on the console's one event stream: run progress and long operations. */
export type ConsoleEvent = RunEvent | OperationEvent;
export function isOperationEvent(event: ConsoleEvent): event is OperationEvent {
  return event.type.startsWith('operation-');
}

/**
 * `gatehouse validate --batch` over the API: lines as the CLI reads them ({"history": [...],
 * "current": {...}}, with "id", "task", "sensitivity"), judged under the database's sensitivity in
 * force. Bounded as an upload is (HTTP refuses a body past 1 MB first); longer batches are the CLI's.
 */
export const MAX_VALIDATION_BATCH_LINES = 10_000;
export const validationBatchInputSchema = z.object({
  lines: z
    .array(z.string())
    .min(1)
    .max(MAX_VALIDATION_BATCH_LINES)
    .refine((lines) => lines.reduce((total, line) => total + line.length, 0) <= MAX_UPLOAD_BYTES, `must hold at most ${MAX_UPLOAD_BYTES.toLocaleString('en-US')} characters in all (longer batches: gatehouse validate --batch)`),
  /** The task a line that names none is judged for (`--task`): its sensitivity in force. */
  task: sensitivityTaskInputSchema.shape.task.optional(),
});
/** One answer per line, in order: a verdict, or {"id"?, "error": {"code", "message"}} naming the line. */
export const validationBatchSchema = z.object({ answers: z.array(z.record(z.string(), z.unknown())) });

export const API_METHODS = {
  'runs.list': { input: runsListInputSchema, output: z.array(runListRowSchema) },
  'runs.get': { input: z.object({ runId }), output: runDetailSchema },
  'runs.active': { input: noInput, output: z.array(activeRunSchema) },
  /** Every task name the Runs list can filter by: a scheduled task's, or one a stored run carried (a task since deleted or renamed too). */
  'runs.tasks': { input: noInput, output: z.array(z.string()) },
  /** Rollbacks, restores, snapshots and trials in progress (their events stream beside the runs'). */
  'operations.active': { input: noInput, output: z.array(operationViewSchema) },
  'session.get': { input: noInput, output: callerViewSchema },
  /** A browser session names itself once; every audit row it writes carries that name. */
  'session.name': { input: z.object({ name: operatorNameSchema }), output: callerViewSchema },
  'runs.sourceDefaults': { input: noInput, output: sourceDefaultsSchema },
  /** Keeps an uploaded record file beside the database and answers with its `file:` source. */
  'sources.upload': { input: sourceUploadInputSchema, output: sourceUploadSchema },
  'runs.start': { input: startRunInputSchema, output: z.object({ runId }) },
  'runs.cancel': { input: z.object({ runId }), output: z.object({ cancelled: z.boolean() }) },
  'runs.resume': { input: runsResumeInputSchema, output: z.object({ runId }) },
  'quarantine.list': { input: quarantineListInputSchema, output: z.array(quarantineEntrySchema) },
  /** The newest finished runs, drawn oldest first; `after` is the lowest run id of the previous page (older runs). */
  'history.metrics': {
    input: z.object({ limit: limit(2_000, 400), after, task: taskNameSchema.nullable().optional() }).default({ limit: 400 }),
    output: z.array(historyPointSchema),
  },
  /** The validator's expected band per run and metric, each run judged against the runs before it. */
  'history.bands': { input: z.object({ limit: limit(2_000, 400) }).default({ limit: 400 }), output: z.array(runBandsSchema) },
  /** Flag changes, rollouts, rollbacks, restores and reviews, as markers on the History charts. */
  'history.annotations': { input: historyAnnotationsInputSchema, output: historyAnnotationsSchema },
  'anomalies.list': { input: anomaliesListInputSchema, output: z.array(anomalousRunSchema) },
  /** How many anomalies are open, whenever they ran: what anomalies.list with `open` lists, and the Overview's count. */
  'anomalies.openCount': { input: noInput, output: z.number().int().nonnegative() },
  'anomalies.mark': { input: anomaliesMarkInputSchema, output: runReviewSchema },
  /** Marks many anomalous runs with one reason in one transaction; one audit row per run. */
  'anomalies.markMany': { input: anomaliesMarkManyInputSchema, output: reviewBatchSchema },
  /** Undo of marks (by review id): each run goes back to its earlier review state, audited too. */
  'anomalies.undoMarks': { input: anomaliesUndoMarksInputSchema, output: reviewBatchSchema },
  /** Lets a run held by BLOCK_ON_ANOMALY stand; the other way out is rollback.apply. */
  'runs.accept': { input: runsAcceptInputSchema, output: runsAcceptOutputSchema },
  /** Every known task (scheduled, or carried by a stored run) with its sensitivity settings in force. */
  /** Judges runs against the history each line gives, as `gatehouse validate --batch --db` does; stores nothing. */
  'validation.batch': { input: validationBatchInputSchema, output: validationBatchSchema },
  'sensitivity.tasks': { input: noInput, output: z.array(sensitivityStateSchema) },
  /** A task's sensitivity settings in force (issue 10 item 7): its latest saved version, or the defaults. */
  'sensitivity.get': { input: sensitivityTaskInputSchema, output: sensitivityStateSchema },
  /** What new settings would have done to the task's stored runs and the stored trial cases, beside those in force; saves nothing. */
  'sensitivity.whatIf': { input: sensitivityWhatIfInputSchema, output: sensitivityWhatIfSchema },
  /** Saves the task's settings as a new version, with the caller and the reason (audited like flags). */
  'sensitivity.save': { input: sensitivitySaveInputSchema, output: sensitivityVersionSchema },
  /** Saved versions, newest first: the audit trail of the settings. */
  'sensitivity.history': { input: sensitivityHistoryInputSchema, output: z.array(sensitivityVersionSchema) },
  'trials.kinds': { input: noInput, output: trialKindsSchema },
  /** Starts trials on a staging copy in the background; poll trials.job for progress. */
  'trials.run': { input: trialsRunInputSchema, output: trialJobSchema },
  /** A trial job by id; without one, the latest (null when none ran since the console started). */
  'trials.job': { input: z.object({ jobId: z.string().trim().min(1).max(100).optional() }).default({}), output: trialJobSchema.nullable() },
  'trials.list': { input: trialsListInputSchema, output: trialsListOutputSchema },
  /** The staging ledger's rates; with `task`, only the trials judged as it (as `gatehouse report trial --task`). */
  'trials.summary': { input: trialsSummaryInputSchema, output: trialsSummaryOutputSchema },
  'reports.trial': { input: reportsTrialInputSchema, output: reportTextSchema },
  'overview.get': { input: z.object({ windowDays: z.number().int().min(1).max(365).default(30) }).default({ windowDays: 30 }), output: overviewSchema },
  'settings.get': { input: noInput, output: settingsSchema },
  'settings.testConnection': { input: z.object({ location: z.string().trim().min(1).max(2_000) }), output: databaseInfoSchema },
  'settings.preferences': { input: noInput, output: preferencesSchema },
  /** null clears it. Slack and Discord URLs get their own payload shape. */
  'settings.saveWebhook': { input: z.object({ url: z.string().trim().min(1).max(2_000).nullable() }), output: preferencesSchema },
  'settings.saveCongressKey': { input: z.object({ apiKey: z.string().trim().min(1).max(200).nullable() }), output: preferencesSchema },
  /** A postgres:// URL (its password goes to the keychain) or null for the embedded file; used from the next start. */
  'settings.saveDatabase': { input: z.object({ location: z.string().trim().min(1).max(2_000).nullable() }), output: preferencesSchema },
  'flags.list': { input: flagsListInputSchema, output: z.array(flagViewSchema) },
  'flags.set': { input: flagSetInputSchema, output: flagEventSchema },
  'flags.unset': { input: flagUnsetInputSchema, output: flagEventSchema },
  'flags.history': { input: flagHistoryInputSchema, output: z.array(flagEventSchema) },
  'flags.revert': { input: flagRevertInputSchema, output: flagEventSchema },
  'canary.report': { input: z.object({ task: taskNameSchema, since: z.string().trim().min(1).max(40).optional() }), output: canaryReportSchema },
  'tasks.list': { input: noInput, output: z.array(taskViewSchema) },
  /** One task as tasks.list gives it (`gatehouse tasks show`); an unknown name is NOT_FOUND. */
  'tasks.get': { input: taskNameInputSchema, output: taskViewSchema },
  'tasks.add': { input: taskAddInputSchema, output: taskViewSchema },
  'tasks.edit': { input: taskEditInputSchema, output: taskViewSchema },
  /** Who added and changed tasks (or one task), newest first; `after`: the id of the last event of the previous page. An unknown task is NOT_FOUND. */
  'tasks.history': { input: taskHistoryInputSchema, output: z.array(taskEventViewSchema) },
  /** Starts the task now through the engine host, with its task-scoped flags. */
  'tasks.run': { input: taskNameInputSchema, output: taskRunStartedSchema },
  'notify.test': { input: noInput, output: notifyResultSchema },
  'backups.list': { input: noInput, output: backupsListSchema },
  'backups.create': { input: backupsCreateInputSchema, output: snapshotSchema },
  'backups.verify': { input: backupsVerifyInputSchema, output: z.array(snapshotCheckSchema) },
  /** Retention on request: a dry run (the default) lists what would go; otherwise it deletes them. */
  'backups.prune': { input: backupsPruneInputSchema, output: backupsPruneReportSchema },
  'backups.restore': { input: restoreInputSchema, output: restoreReportSchema },
  /** Deletes one chosen snapshot, audited (an attempt with operator and reason); the last restorable one only with force. */
  'backups.delete': { input: backupsDeleteInputSchema, output: backupsDeleteReportSchema },
  /** The restores done to this database, newest first: part of the audit, kept through every restore. */
  'backups.restores': { input: restoresListInputSchema, output: z.array(restoreEventSchema) },
  /** Rollbacks, restores and snapshot deletions as they started and ended, newest first; `unfinished` when its process died part-way and what it did cannot be told (a prune, a trial session). */
  'backups.attempts': { input: writerAttemptsInputSchema, output: z.array(writerAttemptSchema) },
  'rollback.preview': { input: rollbackPreviewInputSchema, output: rollbackReportSchema },
  'rollback.apply': { input: rollbackApplyInputSchema, output: rollbackReportSchema },
  'rollback.events': { input: rollbackEventsInputSchema, output: z.array(rollbackEventSchema) },
  'rollouts.list': { input: rolloutsListInputSchema, output: z.array(rolloutViewSchema) },
  /** One rollout with its ledger and its guardrails now; without an id, the newest (null when none was started). */
  'rollouts.get': { input: rolloutsGetInputSchema, output: rolloutDetailSchema.nullable() },
  'rollouts.start': { input: rolloutStartInputSchema, output: rolloutDetailSchema },
  'rollouts.decide': { input: rolloutDecideInputSchema, output: rolloutDetailSchema },
  'rollouts.pause': { input: rolloutActInputSchema, output: rolloutDetailSchema },
  'rollouts.abort': { input: rolloutActInputSchema, output: rolloutDetailSchema },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export type ApiMethod = keyof typeof API_METHODS;
export const API_METHOD_NAMES = Object.keys(API_METHODS) as ApiMethod[];
/** What a caller may send (defaults still missing). */
export type ApiInput<M extends ApiMethod> = z.input<(typeof API_METHODS)[M]['input']>;
/** What a handler receives after parsing (defaults filled in). */
export type ApiParsedInput<M extends ApiMethod> = z.output<(typeof API_METHODS)[M]['input']>;
export type ApiOutput<M extends ApiMethod> = z.output<(typeof API_METHODS)[M]['output']>;

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(API_METHODS, name);
}

/** Only `message` survives Electron's invoke, so errors travel inside the result (STYLE.md). */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export const errorPayloadSchema = z.object({ code: z.enum(ERROR_CODES), message: z.string(), hint: z.string().optional() });
export const apiResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorPayloadSchema }),
]);

/** The server side: one async handler per method, receiving parsed input and who called. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiParsedInput<M>, caller: ApiCaller) => Promise<ApiOutput<M>> };

/**
 * What the preload exposes as `window.gatehouse`: one named function per method, plus the event
 * stream. The preload's object is declared `satisfies GatehouseBridge`.
 */
export type GatehouseBridge = { [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiResult<ApiOutput<M>>> } & {
  onRunEvent(listener: (event: RunEvent) => void): () => void;
  onOperationEvent(listener: (event: OperationEvent) => void): () => void;
  /** The desktop's file picker for a record file: its `file:` source, or null when cancelled. */
  pickRecordFile(): Promise<ApiResult<string | null>>;
};

/** The IPC channel of a method, and the one channel run and operation events arrive on. */
export const IPC_CHANNEL_PREFIX = 'gatehouse:';
export const RUN_EVENT_CHANNEL = 'gatehouse:run-event';
export const PICK_RECORD_FILE_CHANNEL = 'gatehouse:pick-record-file';
export function ipcChannelOf(method: ApiMethod): string {
  return `${IPC_CHANNEL_PREFIX}${method}`;
}

export type { RunEvent };
