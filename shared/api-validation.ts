/**
 * Schemas of the validation side of the API (issue 5 in the console): the validator's expected
 * bands, anomalies and operator feedback, held runs, staging trials and their report. The shapes
 * mirror what main/validation, main/trials and main/reports return.
 */
import * as z from 'zod';
import { ERROR_CODES } from './errors.js';
import { counted } from './plural.js';
import { RUN_STATUSES } from './run.js';
import { taskNameSchema } from './task-name.js';
import { reasonSchema as reason } from './text-rules.js';
import { ANOMALY_REVIEWS, anomalySchema, EXPECTED_REASON_KINDS } from './validation.js';

const runId = z.number().int().positive();
// No input carries an operator: who gave the feedback comes from the transport (ApiCaller in api.ts).
/** A SQLite file path, or a schema name on PostgreSQL; absent: the default beside the database. */
const staging = z.string().trim().min(1).max(1_000).nullable().optional();

export const metricBandSchema = z.object({ expected: z.number(), low: z.number(), high: z.number() });
export const runBandsSchema = z.object({
  runId,
  startedAt: z.string(),
  /** seasonal-robust-v1 draws a band; static-fallback (too little history) has none. */
  method: z.string(),
  bands: z.record(z.string(), metricBandSchema),
});
export type RunBandsView = z.infer<typeof runBandsSchema>;

export const runReviewSchema = z.object({
  id: z.number().int(),
  runId: z.number().int(),
  /** `reopened`: an undo took the run back to not reviewed. */
  action: z.enum(['expected', 'confirmed', 'accepted', 'reopened']),
  reasonKind: z.string().nullable(),
  reason: z.string(),
  operator: z.string(),
  at: z.string(),
});
export type RunReviewView = z.infer<typeof runReviewSchema>;

/**
 * One open anomaly: the runs of one change fold into one entry (issue 10 item 3). runId,
 * startedAt, status and anomalies are the run that raised it; a review applies to every run of it.
 */
export const anomalousRunSchema = z.object({
  runId,
  task: z.string().nullable(),
  status: z.enum(RUN_STATUSES),
  startedAt: z.string(),
  /** expected / confirmed once an operator marked it; null while open. */
  review: z.string().nullable(),
  anomalies: z.array(anomalySchema),
  /** The reviews of every run of the fold, oldest first. */
  reviews: z.array(runReviewSchema),
  /** How many runs the change has lasted (1 for a one-off anomaly), their ids oldest first, and the last of them. */
  runCount: z.number().int().positive(),
  runIds: z.array(runId),
  lastRunId: runId,
  lastStartedAt: z.string(),
  /**
   * The runs of the fold support rolled back whole (status rolled_back), oldest first, and the newest rollback event that did
   * it: who, when, why (null for a run that rolled itself back, all-or-nothing). null when none was. A rolled-back run no
   * longer waits for a review, but a rollback is not one: `review` stays as the operators left it.
   */
  rolledBack: z
    .object({ runIds: z.array(runId), eventId: z.number().int().nullable(), operator: z.string().nullable(), at: z.string().nullable(), reason: z.string().nullable() })
    .nullable(),
});
export type AnomalousRunView = z.infer<typeof anomalousRunSchema>;

/**
 * Whether a listed anomaly still waits for a review, as `anomalies list --open` and the open count decide: a run of it not
 * reviewed that still stands. A closed one has a review, unless support rolled back every run of it.
 */
export function anomalyIsOpen(anomaly: Pick<AnomalousRunView, 'review' | 'rolledBack' | 'runCount'>): boolean {
  return anomaly.review === null && (anomaly.rolledBack === null || anomaly.rolledBack.runIds.length < anomaly.runCount);
}

/** Newest first; `after` is the runId of the last entry of the previous page. */
export const anomaliesListInputSchema = z
  .object({ open: z.boolean().default(false), limit: z.number().int().min(1).max(500).default(100), after: runId.optional() })
  .default({ open: false, limit: 100 });
export const anomaliesMarkInputSchema = z.object({
  runId,
  as: z.enum(ANOMALY_REVIEWS),
  /** Required for `expected`: which pattern explains it. */
  reasonKind: z.enum(EXPECTED_REASON_KINDS).optional(),
  reason,
  /**
   * The id of the newest expected/confirmed/reopened review of the anomaly's runs when the operator
   * chose to mark it (null: none; the console: its dialog's entry). A review written since refuses
   * the mark with CONFLICT naming who reviewed it, how and when; absent: no check.
   */
  expectedReviewId: z.number().int().positive().nullable().optional(),
});
/** One reason for many runs: each still gets its own audit row (bulk review, issue 14). */
export const anomaliesMarkManyInputSchema = z.object({
  runIds: z.array(runId).min(1).max(500),
  as: z.enum(ANOMALY_REVIEWS),
  reasonKind: z.enum(EXPECTED_REASON_KINDS).optional(),
  reason,
  /**
   * Per run, the id of its anomaly's newest expected/confirmed/reopened review when the operator
   * chose to mark it (null: none), as anomalies.mark's expectedReviewId. A review written since on
   * any of them refuses the whole mark with CONFLICT naming every such run; a run not listed is not checked.
   */
  expectedReviews: z.array(z.object({ runId, latestReviewId: z.number().int().positive().nullable() })).max(500).optional(),
});
/** Undoes marks by their review ids: each run gets back the review state it had before that mark. */
export const anomaliesUndoMarksInputSchema = z.object({ reviewIds: z.array(z.number().int().positive()).min(1).max(500), reason });
export const reviewBatchSchema = z.object({ reviews: z.array(runReviewSchema) });
export const runsAcceptInputSchema = z.object({ runId, reason });
export const runsAcceptOutputSchema = z.object({ runId, status: z.enum(RUN_STATUSES), review: runReviewSchema });

export const TRIAL_LEVELS = ['run', 'record', 'control'] as const;
export const trialKindSchema = z.object({ kind: z.string(), level: z.enum(['run', 'record']), defaultMagnitude: z.number(), meaning: z.string() });
export const trialKindsSchema = z.object({
  kinds: z.array(trialKindSchema),
  /** Where trials go unless another target is given: a path, or `schema NAME`. */
  defaultStaging: z.string(),
  backend: z.enum(['sqlite', 'postgres']),
});
export type TrialKindsView = z.infer<typeof trialKindsSchema>;

export const trialResultSchema = z.object({
  label: z.string(),
  kind: z.string(),
  level: z.enum(TRIAL_LEVELS),
  magnitude: z.number().nullable(),
  runId: z.number().int().nullable(),
  caught: z.boolean(),
  /**
   * Injected: the alarms attributable to its kind that fired and were silent on the paired control
   * (`record-rules:CODE`, `validator:RULE`); control: every alarm it raised. Empty: nothing.
   */
  caughtBy: z.array(z.string()),
  /** The run's verdict; NOT_JUDGED when the run ended before any rule could judge it. */
  verdict: z.string().nullable(),
  detail: z.string().nullable(),
  /**
   * Why the trial was never judged — its run ended interrupted or failed (a source or database
   * fault, a stop) before a verdict, or its run-level injection left a clean run as it was and no run
   * was made (runId null) — in the words of its detail; null: judged. Such a trial is
   * counted apart, in neither the detection nor the false-positive rate: the validators were never
   * given a finished run, so it is no miss and no clean control.
   */
  notJudged: z.string().nullable(),
  /** The task the trial ran as, whose sensitivity judged it; null: no task, the default sensitivity (every trial before tasks could be named). */
  task: z.string().nullable(),
  /** That task's sensitivity version in force when the trial ran; null: the defaults (no task, or none saved for it). */
  sensitivityVersion: z.number().int().nullable(),
  /**
   * On which of the trial's runs (1-based day of its window) an alarm that counts first fired: the
   * detection delay of a level shift, held over several; null: none did (or, in a ledger row written
   * before windows were recorded, not known).
   */
  firstAlertRun: z.number().int().nullable(),
  /** That run's id; null: no alarm counted. */
  firstAlertRunId: z.number().int().nullable(),
  /** That run's verdict — what caught the trial, where `verdict` is its last run's; null: no alarm counted, or that run is no longer stored. */
  alertVerdict: z.string().nullable(),
  /**
   * How many runs the trial was scored over (a level shift: several; its paired control as many; any
   * other kind: 1). Null: a level shift recorded before windows were scored, scored on its last run
   * alone (trialScoredOnLastRunOnly), so a shift caught earlier in its window counted as a miss.
   */
  windowRuns: z.number().int().nullable(),
});
export type TrialResultView = z.infer<typeof trialResultSchema>;

/** A trial's verdict when it was never judged (TrialResultView.notJudged says why). */
export const NOT_JUDGED = 'not judged';

/**
 * Why a trial was not judged: its run ended before a verdict (interrupted or failed: a source or
 * database fault, a stop), or its run-level injection changed nothing and no run was made. The
 * ledger keeps only the reason's words, so the words of each are written here and read back here.
 */
export const NOT_JUDGED_CAUSES = ['runEnded', 'injectedNothing'] as const;
export type NotJudgedCause = (typeof NOT_JUDGED_CAUSES)[number];
export type NotJudgedCounts = Record<NotJudgedCause, number>;

const INJECTED_NOTHING = ' injected nothing — ';
const NO_RUN_MADE = '; no run was made';

/** The reason of a trial whose run ended before a verdict: its run, how it ended, and the error it recorded. */
export function runEndedReason(run: { runId: number; status: string; error?: string | null }): string {
  return `${NOT_JUDGED}: run ${run.runId} ${run.status.replace('_', ' ')} — ${run.error ?? 'no reason was recorded'}`;
}

/** The reason of a trial whose run-level injection would have changed nothing (`why`), so no run was made. */
export function injectedNothingReason(label: string, why: string): string {
  return `${NOT_JUDGED}: ${label}${INJECTED_NOTHING}${why}${NO_RUN_MADE}`;
}

/** What a not-judged trial's reason says it was. */
export function notJudgedCause(reason: string): NotJudgedCause {
  return reason.startsWith(`${NOT_JUDGED}: `) && reason.includes(INJECTED_NOTHING) && reason.endsWith(NO_RUN_MADE) ? 'injectedNothing' : 'runEnded';
}

/** Each cause in words, as totals say it: its noun, counted when the total mixes causes, and what became of it. */
const CAUSE_TEXT: Record<NotJudgedCause, { noun: string; what: string }> = {
  runEnded: { noun: 'run', what: 'interrupted or failed before a verdict' },
  injectedNothing: { noun: 'injection', what: 'changed nothing, so no run was made' },
};

/**
 * Why a total of not-judged trials was not judged, grouped by cause: "run interrupted or failed
 * before a verdict" when all were alike, "1 run interrupted or failed before a verdict and 2
 * injections changed nothing, so no run was made" when they differ; '' for none.
 */
export function notJudgedWhy(counts: NotJudgedCounts): string {
  const present = NOT_JUDGED_CAUSES.filter((cause) => counts[cause] > 0);
  if (present.length === 1) return `${CAUSE_TEXT[present[0]!].noun} ${CAUSE_TEXT[present[0]!].what}`;
  return present.map((cause) => `${counted(counts[cause], CAUSE_TEXT[cause].noun)} ${CAUSE_TEXT[cause].what}`).join(' and ');
}

/** The not-judged trials among `trials`, counted by cause. */
export function countNotJudged(trials: readonly { notJudged?: string | null }[]): NotJudgedCounts {
  const counts: NotJudgedCounts = { runEnded: 0, injectedNothing: 0 };
  for (const trial of trials) if (trial.notJudged) counts[notJudgedCause(trial.notJudged)] += 1;
  return counts;
}

/**
 * The one rule for which trials count anywhere a rate or a caught-or-not is computed (the ledger's
 * summaries, the reports, the Sensitivity what-if): a trial whose run ended before a verdict was
 * never given to the validators, so it is neither a miss nor a clean control. A ledger row written
 * before not-judged trials were told apart has no reason and was judged.
 */
export function wasJudged(trial: { notJudged?: string | null }): boolean {
  return !trial.notJudged;
}

/** The settings that judged a trial, in words: the CLI's and the console's reports say it alike. */
export function trialSettingsText({ task, sensitivityVersion }: Pick<TrialResultView, 'task' | 'sensitivityVersion'>): string {
  if (task === null) return 'the default sensitivity, no task';
  return `task ${task}, ${sensitivityVersion === null ? 'the default sensitivity, no version saved' : `sensitivity version ${sensitivityVersion}`}`;
}

/** Said beside overall rates that add up trials judged with more than one task's settings; null when they were all judged alike. */
export function mixedSettingsNote(judgedWith: readonly Pick<TrialResultView, 'task' | 'sensitivityVersion'>[]): string | null {
  if (judgedWith.length < 2) return null;
  return `these rates add up trials judged with ${judgedWith.length} settings (${judgedWith.map(trialSettingsText).join('; ')}); the per-kind rows keep them apart`;
}

/** Said of trials a ledger recorded before windows were scored: a level shift scored on its last run alone. */
export const SCORED_ON_LAST_RUN_ONLY = 'scored on its last run only, as recorded before window scoring';

/**
 * A level shift recorded before its window was scored (migration 037 left its window unknown): it
 * counted as caught only when its last run alarmed, so a shift caught on an earlier day — which the
 * validator then takes as the new level — counted as a miss. Such trials are tallied apart.
 */
export function trialScoredOnLastRunOnly(trial: { windowRuns?: number | null }): boolean {
  return trial.windowRuns === null;
}

/** A kind's name in a report row: bare under the defaults, with the task's settings when run as a task, and said when its trials were scored on their last run only. */
/**
 * Whether a kind's tally has a detection delay to tell: an injected kind held over several runs (or
 * scored on its last run only, whose delay was never recorded). A control paired with such a kind
 * spans its runs too, but a flagged control is a false positive, not a detection: the report, the
 * CLI and the Trials page list the same kinds.
 */
export function hasDetectionDelay(tally: { level: (typeof TRIAL_LEVELS)[number]; trials: number; scoredOnLastRunOnly: boolean; windowRuns: number | null }): boolean {
  return tally.level !== 'control' && tally.trials > 0 && (tally.scoredOnLastRunOnly || (tally.windowRuns ?? 1) > 1);
}

export function kindAsJudged(tally: Pick<TrialResultView, 'kind' | 'task' | 'sensitivityVersion'> & { scoredOnLastRunOnly?: boolean }): string {
  const settings = tally.task === null ? [] : [trialSettingsText(tally)];
  const parts = [...settings, ...(tally.scoredOnLastRunOnly ? [SCORED_ON_LAST_RUN_ONLY] : [])];
  return parts.length === 0 ? tally.kind : `${tally.kind} (${parts.join('; ')})`;
}

/**
 * A trial's verdict as a reader should see it beside "caught": a trial held over several runs shows
 * the verdict of the run that first raised an alarm that counts, which day of its window that was and
 * the run's id, then its last run's; one scored by the older rule says so.
 */
export function trialVerdictText(trial: Pick<TrialResultView, 'verdict' | 'notJudged' | 'firstAlertRun' | 'firstAlertRunId' | 'alertVerdict' | 'windowRuns'>): string {
  const verdict = trial.verdict ?? 'none';
  if (trial.notJudged) return verdict;
  if (trialScoredOnLastRunOnly(trial)) return `last run ${verdict} (${SCORED_ON_LAST_RUN_ONLY})`;
  if ((trial.windowRuns ?? 1) < 2) return verdict;
  if (trial.firstAlertRun === null) return `${verdict} on the last of ${trial.windowRuns} days; no alarm that counts on any`;
  const at = `day ${trial.firstAlertRun} of ${trial.windowRuns} (run ${trial.firstAlertRunId ?? 'unknown'})`;
  return `${trial.alertVerdict ?? 'verdict no longer stored'} on ${at}; last run ${verdict}`;
}
export const trialRecordSchema = trialResultSchema.extend({ id: z.number().int(), session: z.string(), at: z.string(), source: z.string() });
export type TrialRecordView = z.infer<typeof trialRecordSchema>;

const intervalSchema = z.object({ low: z.number(), high: z.number() }).nullable();
/** Detection beside false positives, each with its n and a Wilson 95 % interval. */
const detectionTallyFields = {
  injected: z.number().int(),
  /** Injected runs caught by an alarm attributable to their kind that was silent on the paired control. */
  caught: z.number().int(),
  detectionRate: z.number().nullable(),
  detectionInterval: intervalSchema,
  controls: z.number().int(),
  /** Controls on which an alarm attributable to the kind (or, overall, any alarm) fired. */
  falsePositives: z.number().int(),
  falsePositiveRate: z.number().nullable(),
  falsePositiveInterval: intervalSchema,
  /** The tally's trials whose run ended before a verdict (overall: injected and controls; per magnitude: its injected), in neither n above. */
  notJudged: z.number().int(),
};
/** The task and its sensitivity version that judged a tally's trials (both null: the defaults): trials judged otherwise are tallied apart. */
const judgedWithFields = { task: z.string().nullable(), sensitivityVersion: z.number().int().nullable() };
/** True: the tally's trials were level shifts recorded before window scoring, scored on their last run only (trialScoredOnLastRunOnly); tallied apart from those scored over their window. */
const scoredOnLastRunOnlyField = { scoredOnLastRunOnly: z.boolean() };
export const magnitudeTallySchema = z.object({ kind: z.string(), level: z.enum(TRIAL_LEVELS), magnitude: z.number().nullable(), ...judgedWithFields, ...detectionTallyFields, ...scoredOnLastRunOnlyField });
export type MagnitudeTallyView = z.infer<typeof magnitudeTallySchema>;
/** Rates are fractions (0–1); every rate has its n and a Wilson 95 % interval beside it. */
export const ledgerSummarySchema = z.object({
  trials: z.number().int(),
  /** Each task's settings the trials were judged with (more than one: the overall rates add up trials judged differently; byKind and byMagnitude keep them apart). */
  judgedWith: z.array(z.object(judgedWithFields)),
  ...detectionTallyFields,
  byKind: z.array(
    z.object({
      kind: z.string(), level: z.enum(TRIAL_LEVELS), ...judgedWithFields,
      /** The kind's judged trials: the rate's n. */
      trials: z.number().int(),
      caught: z.number().int(), rate: z.number().nullable(), interval: intervalSchema,
      /** The kind's trials whose run ended before a verdict, and why (each reason once, first seen first). */
      notJudged: z.number().int(),
      notJudgedReasons: z.array(z.string()),
      ...scoredOnLastRunOnlyField,
      /** The most runs a trial of the kind was scored over (null: recorded before windows were, scoredOnLastRunOnly). */
      windowRuns: z.number().int().nullable(),
      /** The detection delay of its caught (for controls: flagged) trials: how many first alarmed on each day of their window, earliest day first. */
      firstAlarmDays: z.array(z.object({ day: z.number().int(), trials: z.number().int() })),
    }),
  ),
  byMagnitude: z.array(magnitudeTallySchema),
  /** The not-judged trials (`notJudged`) by why: their run ended before a verdict, or their injection changed nothing and no run was made. */
  notJudgedCauses: z.object({ runEnded: z.number().int(), injectedNothing: z.number().int() }),
  /** Judged trials recorded before window scoring and scored on their last run only: in the overall rates above, tallied apart per kind (scoredOnLastRunOnly). */
  scoredOnLastRunOnly: z.number().int(),
});
export type LedgerSummaryView = z.infer<typeof ledgerSummarySchema>;

export const trialsRunInputSchema = z.object({
  injections: z.array(z.object({ kind: z.string().trim().min(1).max(40), magnitude: z.number().finite().optional() })).max(20, 'takes at most 20 injections in one trial session (a sweep: 20 kinds)').default([]),
  /** Clean control runs: they measure the false-positive rate. */
  controls: z.number().int().min(0).max(20).default(1),
  /** When staging has too little history for the seasonal validator, seed this many synthetic days first. */
  seedHistoryDays: z.number().int().min(0).max(366).default(0),
  /** Run each chosen kind at a ladder of magnitudes (their own magnitudes are ignored): detection against magnitude. */
  sweep: z.boolean().default(false),
  /** With a sweep: trials per magnitude. */
  repeat: z.number().int().min(1).max(10).default(1),
  staging,
  /** Judge as this task (its sensitivity in force, its own history when it has enough); absent or null: the default sensitivity, no task. */
  task: taskNameSchema.nullable().optional(),
});
export type TrialsRunInput = z.input<typeof trialsRunInputSchema>;

/** A trial session whose process died under its staging target, settled by the next one's copy. */
export const settledSessionSchema = z.object({
  startedAt: z.string(),
  operation: z.string(),
  operator: z.string().nullable(),
  /** The trials it finished, in the ledger. */
  trialsFinished: z.number().int(),
});
export type SettledSessionView = z.infer<typeof settledSessionSchema>;

/** What became of a session killed under its staging target, which this one found open and settled (`gatehouse trial` and the Trials page). */
export function settledSessionText(session: SettledSessionView): string {
  const finished = session.trialsFinished === 0 ? 'it finished no trial' : `the ${counted(session.trialsFinished, 'trial')} it finished ${session.trialsFinished === 1 ? 'is' : 'are'} in the ledger`;
  return `an earlier session on this staging target (${session.operation}, started ${session.startedAt}${session.operator ? ` by ${session.operator}` : ''}) stopped without an outcome (killed or crashed): settled as unfinished (gatehouse backups attempts --db STAGING); ${finished}, the staging run it was writing went with its copy`;
}

/** A run the source had under way as it was copied, which the copy ended interrupted (`gatehouse trial` and the Trials page). */
export function copiedRunningText(runId: number): string {
  return `run ${runId} was still running on the source when it was copied (or stopped there, not yet settled): staging holds the batches it had committed then and shows it interrupted; it goes on (or resumes) on the source`;
}

/** A session's notes in the order `gatehouse trial` prints them ("note: …") and the Trials page shows and announces them ("Note: ….") */
export function trialSessionNotes(session: { historyNote: string | null; settledSessions: readonly SettledSessionView[]; copiedRunning: readonly number[] }): string[] {
  return [...(session.historyNote ? [session.historyNote] : []), ...session.settledSessions.map(settledSessionText), ...session.copiedRunning.map(copiedRunningText)];
}

export const trialJobSchema = z.object({
  jobId: z.string(),
  /** Who started the trials (the caller's operator). */
  startedBy: z.string(),
  /** `stopped`: the console shut down under it (the error says when); its finished trials are in the ledger. No failure, as for `gatehouse trial`. */
  status: z.enum(['running', 'done', 'failed', 'stopped']),
  staging: z.string(),
  phase: z.enum(['queued', 'copying', 'seeding', 'trials', 'finished']),
  done: z.number().int(),
  total: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), hint: z.string().optional() }).nullable(),
  historyNote: z.string().nullable(),
  /** The task the trials run as (null: the default sensitivity) and its sensitivity version in force (null: the defaults). */
  task: z.string().nullable(),
  sensitivityVersion: z.number().int().nullable(),
  /** This job's trials so far, in the order they ran. */
  trials: z.array(trialResultSchema),
  /** This job's trials, and the whole staging ledger, once the job finished. */
  summary: ledgerSummarySchema.nullable(),
  ledger: ledgerSummarySchema.nullable(),
  /** Earlier sessions on this staging target that stopped without an outcome, settled by this one's copy (settledSessionText); known as soon as the copy is taken. */
  settledSessions: z.array(settledSessionSchema),
  /** The source's runs under way as it was copied, ended interrupted in the copy (copiedRunningText); known as soon as the copy is taken. */
  copiedRunning: z.array(z.number().int()),
});
export type TrialJobView = z.infer<typeof trialJobSchema>;

/**
 * Which trials a ledger summary, list or trial report reads: those judged as this task (trials.run's
 * `task`, `gatehouse trial --task`), whatever its sensitivity version; absent or null, every trial.
 * `gatehouse report trial|validation --task` parse their option with it, so a blank name is refused
 * on both surfaces instead of meaning "every trial".
 */
export const trialTaskFilterSchema = z.object({ task: taskNameSchema.nullable().optional() });
/**
 * The ledger's newest trials a page at a time; `after` is the id of the last trial of the previous
 * page. With `since` and `task`, only those trials.summary and reports.trial read with the same.
 */
export const trialsListInputSchema = z
  .object({ staging, limit: z.number().int().min(1).max(2_000).default(200), after: z.number().int().positive().optional(), since: z.string().trim().min(1).max(40).optional(), ...trialTaskFilterSchema.shape })
  .default({ limit: 200 });
export const trialsListOutputSchema = z.object({ staging: z.string(), trials: z.array(trialRecordSchema) });
/**
 * Which trials of which ledger trials.summary and reports.trial read, as `gatehouse report trial`
 * filters them: the staging target, the task they were judged as, and `since` — only trials recorded
 * since 48h, 7d, 2w or an ISO date (absent: all).
 */
export const trialLedgerFilterSchema = z.object({ staging, ...trialTaskFilterSchema.shape, since: z.string().trim().min(1).max(40).optional() });
export const trialsSummaryInputSchema = trialLedgerFilterSchema.default({});
export const trialsSummaryOutputSchema = ledgerSummarySchema.extend({ staging: z.string() });

export const REPORT_FORMATS = ['md', 'html'] as const;
export const reportsTrialInputSchema = trialLedgerFilterSchema.extend({
  format: z.enum(REPORT_FORMATS).default('md'),
  /** Also write the report to this absolute path (.md or .html); absent: only returned. */
  savePath: z.string().trim().min(1).max(1_000).optional(),
});
export const reportTextSchema = z.object({ format: z.enum(REPORT_FORMATS), headline: z.string(), text: z.string(), savedTo: z.string().nullable() });
export type ReportTextView = z.infer<typeof reportTextSchema>;
