import * as z from 'zod';
import { counted, formatCount } from './plural.js';
import { validationResultSchema } from './validation.js';

export const RUN_STATUSES = ['running', 'success', 'partial', 'failed', 'rolled_back', 'interrupted', 'held'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_MODES = ['batch', 'all-or-nothing'] as const;
export type RunMode = (typeof RUN_MODES)[number];
export const BATCH_STATUSES = ['committed', 'isolated', 'failed', 'rolled_back'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const MIN_BATCH_SIZE = 1;
export const MAX_BATCH_SIZE = 10_000;
export const DEFAULT_BATCH_SIZE = 50;
/** How large ADAPTIVE_BATCHES lets a batch grow: past a few thousand, a commit costs next to nothing more. */
export const DEFAULT_BATCH_CEILING = 5_000;

/**
 * A batch's number as a request names it: batch numbers are INTEGER columns, so a larger one is
 * refused here as bad input rather than by PostgreSQL as an out-of-range value (a 500).
 */
export const MAX_BATCH_SEQ = 2_147_483_647;
export const batchSeqSchema = z.number().int().nonnegative().max(MAX_BATCH_SEQ, `no batch is numbered above ${MAX_BATCH_SEQ}`);
/**
 * The one rule for a batch size, wherever one is given (CLI, API, console form, engine). No message
 * of its own: every surface states it in the words ruleOf/ruleFor give ("must be a whole number from
 * 1 to 10000"), after its own name for the field (`--batch-size`, `batchSize`, Batch size).
 */
export const batchSizeSchema = z.number().int().min(MIN_BATCH_SIZE).max(MAX_BATCH_SIZE);

/**
 * DESIGN §3: one object, used everywhere a run is described. More keys are allowed: every summary
 * also carries `rolledBack`, `fetchErrors` and `duplicates` (0 when none). Whatever the status,
 * fetched = added + updated + unchanged + quarantined + rolledBack, where `rolledBack` is non-zero
 * only in a rolled-back all-or-nothing run (the changes it undid; added and updated are then 0),
 * and duplicates and fetchErrors are parts of quarantined (test run-accounting).
 */
export const runMetricsSchema = z
  .object({
    fetched: z.number().int().nonnegative(),
    added: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    quarantined: z.number().int().nonnegative(),
    durationMs: z.number().int().nonnegative(),
    // In the order a run writes them (finalMetrics): a summary read back through this schema keeps its key order.
    fetchErrors: z.number().int().nonnegative().optional(),
    duplicates: z.number().int().nonnegative().optional(),
    rolledBack: z.number().int().nonnegative().optional(),
  })
  // Any other key is a count or a duration too (a harness's `inserted`, `p95Ms`): none is below 0.
  // `validate --batch` extends this very schema, so a line and a stored summary answer to one rule.
  .catchall(z.number().nonnegative());
export type RunMetrics = z.infer<typeof runMetricsSchema>;

/**
 * The status a finished run earned — the one rule wherever a status is worked out again (a held run
 * accepted, a run rolled back later seen as it ran, a trial's outcome), so none turns a partial run
 * back into a success. Its reasons are statusJudgement's.
 */
export function statusEarned(run: JudgedRun): 'success' | 'partial' | 'failed' {
  return statusJudgement(run).status;
}

type JudgedRun = Pick<RunSummary, 'metrics' | 'sourceWarnings' | 'reconciliation'> & Partial<Pick<RunSummary, 'batches'>>;

/**
 * Why a run is not plain `success`, as one reason of statusJudgement's: a stable `code` for scripts,
 * and a `message` of a few words that the CLI's runs table, the API and the console all show alike.
 */
export const statusReasonSchema = z.object({
  code: z.enum(['ALL_QUARANTINED', 'QUARANTINED', 'LISTING_INCOMPLETE', 'RECONCILIATION_FAILED']),
  message: z.string(),
});
export type StatusReason = z.infer<typeof statusReasonSchema>;

/**
 * The status a finished run earned, with every reason it is not `success`. From its counts: `failed`
 * when it read records and quarantined every one, `partial` when it quarantined some (exit 3: records
 * quarantined, the rest stored). And from what no count shows: a run whose source may have missed
 * meetings (`listingIncomplete`) or whose reconciliation after its last batch failed is `partial` too.
 * A batch the database refused whole whose records were each then written by isolation (a failure no
 * record owned) quarantines nothing: the run is a success, the batch row `isolated` with the error.
 * While a run goes, only its counts are known: the engine passes its metrics alone, and judges again
 * at its end with the rest. `batches`, where given, only add to what a reason says.
 */
export function statusJudgement(run: JudgedRun): { status: 'success' | 'partial' | 'failed'; reasons: StatusReason[] } {
  const { metrics } = run;
  if (metrics.fetched > 0 && metrics.quarantined === metrics.fetched) {
    return { status: 'failed', reasons: [{ code: 'ALL_QUARANTINED', message: allQuarantinedWords(metrics.fetched) }] };
  }
  const reasons: StatusReason[] = [];
  if (metrics.quarantined > 0) reasons.push({ code: 'QUARANTINED', message: quarantinedWords(metrics, run.batches) });
  // The words the console's runs list said beside a partial badge before every reason was given.
  if (listingIncomplete(run.sourceWarnings)) reasons.push({ code: 'LISTING_INCOMPLETE', message: 'listing incomplete, meetings may be missing' });
  if (run.reconciliation?.ok === false) {
    const failed = run.reconciliation.checks.filter((check) => !check.ok).map((check) => check.name);
    reasons.push({ code: 'RECONCILIATION_FAILED', message: `reconciliation after the last batch failed${failed.length > 0 ? ` (${failed.join(', ')})` : ''}` });
  }
  return { status: reasons.length > 0 ? 'partial' : 'success', reasons };
}

/** "all 12 records read were quarantined": why a run that stored nothing failed, in its reason and its error alike. */
export function allQuarantinedWords(fetched: number): string {
  return fetched === 1 ? 'the one record read was quarantined' : `all ${formatCount(fetched)} records read were quarantined`;
}

/** "3 of 120 records quarantined (1 duplicate, 1 not fetched), 1 of 3 batches failed" */
function quarantinedWords(metrics: RunMetrics, batches: BatchCounts | undefined): string {
  const parts = [
    ...(metrics.duplicates ? [counted(metrics.duplicates, 'duplicate')] : []),
    ...(metrics.fetchErrors ? [`${formatCount(metrics.fetchErrors)} not fetched`] : []),
  ];
  const failedBatches = batches?.failed ? `, ${formatCount(batches.failed)} of ${counted(batches.total, 'batch', 'batches')} failed` : '';
  return `${formatCount(metrics.quarantined)} of ${counted(metrics.fetched, 'record')} quarantined${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${failedBatches}`;
}

/**
 * Why a run has the status it shows, where statusJudgement set it: a partial run (and a held one
 * that earned partial: accepting it gives partial back), a run failed for quarantining every record.
 * None for a success, and none for a status the judgement did not set — a run interrupted, rolled
 * back, or failed for an error, whose `error` says why — nor for one recorded before what it judges
 * was kept.
 */
export function statusReasons(run: Pick<RunSummary, 'status' | 'processGone'> & JudgedRun): StatusReason[] {
  const { status, reasons } = statusJudgement(run);
  const shown = effectiveStatus(run);
  return shown === status || (shown === 'held' && status === 'partial') ? reasons : [];
}

/** The reasons in one line, as the CLI's runs table and the console's runs lists show them; null (a dash) for none. */
export function reasonsText(reasons: readonly StatusReason[]): string | null {
  return reasons.length === 0 ? null : reasons.map((reason) => reason.message).join('; ');
}

/** A run as `runs.list` answers it, with its statusReasons last. */
export function withStatusReasons<Run extends RunSummary>(run: Run): Run & { statusReasons: StatusReason[] } {
  return { ...run, statusReasons: statusReasons(run) };
}

/** The records a run accounts for (DESIGN §4): added + updated + unchanged + quarantined, and the changes a rolled-back all-or-nothing run undid. */
export function recordsAccounted(metrics: RunMetrics): number {
  return metrics.added + metrics.updated + metrics.unchanged + metrics.quarantined + (metrics.rolledBack ?? 0);
}

export function emptyMetrics(): RunMetrics {
  return { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0 };
}

export const batchCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  isolated: z.number().int().nonnegative(),
  /**
   * Batches support rolled back after the run committed them, no longer counted as succeeded or
   * isolated: total = succeeded + failed + isolated + rolledBack. Absent until one is.
   */
  rolledBack: z.number().int().nonnegative().optional(),
});
export type BatchCounts = z.infer<typeof batchCountsSchema>;

export function emptyBatchCounts(): BatchCounts {
  return { total: 0, succeeded: 0, failed: 0, isolated: 0 };
}

/**
 * How the database was checked before the run wrote (issue 13 #5) without reading the whole file
 * every run: a full check (SQLite quick_check, or the integrity_check of the snapshot's copy) when a
 * snapshot is taken, when asked for, or when the file is not as Gatehouse's last verified run left
 * it; otherwise skipped, with the reason.
 */
export const integrityCheckSchema = z.object({
  check: z.enum(['full', 'skipped']),
  reason: z.string(),
});
export type IntegrityCheck = z.infer<typeof integrityCheckSchema>;

/**
 * Whether a snapshot was taken before the run, and why (issue 12 #6): snapshots follow a policy,
 * not every run; a run without one is reversible through the undo journal.
 */
export const snapshotDecisionSchema = z.object({
  taken: z.boolean(),
  reason: z.string(),
  /** How the database itself was checked before the run wrote; absent on runs before it was recorded. */
  integrity: integrityCheckSchema.optional(),
});
export type SnapshotDecision = z.infer<typeof snapshotDecisionSchema>;

/** One set-based check of what a run wrote, after its last batch (DESIGN §2 step 6). */
export const reconciliationCheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});
export const reconciliationSchema = z.object({
  ok: z.boolean(),
  checks: z.array(reconciliationCheckSchema),
  problems: z.array(z.string()),
});
export type Reconciliation = z.infer<typeof reconciliationSchema>;
export type ReconciliationCheck = z.infer<typeof reconciliationCheckSchema>;

/**
 * What a run saw of its `file:` source when it started, so `--resume` — which skips items by
 * position — can refuse a file that changed under it (DESIGN §4: a resumed run reaches the same
 * result). `sampleSha256` hashes the first and last 64 KiB only (the whole file when it is smaller);
 * `contentSha256` every byte, so a same-size edit of the middle with its modified time put back is
 * seen too (absent on runs recorded before it was).
 */
export const sourceFingerprintSchema = z.object({
  size: z.number().int(),
  modifiedAt: z.string(),
  sampleSha256: z.string(),
  contentSha256: z.string().optional(),
});
export type SourceFingerprint = z.infer<typeof sourceFingerprintSchema>;

/**
 * The updateDate window a source re-listed by design (congress) listed when the run started, ISO
 * 8601 instants, and the Congresses it lists (`congress` the latest; `congresses` all, oldest first,
 * recorded since a window across 3 January of an odd year lists two): recorded on the run so a
 * resume lists the same window, not one computed from the clock at the resume (a day later, another
 * window, perhaps of a new Congress), of the same Congresses.
 */
export const sourceWindowSchema = z.object({
  from: z.string(),
  to: z.string(),
  congress: z.number().int().nullable().optional(),
  congresses: z.array(z.number().int()).optional(),
});
export type SourceWindow = z.infer<typeof sourceWindowSchema>;

/**
 * A kill (flag scope `kill`) that reached the run while it was going (main/flags/mid-run-kills.ts):
 * the run's `flags` stay the flags it started with, and each of these says where a kill changed one.
 * `at`: the batch boundary (`batch`, the batch it applies from) or the end of the run (`end`, where
 * validation, the hold and notifications are decided). `applied` false: the run was past the point
 * where the flag matters (ENABLE_BATCH_PROCESSING and ENABLE_SNAPSHOTS: always), so the kill acts
 * from the next run; `effect` says which, in words.
 */
export const runFlagChangeSchema = z.object({
  flag: z.string(),
  value: z.union([z.boolean(), z.number(), z.string()]),
  killedBy: z.string(),
  killedAt: z.string(),
  /** Why support flipped the kill switch, from its flag event; absent on runs recorded before it was kept. */
  reason: z.string().nullable().optional(),
  at: z.enum(['batch', 'end']),
  batch: z.number().int().nullable(),
  applied: z.boolean(),
  effect: z.string(),
  /**
   * The scope the flag was set on: HALT_UPDATES stops a run from any scope (`global`, `task:NAME`,
   * `kill`), so its change says which; absent on a kill of any other flag (scope `kill`).
   */
  scope: z.string().optional(),
});
export type RunFlagChange = z.infer<typeof runFlagChangeSchema>;

/**
 * What stopped a run short (`interrupted`), as data, so no reader parses its `error` (which says the
 * same to people, and may be worded anew): `halt`, HALT_UPDATES in force at `scope`, set by `by` at
 * `at` with its `reason` (main/flags/halt.ts); `request`, a stop someone asked of it — the
 * console's Stop, a signal to the command, the scheduler shutting down —, `by` naming them as the
 * reason does ("by SIGTERM to gatehouse update (pid 41)"); `fault`, neither a record's nor anyone's
 * wish: its `source` failed, its `database` stayed unreachable or busy past the retries, it lost its
 * `writer-lock`, or its `environment` failed (a full disk, a part of the store gone); `process-gone`,
 * its process ended without saying (killed, crashed) and the next writer marked it.
 */
export const runStopSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('halt'), scope: z.string(), by: z.string(), at: z.string(), reason: z.string().nullable() }),
  z.object({ kind: z.literal('request'), by: z.string() }),
  z.object({ kind: z.literal('fault'), fault: z.enum(['source', 'database', 'writer-lock', 'environment']) }),
  z.object({ kind: z.literal('process-gone') }),
]);
export type RunStop = z.infer<typeof runStopSchema>;

/** The status a run is in: one whose process is gone (processGone) is interrupted, though stored `running`. */
export function effectiveStatus(run: Pick<RunSummary, 'status' | 'processGone'>): RunStatus {
  return run.processGone ? 'interrupted' : run.status;
}

/** The status as shown: a run whose process is gone (processGone) is what it is, not `running`. */
export function shownStatus(run: Pick<RunSummary, 'status' | 'processGone'>): string {
  if (!run.processGone) return run.status;
  const { pid, host, writerLockFree } = run.processGone;
  return writerLockFree ? `interrupted (not yet marked: its process ${pid} on ${host} no longer holds the writer lock)` : `interrupted (not yet marked: its process ${pid} is gone)`;
}

/** One line per change, as `gatehouse update` and the console's run detail both say it. */
export function flagChangeLine(change: RunFlagChange): string {
  const where = change.at === 'end' ? 'at the end of the run' : change.batch === null ? 'before it committed' : `before batch ${change.batch}`;
  const why = change.reason ? `; reason: ${change.reason}` : '';
  const who = change.scope === undefined || change.scope === 'kill' ? 'killed' : `set on scope ${change.scope}`;
  return `${change.flag} ${who} by ${change.killedBy} (${change.killedAt}${why}), reached the run ${where}: ${change.applied ? '' : 'not for this run: '}${change.effect}`;
}

/**
 * Something the source noticed while it was read that an operator should hear of though no record
 * was lost to it — Congress.gov's pagination disagreeing with itself: a `next` link past its count, a
 * listing that shrank and was read again, a page listing only meetings already listed, a listing that
 * moved under its pages and was read again from its start (`LISTING_MOVED`, which also says when it
 * was still moving on the last pass, and meetings may be missing). `count`: how
 * many times (pages, chamber listings, meetings, as `message` says). The log has each occasion.
 * `windowCovered` false: meetings may be missing from what the run listed (a listing still moving on
 * its last pass), so the run's window does not count as covered for a task's catch-up
 * (`listingIncomplete`); absent on every other warning.
 */
export const sourceWarningSchema = z.object({
  code: z.enum(['NEXT_PAST_COUNT', 'PAGES_READ_AGAIN', 'REPEATED_PAGES', 'LISTED_TWICE', 'LISTING_MOVED']),
  count: z.number().int().positive(),
  message: z.string(),
  windowCovered: z.literal(false).optional(),
  /**
   * Which listings were still moving on the last pass over their pages, and of how many passes: why
   * `windowCovered` is false (`stillMovingWords`), so no reader parses `message`. Absent on every
   * other warning, and on those stored before it was kept.
   */
  stillMovingOnLastPass: z.object({ passes: z.number().int().positive(), listings: z.array(z.string()).min(1) }).optional(),
});
export type SourceWarning = z.infer<typeof sourceWarningSchema>;
export type StillMovingOnLastPass = NonNullable<SourceWarning['stillMovingOnLastPass']>;

/** How a listing still moving on its last pass is said, in the warning's message and the run's reason alike. */
export function stillMovingWords(still: StillMovingOnLastPass): string {
  return `was still moving on the last of ${still.passes} passes over ${still.listings.join(', ')}`;
}

/** The warning saying the source may have missed meetings in the run's window (`windowCovered` false), or undefined. */
export function listingIncomplete(warnings: readonly SourceWarning[] | undefined): SourceWarning | undefined {
  return warnings?.find((warning) => warning.windowCovered === false);
}

/** The `--json` output of `gatehouse update`, and the run as the API returns it. */
export const runSummarySchema = z.object({
  runId: z.number().int(),
  status: z.enum(RUN_STATUSES),
  mode: z.enum(RUN_MODES),
  batchSize: z.number().int(),
  task: z.string().nullable().optional(),
  source: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  metrics: runMetricsSchema,
  batches: batchCountsSchema,
  validation: validationResultSchema.nullable(),
  flags: z.record(z.string(), z.unknown()).optional(),
  error: z.string().nullable().optional(),
  /**
   * The run this one continued: a resume (`update --resume`, `tasks run`, the scheduler, the console)
   * goes on under the same run id, so a resumed run names itself here; null for a run never resumed.
   */
  resumedFrom: z.number().int().nullable().optional(),
  backupId: z.string().nullable().optional(),
  snapshot: snapshotDecisionSchema.nullable().optional(),
  reconciliation: reconciliationSchema.nullable().optional(),
  /** Null for a source that is not a file, and for runs recorded before fingerprints were (they resume unchecked). */
  sourceFingerprint: sourceFingerprintSchema.nullable().optional(),
  /** Null for a source that is not re-listed by design, and for runs recorded before windows were (a congress one cannot be resumed). */
  sourceWindow: sourceWindowSchema.nullable().optional(),
  /** Kills that reached the run while it was going, in the order it met them; `flags` stay the flags at its start. */
  flagChanges: z.array(runFlagChangeSchema).optional(),
  /**
   * Who started the run (migration 036): the operator of `update`/`tasks run --operator` (the OS user
   * by default), the console's signed-in name, or `the scheduler (task NAME)` for a scheduled run.
   * Null for runs recorded before it was kept.
   */
  startedBy: z.string().nullable().optional(),
  /**
   * What the source noticed while this run (each segment of a resumed one in turn) read it: absent
   * when nothing, so a clean run reads back key for key as `gatehouse update` printed it. Kept with
   * the run (migration 034): `runs show`, the API's run detail and the console show it later.
   */
  sourceWarnings: z.array(sourceWarningSchema).optional(),
  /**
   * What stopped the run short (RunStop), kept with it (migration 040): present on an interrupted
   * run only, and absent on one stored before it was kept, whose `error` alone says.
   */
  stop: runStopSchema.optional(),
  /**
   * Computed as the run is read, never stored: a run stored `running` whose process is gone from
   * this host (killed, crashed), or one that no longer holds the writer lock (`writerLockFree`: a
   * process on another host that died, whose PostgreSQL session ended with it). It is interrupted,
   * but stays `running` in the store until the next writer takes over the lock and marks it so;
   * readers write nothing.
   */
  processGone: z.object({ pid: z.number().int(), host: z.string(), writerLockFree: z.literal(true).optional() }).optional(),
  /**
   * Set, never stored, on the summary of a run that stopped because its database failed under it
   * (unreachable past the retries, its writer lock lost with its session, its disk refusing writes):
   * neither a record's fault nor the source's, so the scheduler does not count it as the task failing.
   */
  databaseFault: z.literal(true).optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** One row of `runs.list` (`gatehouse runs list --json`): the run, and why it has its status (statusReasons), last. */
export const runListRowSchema = runSummarySchema.extend({ statusReasons: z.array(statusReasonSchema) });
export type RunListRow = z.infer<typeof runListRowSchema>;

export const batchRecordSchema = z.object({
  runId: z.number().int(),
  seq: z.number().int(),
  status: z.enum(BATCH_STATUSES),
  planned: z.number().int(),
  written: z.number().int(),
  added: z.number().int(),
  updated: z.number().int(),
  quarantined: z.number().int(),
  retries: z.number().int(),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  firstPosition: z.number().int(),
  lastPosition: z.number().int(),
  finishedAt: z.string(),
});
export type BatchRecord = z.infer<typeof batchRecordSchema>;

/**
 * What a running run sits waiting for, so the console can say it rather than look hung: a source
 * that sits out a server's Retry-After, or backs off after a failed request, before it asks again.
 */
export const runWaitSchema = z.object({
  /** Who the run waits on, as people name it: `Congress.gov`. */
  on: z.string(),
  /** When the wait ends (ISO 8601). */
  until: z.string(),
  /** `asked`: the server's Retry-After set the wait; `backoff`: the source's own pause between attempts; `quota`: the hourly request quota is spent. */
  reason: z.enum(['asked', 'backoff', 'quota']),
  /** What the last attempt got, in a few words: `HTTP 503`, `a timeout`, `a network error`. */
  cause: z.string(),
});
export type RunWait = z.infer<typeof runWaitSchema>;

/** How the console words a wait: "waiting on Congress.gov until 16:42:10 — it asked (HTTP 503)". */
export function describeRunWait(wait: RunWait, formatTime: (iso: string) => string): string {
  const why = wait.reason === 'asked' ? `it asked (${wait.cause})` : wait.reason === 'quota' ? `the hourly quota is spent (${wait.cause})` : `backing off after ${wait.cause}`;
  return `waiting on ${wait.on} until ${formatTime(wait.until)} — ${why}`;
}

/** Progress events: the engine emits them, the CLI draws a bar, the console streams them. */
export type RunEvent =
  /** `afterResumeOf`: the console's new run of a task that follows at once the resume of its run (that run's id), which covered its window. */
  | { type: 'run-started'; runId: number; mode: RunMode; batchSize: number; expectedRecords: number | null; afterResumeOf?: number }
  | { type: 'batch-finished'; runId: number; batch: BatchRecord; metrics: RunMetrics }
  | { type: 'progress'; runId: number; metrics: RunMetrics; elapsedMs: number }
  | { type: 'run-finished'; runId: number; summary: RunSummary }
  /** The run started waiting (`wait`) or stopped waiting (`null`, the run moved on). */
  | { type: 'waiting'; runId: number; wait: RunWait | null }
  | { type: 'warning'; runId: number | null; message: string; cause?: undefined }
  /** A rollout a run's check paused (a guardrail's breach, or a change outside it held): the console notifies it, throttled per rollout. */
  | { type: 'warning'; runId: number | null; message: string; cause: 'rollout-breach' | 'rollout-held'; rolloutId: number }
  /** A task's run cannot list every day since its last covering run (`level` error), or cannot tell (`warning`). */
  | { type: 'warning'; runId: number | null; message: string; cause: 'coverage-gap'; task: string; level: 'warning' | 'error' }
  /** A task's Run resumed its run `runId`, and the new run meant to follow it could not start (`error`: why); kept with that run too (runs.get's taskResume). */
  | { type: 'warning'; runId: number; message: string; cause: 'follow-up-failed'; task: string; error: string };
