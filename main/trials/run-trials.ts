import { randomUUID } from 'node:crypto';
import { endOf, GatehouseError } from '../../shared/errors.js';
import { statusEarned, type RunSummary } from '../../shared/run.js';
import { injectedNothingReason, NOT_JUDGED, runEndedReason } from '../../shared/api-validation.js';
import { beginAttempt, endAttempt } from '../backup/index.js';
import { actorName } from '../flags/index.js';
import { HEARTBEAT_EVERY_MS, runUpdate, STALE_LOCK_MS } from '../engine/index.js';
import { openStore, TRIAL_SESSION_OPERATION, type Store, type TrialLevel } from '../store/index.js';
import { redactConnectionString } from '../../shared/redact.js';
import { anomalyMessages, DEFAULT_SENSITIVITY, type HistoryEntry, type SensitivitySettings } from '../../shared/validation.js';
import { checkStagingTarget, copyToStaging, lockStaging, type SettledSession, type StagingCopy } from '../store/index.js';
import { asRunMetrics, historicalJudge, injectRunAnomaly, judgedHistory, injectionSpan, MIN_HISTORY_RUNS, requireKnownTask, runReviews, sensitivityInForce } from '../validation/index.js';
import { alarmsOverWindow, attributeCatch, INJECTED_REJECTION_CODES, recordRuleAlarm, rejectionCodesFor, type Attribution } from './attribution.js';
import { summariseTrials, type LedgerSummary } from './ledger.js';
import { compositionOf, realiseTrialSource, TrialClock, type TrialComposition } from './realise.js';
import { seedSyntheticHistory } from './history-seed.js';
import { NO_RECORDS, SCALES_NOTHING, whyInjectsNothing } from './injected-nothing.js';
import { RECORD_ANOMALY_KINDS, type TrialSpec } from './specs.js';
import { awayFromRecess, busyWeekday, historyPace, typicalRun } from './typical.js';
import { counted } from '../../shared/plural.js';

const DAY_MS = 86_400_000;
const RUN_HOUR_UTC = 14;
/** Trial records' eventIds are moved up by this: far from seeded, demo and real-feed eventIds. */
const TRIAL_EVENT_ID_SHIFT = 90_000_000;
const TRIAL_OPERATOR = 'gatehouse trial';
/**
 * How a stopped trial (or seeding) run's reason ends. Nothing resumes it: its source lived only in
 * its session (`--resume` knows no `trial:` source) and the next session replaces staging with a
 * fresh copy, keeping only the ledger. What carries on is a new session, from the CLI or the Trials page.
 */
const TRIAL_RUN_CONTINUATION = '— a trial run is not resumed: run the trial again';

export interface TrialRequest {
  source: string;
  staging: string;
  injections: TrialSpec[];
  /** Clean control runs (they measure the false-positive rate). */
  controls: number;
  /** When staging holds fewer than MIN_HISTORY_RUNS runs: seed this many synthetic days first. */
  seedHistoryDays?: number;
  /** Who started the trials (actorName: the OS user when absent, a blank name refused): kept with the session and its runs; a second trial refused on the same staging target is told. */
  operator?: string;
  /**
   * Run the trials as this task: its runs on staging, judged with its sensitivity version in force
   * and against the history its production runs are judged against. Absent or null: no task, the
   * default sensitivity. A task the source does not know is refused (NOT_FOUND).
   */
  task?: string | null;
  open?: (location: string) => Promise<Store>;
  /** The staging lock's clock (its heartbeat, and how old another's is): the time now when absent; tests move it instead of waiting. */
  lockClock?: () => Date;
  /**
   * The session's stop (Ctrl-C to `gatehouse trial`): the run under way stops at its next batch
   * boundary as an update's does, interrupted with the stop as its reason, and its trial goes into
   * the ledger as not judged; no other trial starts, and the session ends INTERRUPTED, its attempt
   * row saying why. Without it a stop killed the process mid-run: the staging run and the session's
   * attempt stayed `running` for every reader of staging.
   */
  signal?: AbortSignal;
  /** Told after each step, so a console can show progress; trials take seconds each. */
  onProgress?: (progress: TrialProgress) => void;
}

export interface TrialProgress {
  phase: 'copying' | 'seeding' | 'trials';
  /** Trials finished so far, of `total`. */
  done: number;
  total: number;
  latest: TrialResult | null;
  /**
   * What the copy found, told once as soon as it is taken (the step right after it), not only in the
   * outcome: a run the source had under way, ended interrupted in the copy, is news to the operator
   * while the trials still run, as `gatehouse trial` notes it.
   */
  copied?: CopyFindings;
}

/** The notes a staging copy carries for its session (copiedRunningText, settledSessionText). */
export type CopyFindings = Pick<StagingCopy, 'settledSessions' | 'copiedRunning'>;

export interface TrialResult {
  label: string;
  kind: string;
  level: TrialLevel;
  magnitude: number | null;
  runId: number | null;
  startedAt: string;
  caught: boolean;
  caughtBy: string[];
  verdict: string | null;
  detail: string;
  /** Why the trial was never judged (its run ended before a verdict, or its injection changed nothing and no run was made), also its detail; null: judged. */
  notJudged: string | null;
  /** The task the trial ran as (null: none, the default sensitivity) and its sensitivity version it was judged with (null: the defaults). */
  task: string | null;
  sensitivityVersion: number | null;
  /** Which of the trial's runs (1-based; a level shift holds over several) first raised an alarm that counts; null: none did. */
  firstAlertRun: number | null;
  /** That run's id and verdict: what caught (or flagged) the trial, where `verdict` is its last run's. */
  firstAlertRunId: number | null;
  alertVerdict: string | null;
  /** How many runs the trial was scored over (its span, also when it was never judged). */
  windowRuns: number;
}

export interface TrialOutcome {
  session: string;
  source: string;
  staging: string;
  historyRuns: number;
  seededRuns: number;
  /** Set when the history is too short for the seasonal validator. */
  historyNote: string | null;
  /** The task the trials ran as, null for none; its sensitivity version in force (null: the defaults) and those settings. */
  task: string | null;
  sensitivityVersion: number | null;
  sensitivity: SensitivitySettings;
  keptTrials: number;
  trials: TrialResult[];
  /** This invocation's trials. */
  summary: LedgerSummary;
  /** Every trial the staging ledger holds, this invocation's included. */
  ledger: LedgerSummary;
  /** Earlier sessions on this staging target whose process died (kill -9, a crash), settled `unfinished` by this one. */
  settledSessions: SettledSession[];
  /** The source's runs that were still `running` when it was copied (an update writing there): in staging, their committed batches, ended `interrupted`. */
  copiedRunning: number[];
}

/** A control spans as many runs as the injection it pairs with, so its false positives are counted over the same window as that injection's catches. */
type PlannedTrial = TrialSpec | { level: 'control'; kind: 'control'; magnitude: null; label: 'control'; span: number };

/** The runs a planned trial is held over. */
const spanOf = (trial: PlannedTrial): number => (trial.level === 'control' ? trial.span : injectionSpan(trial.kind));

/**
 * Controls interleaved with the injections, so each kind is judged against a history much like the
 * others'. Each control precedes the injection it pairs with and spans its runs; a control with no
 * injection after it spans the session's longest.
 */
function plan(injections: TrialSpec[], controls: number): PlannedTrial[] {
  const out: PlannedTrial[] = [];
  const longest = Math.max(1, ...injections.map(spanOf));
  for (let i = 0; i < Math.max(injections.length, controls); i++) {
    const pairsWith = injections[i];
    if (i < controls) out.push({ level: 'control', kind: 'control', magnitude: null, label: 'control', span: pairsWith ? spanOf(pairsWith) : longest });
    if (i < injections.length) out.push(injections[i]!);
  }
  return out;
}

/**
 * `gatehouse trial`: copies the source to staging (the source is never written), then runs one
 * real update per trial on staging with the anomaly realised as source input, and records each
 * trial in the staging ledger. Injected runs are marked `confirmed` afterwards so they leave the
 * training history the next trial is judged against; controls stay in it.
 */
export async function runTrials(request: TrialRequest): Promise<TrialOutcome> {
  if (request.injections.length === 0 && request.controls === 0) throw new GatehouseError('USAGE', 'nothing to try: choose an anomaly kind or at least one control run');
  if (!Number.isInteger(request.controls) || request.controls < 0) throw new GatehouseError('USAGE', 'the number of control runs must be a whole number ≥ 0');
  const open = request.open ?? ((location: string) => openStore(location));
  const planned = plan(request.injections, request.controls);
  const report = (phase: TrialProgress['phase'], done: number, latest: TrialResult | null = null) => request.onProgress?.({ phase, done, total: planned.length, latest });
  report('copying', 0);
  checkStagingTarget(request.source, request.staging);
  const operator = actorName(request.operator);
  const lock = await lockStaging(request.staging, operator, { clock: request.lockClock ?? (() => new Date()), staleAfterMs: STALE_LOCK_MS, heartbeatEveryMs: HEARTBEAT_EVERY_MS });
  try {
    return await trialSession({ ...request, operator }, open, planned, report);
  } finally {
    await lock.release();
  }
}

async function trialSession(
  request: TrialRequest & { operator: string },
  open: (location: string) => Promise<Store>,
  planned: PlannedTrial[],
  report: (phase: TrialProgress['phase'], done: number, latest?: TrialResult | null) => void,
): Promise<TrialOutcome> {
  const copy = await copyToStaging(request.source, request.staging, open, (copied) => refuseBeforeCopy(copied, request, planned));
  request.onProgress?.({ phase: 'copying', done: 0, total: planned.length, latest: null, copied: { settledSessions: copy.settledSessions, copiedRunning: copy.copiedRunning } });
  const store = await open(request.staging);
  try {
    return await asSessionAttempt(store, request, planned.length, () => trialsOnCopy(store, request, planned, report, copy));
  } finally {
    await store.close();
  }
}

/**
 * The session as an attempt row in the staging target it writes (`backups attempts --db STAGING`),
 * never in the source, whose bytes a trial does not change: one killed with its process (kill -9
 * of `gatehouse serve`) otherwise left no trace anywhere. A fresh copy keeps these rows like the
 * ledger, and settles one still open — its session died, as this one holds the staging lock — as
 * unfinished (repositories/trials.ts).
 */
async function asSessionAttempt<T>(store: Store, request: TrialRequest & { operator: string }, trials: number, work: () => Promise<T>): Promise<T> {
  const operation = `${TRIAL_SESSION_OPERATION} of ${counted(trials, 'trial')} from ${redactConnectionString(request.source)}`;
  const id = await beginAttempt(store, { operation, operator: request.operator, at: new Date() });
  try {
    const outcome = await work();
    await endAttempt(store, id, { at: new Date(), outcome: 'succeeded', detail: null });
    return outcome;
  } catch (error) {
    await endAttempt(store, id, { at: new Date(), outcome: sessionEnd(error), detail: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
    throw error;
  }
}

/** How a session that threw ended: the same rule as the console's operations list, so a trial job and its operation agree. */
export const sessionEnd = endOf;

async function trialsOnCopy(
  store: Store,
  request: TrialRequest & { operator: string },
  planned: PlannedTrial[],
  report: (phase: TrialProgress['phase'], done: number, latest?: TrialResult | null) => void,
  copy: StagingCopy,
): Promise<TrialOutcome> {
  const settings = await sessionSettings(store, request.task ?? null);
  let history = await judgedHistory(store, { task: settings.task });
  let seededRuns = 0;
  if (history.length < MIN_HISTORY_RUNS && (request.seedHistoryDays ?? 0) > 0) {
    report('seeding', 0);
    seededRuns = (await seedSyntheticHistory(store, { days: request.seedHistoryDays!, firstDay: await firstFreeDay(store), operator: request.operator, signal: request.signal, continuation: TRIAL_RUN_CONTINUATION })).length;
    history = await judgedHistory(store, { task: settings.task });
  }
  refuseEmptyInjections(planned, history, request.seedHistoryDays ?? 0);
  stopIfAsked(request.signal, 0, planned.length);
  const historyNote =
    history.length < MIN_HISTORY_RUNS
      ? `staging holds ${counted(history.length, 'run')} of history; the seasonal validator needs ${MIN_HISTORY_RUNS}: run-level trials are judged by the static rules only, and insufficient_history counts as not caught (seeding a synthetic history of some days first gives it one)`
      : null;
  const runner = new TrialRunner(store, await firstFreeDay(store), randomUUID().slice(0, 8), request.operator, settings, request.signal);
  const session = `${new Date().toISOString()}#${runner.tag}`;
  const trials: TrialResult[] = [];
  report('trials', 0);
  for (const trial of planned) {
    const result = await runner.run(trial);
    trials.push(result);
    const { startedAt: _startedAt, ...recorded } = result;
    await store.trials.record({ session, at: new Date().toISOString(), source: redactConnectionString(request.source), ...recorded });
    report('trials', trials.length, result);
    stopIfAsked(request.signal, trials.length, planned.length);
  }
  return {
    session,
    source: redactConnectionString(request.source),
    staging: redactConnectionString(request.staging),
    historyRuns: history.length,
    seededRuns,
    historyNote,
    task: settings.task,
    sensitivityVersion: settings.version,
    sensitivity: settings.sensitivity,
    keptTrials: copy.keptTrials,
    trials,
    summary: summariseTrials(trials),
    ledger: summariseTrials(await store.trials.list()),
    settledSessions: copy.settledSessions,
    copiedRunning: copy.copiedRunning,
  };
}

/**
 * The session's up-front refusal, asked of the copy before it takes the staging target's place, so
 * a refused session leaves no staging copy behind; a history that seeding will lengthen is asked
 * again once seeded (trialsOnCopy).
 */
async function refuseBeforeCopy(copy: Store, request: TrialRequest, planned: readonly PlannedTrial[]): Promise<void> {
  const settings = await sessionSettings(copy, request.task ?? null);
  const history = await judgedHistory(copy, { task: settings.task });
  const seededDays = request.seedHistoryDays ?? 0;
  if (history.length < MIN_HISTORY_RUNS && seededDays > 0) return;
  refuseEmptyInjections(planned, history, seededDays);
}

/**
 * A history that never fetched a record (an empty database, a first update that found nothing)
 * makes every day's clean run one of no records, into which whyInjectsNothing says each run-level
 * trial injects nothing: refused up front, as no day could give them an anomaly to catch, rather
 * than each recorded not judged. Record-level kinds and controls still run.
 */
function refuseEmptyInjections(planned: readonly PlannedTrial[], history: readonly HistoryEntry[], seededDays: number): void {
  if (history.some((entry) => asRunMetrics(entry.metrics).fetched > 0)) return;
  const runLevel = [...new Set(planned.filter((trial) => whyInjectsNothing(trial.level, NO_RECORDS, NO_RECORDS) !== null).map((trial) => trial.label))];
  if (runLevel.length === 0) return;
  const had = history.length === 0 ? 'no runs' : `${counted(history.length, 'run')} that fetched no records`;
  throw new GatehouseError('USAGE', `${runLevel.join(', ')} would inject nothing: staging holds ${had}, and ${SCALES_NOTHING}; no trial was run`, {
    hint: seededDays > 0 ? 'run updates on the source first' : { cli: 'run updates on the source first, or seed a synthetic history with --seed-history DAYS', console: 'run updates on the source first, or give "Seed history" some days' },
  });
}

/** A session asked to stop ends here, between trials: what it finished is in the ledger, the rest never started. */
function stopIfAsked(signal: AbortSignal | undefined, done: number, total: number): void {
  if (!signal?.aborted) return;
  const by = typeof signal.reason === 'string' ? signal.reason : 'on request';
  const trials = counted(total, 'trial');
  const finished = done === 0 ? `before its first trial: none of its ${trials} ran` : `after ${done} of ${trials}${done === total ? '' : `; the other ${total - done} did not start`}`;
  throw new GatehouseError('INTERRUPTED', `trial session stopped ${by} ${finished}`, {
    hint: done === 0 ? 'run the trial again' : 'the finished trials are in the staging ledger (gatehouse report trial --db STAGING); run the trial again for the rest (a fresh copy keeps the ledger)',
  });
}

/** What judges a session's trial runs: a task's sensitivity version in force, or no task and the defaults. */
interface SessionSettings {
  task: string | null;
  version: number | null;
  sensitivity: SensitivitySettings;
}

/** Read from the staging copy, which carries the source's tasks, runs and sensitivity versions as they were at the copy. */
async function sessionSettings(store: Store, task: string | null): Promise<SessionSettings> {
  if (task === null) return { task: null, version: null, sensitivity: DEFAULT_SENSITIVITY };
  await requireKnownTask(store, task);
  const inForce = await sensitivityInForce(store, task);
  return { task, version: inForce.version?.version ?? null, sensitivity: inForce.settings };
}

/** UTC midnight of the day after the latest stored run (today, for an empty database). */
async function firstFreeDay(store: Store): Promise<Date> {
  const last = (await store.reports.runs()).at(-1);
  const base = last ? Date.parse(last.startedAt) + DAY_MS : Date.now();
  return new Date(Math.floor(base / DAY_MS) * DAY_MS);
}

/** One day of a trial, before its run: the clean run the history expects, what the trial makes of it, and why that changed nothing (null: it changed something, or a control or record-level trial). */
interface DayPlan {
  pace: number;
  typical: ReturnType<typeof typicalRun>;
  composition: TrialComposition;
  injectedNothing: string | null;
}

class TrialRunner {
  private offset = 0;
  private count = 0;
  /** The latest control run: each injection is scored against the control run just before it. */
  private pairedControl: { runId: number; alarms: string[] } | null = null;

  constructor(
    private readonly store: Store,
    private nextDay: Date,
    readonly tag: string,
    /** Who started the trials: each trial run's writer lock on staging names them to a writer it refuses. */
    private readonly operator: string,
    /** The task the runs are recorded under and judged as, with the sensitivity read once for the whole session. */
    private readonly settings: SessionSettings,
    /** The session's stop: each trial run ends at its batch boundary, interrupted, once it fires. */
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Days for one trial: a Saturday for a weekend burst, a mid-week day otherwise; a level shift
   * (and a control paired with one) spans its consecutive days ending mid-week. All in session and away from a recess
   * boundary, where the calendar (not the injection) would decide the verdict.
   */
  private takeDays(trial: PlannedTrial): Date[] {
    const wanted = trial.kind === 'weekend-burst' ? [6] : [2, 3, 4];
    const span = spanOf(trial);
    const fits = (last: Date) => wanted.includes(last.getUTCDay()) && Array.from({ length: span }, (_, i) => i).every((i) => awayFromRecess(new Date(last.getTime() - i * DAY_MS).toISOString()));
    let last = new Date(this.nextDay.getTime() + (span - 1) * DAY_MS);
    for (let tries = 0; !fits(last) && tries < 400; tries++) last = new Date(last.getTime() + DAY_MS);
    this.nextDay = new Date(last.getTime() + DAY_MS);
    return Array.from({ length: span }, (_, i) => new Date(last.getTime() - (span - 1 - i) * DAY_MS));
  }

  async run(trial: PlannedTrial): Promise<TrialResult> {
    const runs: { summary: RunSummary; corrupt: number; typicalFetched: number }[] = [];
    for (const day of this.takeDays(trial)) {
      const plan = await this.planDay(trial, day);
      if (runs.length === 0 && plan.injectedNothing !== null) return this.injectedNothing(trial, day, plan.injectedNothing);
      runs.push(await this.runDay(trial, day, plan));
    }
    const last = runs.at(-1)!;
    const { summary } = last;
    const notJudged = runs.map((run) => unjudged(run.summary)).find((reason) => reason !== null) ?? null;
    if (notJudged !== null) return this.notJudged(trial, runs.map((run) => run.summary), notJudged);
    const perRun: string[][] = [];
    for (const run of runs) perRun.push(await this.alarmsOn(trial, run.summary, run.corrupt));
    const paired = trial.level === 'control' ? null : this.pairedControl;
    const counts = trial.level === 'control' ? (alarms: readonly string[]) => alarms.length > 0 : (alarms: readonly string[]) => attributeCatch(trial.kind, alarms, paired?.alarms ?? null).caughtBy.length > 0;
    const { alarms, firstAlertRun } = alarmsOverWindow(perRun, counts);
    let caughtBy = alarms;
    let attributionNote = '';
    if (trial.level === 'control') {
      this.pairedControl = { runId: summary.runId, alarms };
    } else {
      const attribution = attributeCatch(trial.kind, alarms, paired?.alarms ?? null);
      caughtBy = attribution.caughtBy;
      attributionNote = attributionText(attribution, paired?.runId ?? null);
      await this.confirmInjected(trial, runs.map((run) => run.summary));
    }
    const verdict = summary.validation?.verdict ?? null;
    const alerted = firstAlertRun === null ? null : runs[firstAlertRun - 1]!.summary;
    return {
      label: trial.label,
      kind: trial.kind,
      level: trial.level,
      magnitude: trial.magnitude,
      runId: summary.runId,
      startedAt: summary.startedAt,
      caught: caughtBy.length > 0,
      caughtBy,
      verdict,
      task: this.settings.task,
      sensitivityVersion: this.settings.version,
      notJudged: null,
      detail: `${windowText(runs.map((run) => run.summary.runId), firstAlertRun)}run ${summary.runId} (${summary.status}): fetched ${summary.metrics.fetched} (a clean run brings about ${last.typicalFetched}), quarantined ${summary.metrics.quarantined}; verdict ${verdict ?? 'none'}${summary.validation?.anomalies.length ? `: ${anomalyMessages(summary.validation.anomalies)}` : ''}${attributionNote}`,
      firstAlertRun,
      firstAlertRunId: alerted?.runId ?? null,
      alertVerdict: alerted ? (alerted.validation?.verdict ?? null) : null,
      windowRuns: runs.length,
    };
  }

  /**
   * A trial whose run never reached a verdict: no miss and no clean control. Its runs still leave the
   * training history as any injected run's do; a control's is not the one later injections pair with.
   */
  private async notJudged(trial: PlannedTrial, runs: RunSummary[], reason: string): Promise<TrialResult> {
    if (trial.level !== 'control') await this.confirmInjected(trial, runs);
    const summary = runs.at(-1)!;
    return {
      label: trial.label, kind: trial.kind, level: trial.level, magnitude: trial.magnitude, runId: summary.runId, startedAt: summary.startedAt,
      caught: false, caughtBy: [], verdict: NOT_JUDGED, detail: reason, notJudged: reason, task: this.settings.task, sensitivityVersion: this.settings.version, firstAlertRun: null,
      firstAlertRunId: null, alertVerdict: null, windowRuns: spanOf(trial),
    };
  }

  /**
   * A trial that would inject nothing on its day (whyInjectsNothing) has no anomaly in it to catch:
   * recorded as not judged with why (no run is made), never as a miss lowering the detection rate.
   */
  private injectedNothing(trial: PlannedTrial, day: Date, why: string): TrialResult {
    const reason = injectedNothingReason(trial.label, why);
    return {
      label: trial.label, kind: trial.kind, level: trial.level, magnitude: trial.magnitude, runId: null, startedAt: new Date(day.getTime() + RUN_HOUR_UTC * 3_600_000).toISOString(),
      caught: false, caughtBy: [], verdict: NOT_JUDGED, detail: reason, notJudged: reason, task: this.settings.task, sensitivityVersion: this.settings.version, firstAlertRun: null,
      firstAlertRunId: null, alertVerdict: null, windowRuns: spanOf(trial),
    };
  }

  private async confirmInjected(trial: PlannedTrial, runs: RunSummary[]): Promise<void> {
    for (const run of runs) {
      await runReviews(this.store).add({ runId: run.runId, action: 'confirmed', reasonKind: null, reason: `trial injection ${trial.label}`, operator: TRIAL_OPERATOR, at: new Date().toISOString() });
    }
  }

  /**
   * Every alarm the run raised: its validator rules, and the record rules that reject an injectable
   * corruption. On an injected record-level run its own rejection counts only when every corrupted
   * record is in quarantine for that reason (a partial catch lets bad records through).
   */
  private async alarmsOn(trial: PlannedTrial, summary: RunSummary, corrupt: number): Promise<string[]> {
    const validator = summary.validation?.verdict === 'anomalous' ? summary.validation.anomalies.map((a) => `validator:${a.rule}`) : [];
    const entries = await this.store.listQuarantine({ runId: summary.runId, limit: 100_000 });
    const codes = new Set(entries.flatMap((entry) => entry.reasons.map((reason) => reason.code)).filter((code) => INJECTED_REJECTION_CODES.includes(code)));
    if (trial.level === 'record') {
      const own = rejectionCodesFor(trial.kind);
      const matching = entries.filter((entry) => entry.reasons.some((reason) => own.includes(reason.code))).length;
      if (corrupt === 0 || matching < corrupt) own.forEach((code) => codes.delete(code));
    }
    return [...new Set([...[...codes].map(recordRuleAlarm), ...validator])];
  }

  /** What one day's run of the trial will bring: a clean run as the history has it, and the trial's change to it. */
  private async planDay(trial: PlannedTrial, day: Date): Promise<DayPlan> {
    // The history this run's judge reads: a task's own, when it has enough, so a clean run looks like the task's clean runs.
    const history = await judgedHistory(this.store, { task: this.settings.task });
    const pace = historyPace(history);
    const typical = typicalRun(history, day.getUTCDay(), pace);
    const composition = this.composition(trial, typical, history, pace);
    return { pace, typical, composition, injectedNothing: whyInjectsNothing(trial.level, compositionOf(typical), composition) };
  }

  private async runDay(trial: PlannedTrial, day: Date, { pace, typical, composition }: DayPlan): Promise<{ summary: RunSummary; corrupt: number; typicalFetched: number }> {
    const startMs = day.getTime() + RUN_HOUR_UTC * 3_600_000;
    const stored = await this.store.trials.sampleHearings(composition.updated + composition.unchanged);
    const clock = new TrialClock(startMs, pace);
    this.count += 1;
    const { source, newRecords } = realiseTrialSource({
      composition,
      stored,
      seed: 9_000 + this.count,
      offset: this.offset,
      eventIdShift: TRIAL_EVENT_ID_SHIFT,
      start: day.toISOString().slice(0, 10),
      revisionTag: `trial ${this.tag}-${this.count}`,
      clock,
      label: trial.label,
    });
    this.offset += newRecords;
    const { task, sensitivity } = this.settings;
    const summary = await runUpdate({
      store: this.store, source, batchSize: 50, task, operator: this.operator, flags: { trial: trial.label }, clock: clock.now, lockClock: () => new Date(),
      judge: (input) => historicalJudge(input, { sensitivity }), sleep: async () => {}, signal: this.signal, continuation: TRIAL_RUN_CONTINUATION,
    });
    return { summary, corrupt: composition.corruption?.count ?? 0, typicalFetched: typical.fetched };
  }

  private composition(trial: PlannedTrial, typical: ReturnType<typeof typicalRun>, history: HistoryEntry[], pace: number): TrialComposition {
    if (trial.level === 'control') return compositionOf(typical);
    if (trial.level === 'run') {
      const target = injectRunAnomaly(typical, { kind: trial.kind, magnitude: trial.magnitude }, { busyDay: busyWeekday(history, pace) });
      const extra = trial.kind === 'duration-blowup' ? Math.max(0, pace * (trial.magnitude - 1)) : 0;
      return compositionOf(target, extra);
    }
    const count = Math.max(1, Math.round(trial.magnitude * Math.max(typical.added, 1)));
    const composition = compositionOf(typical);
    // A duplicate copies an intact record of the same input, so at least one must stay.
    composition.added = Math.max(composition.added - count, trial.kind === 'duplicates' ? 1 : 0);
    composition.corruption = { kind: RECORD_ANOMALY_KINDS[trial.kind].corruption, count };
    return composition;
  }

}


/**
 * Why a trial run was given to no rule, or null when it was judged: a run that ended success or
 * partial (or held) was judged by the validator; one that failed because the record rules
 * quarantined every record it read was judged by them. Anything else — interrupted by a fault or a
 * stop, failed for a reason no record gave, rolled back, left running — ended before a verdict.
 */
function unjudged(summary: RunSummary): string | null {
  if (summary.status === 'success' || summary.status === 'partial' || summary.status === 'held') return null;
  if (summary.status === 'failed' && statusEarned(summary) === 'failed') return null;
  return runEndedReason(summary);
}

/** A trial held over several runs says which, and on which of them an alarm first counted (its last run's own outcome follows). */
function windowText(runIds: readonly number[], firstAlertRun: number | null): string {
  if (runIds.length < 2) return '';
  const over = `runs ${runIds[0]}–${runIds.at(-1)} (${runIds.length} days)`;
  return firstAlertRun === null ? `${over}: no alarm that counts on any of them; last ` : `${over}: first alarmed on day ${firstAlertRun} of ${runIds.length} (run ${runIds[firstAlertRun - 1]}); last `;
}

function attributionText(attribution: Attribution, pairedControlRunId: number | null): string {
  const parts: string[] = [];
  if (attribution.unrelated.length > 0) parts.push(`not attributable to this kind: ${attribution.unrelated.join(', ')}`);
  if (attribution.alsoOnControl.length > 0) parts.push(`also fired on paired control run ${pairedControlRunId}: ${attribution.alsoOnControl.join(', ')}`);
  if (pairedControlRunId === null) parts.push('no control run before it to pair with');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}
