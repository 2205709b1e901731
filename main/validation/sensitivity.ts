import type { SensitivityStateView, SensitivityVersionView, SensitivityWhatIfView, TrialCasesLeftOut } from '../../shared/api-sensitivity.js';
import { countNotJudged, wasJudged } from '../../shared/api-validation.js';
import { GatehouseError } from '../../shared/errors.js';
import { DEFAULT_SENSITIVITY, sensitivitySettingsSchema, type SensitivitySettings, type ValidationResult } from '../../shared/validation.js';
import type { JudgedRun, Store } from '../store/index.js';
import type { JudgeOptions } from './historical/model.js';
import { historicalJudge as judgeAgainstStoredHistory, historyEntryOf, originOf, ownHistoryEnough, type StoredRunToJudge } from './historical/store-judge.js';
import { sensitivityWhatIf, type TrialCase } from './what-if.js';
import { sensitivityVersions, type SensitivityVersionRow } from './sensitivity-versions.js';
import type { BatchSensitivity } from './historical/batch-lines.js';

/**
 * Sensitivity settings per task (issue 10 item 7), versioned and audited like flags: each save is
 * a new version with who, why and when, and the judge reads the version in force for the run's
 * task. Before saving, a what-if replays the task's stored runs and the stored trial cases under
 * the settings in force and under the new ones.
 */

function versionView(row: SensitivityVersionRow): SensitivityVersionView {
  return { id: row.id, task: row.task, version: row.version, settings: sensitivitySettingsSchema.parse(JSON.parse(row.settingsJson)), operator: row.operator, reason: row.reason, at: row.at };
}

/** How many known task names an unknown-task error lists before it says how many more there are. */
const KNOWN_TASKS_NAMED = 20;

/**
 * Refuses a task name this database does not know (NOT_FOUND), naming the tasks it does know: a
 * report, a what-if or a summary filtered by a mistyped name would otherwise answer "no data".
 */
export async function requireKnownTask(store: Store, task: string): Promise<void> {
  if (await sensitivityVersions(store).taskExists(task)) return;
  const known = await store.reports.taskNames();
  const named = known.length === 0
    ? 'this database has no task yet'
    : `known tasks: ${known.slice(0, KNOWN_TASKS_NAMED).join(', ')}${known.length > KNOWN_TASKS_NAMED ? ` and ${known.length - KNOWN_TASKS_NAMED} more` : ''}`;
  throw new GatehouseError('NOT_FOUND', `unknown task "${task}": no scheduled task or stored run has that name (${named})`, {
    hint: { cli: 'see `gatehouse tasks list`', console: 'choose a task from the page\'s list (reload it to see the tasks as they are now); scheduled tasks are on the Settings page' },
  });
}

/** The settings in force for a task: its latest saved version, or the evaluated defaults. */
export async function sensitivityInForce(store: Store, task: string | null): Promise<SensitivityStateView> {
  const row = task === null ? null : await sensitivityVersions(store).inForce(task);
  return stateOf(task ?? '', row ? versionView(row) : null);
}

/** Every known task with its settings in force, by name: what the Sensitivity panel offers. A constant number of reads, however many tasks. */
export async function sensitivityTasks(store: Store): Promise<SensitivityStateView[]> {
  const [tasks, inForce] = await Promise.all([store.reports.taskNames(), sensitivityVersions(store).allInForce()]);
  const byTask = new Map(inForce.map((row) => [row.task, versionView(row)]));
  return tasks.map((task) => stateOf(task, byTask.get(task) ?? null));
}

function stateOf(task: string, version: SensitivityVersionView | null): SensitivityStateView {
  return { task, settings: version?.settings ?? DEFAULT_SENSITIVITY, version };
}

/** The settings saved for each task that has a version in force (the others use the defaults). */
export async function sensitivityByTask(store: Store): Promise<Map<string, SensitivitySettings>> {
  // The versions alone: the task list (a DISTINCT over every run) adds only tasks on the defaults.
  const inForce = await sensitivityVersions(store).allInForce();
  return new Map(inForce.map((row) => [row.task, versionView(row).settings] as const));
}

/**
 * The one historical judge every caller uses (see store-judge.ts), with the task's sensitivity in
 * force unless the caller gives settings of its own.
 */
export async function historicalJudge(input: StoredRunToJudge, options: JudgeOptions = {}): Promise<ValidationResult> {
  const sensitivity = options.sensitivity ?? (await sensitivityInForce(input.store, input.task)).settings;
  return judgeAgainstStoredHistory(input, { ...options, sensitivity });
}

/**
 * The runs the task's judge learns from, as the live judge picks them: the task's own production
 * training runs when it has MIN_HISTORY_RUNS of them, every production training run otherwise.
 * Filtered in SQL: a what-if on one task of many reads that task's runs only.
 */
async function trainingRunsFor(store: Store, task: string): Promise<JudgedRun[]> {
  const own = await store.reports.judged({ task, production: true, training: true });
  return ownHistoryEnough(own) ? own : store.reports.judged({ production: true, training: true });
}

type StoredCase = TrialCase & { task: string | null };

/** A ledger's trial cases for a task's what-if, and what of it could not be judged (TrialCasesLeftOut). */
interface LedgerCases {
  cases: StoredCase[];
  /** The cases never judged (wasJudged), one entry per case with its kind and why: counted per kind and by cause, never replayed. */
  notJudged: { kind: string; notJudged: string }[];
  /** Counted here; the not-judged cases are counted by cause once, over both ledgers. */
  leftOut: Omit<TrialCasesLeftOut, 'notJudgedCauses'>;
}

/**
 * Stored trial cases (run-level injections and clean controls) run as `task` or as no task, with the
 * run each one produced, read by id. Each is judged as the trial run it was (its origin), as the
 * trial's own judge did: a production run after a gap is read as a catch-up standing for the missed
 * days, which a trial's planned days never are. A case whose run this database no longer holds (a
 * later session's fresh staging copy replaced it) cannot be replayed: it is counted, not dropped unsaid.
 * A case never judged (wasJudged, the rule trials.summary and the reports use) is not replayed
 * either, and is counted by why: a run that ended before a verdict has the metrics of an update cut
 * short, not of the anomaly; an injection that changed nothing made no run at all.
 */
async function trialCases(store: Store, task: string): Promise<LedgerCases> {
  const runLevel = (await store.trials.list()).filter((trial) => trial.level !== 'record' && (trial.runId !== null || !wasJudged(trial)));
  const ofTask = runLevel.filter((trial) => trial.task === null || trial.task === task);
  const judged = ofTask.filter((trial) => wasJudged(trial) && trial.runId !== null);
  const byId = new Map((await store.reports.judged({ runIds: [...new Set(judged.map((trial) => trial.runId!))] })).map((run) => [run.runId, run]));
  const gone = judged.filter((trial) => !byId.has(trial.runId!));
  const cases = judged.flatMap((trial) => {
    const run = byId.get(trial.runId!);
    return run ? [{ kind: trial.kind, label: trial.label, task: trial.task, current: { startedAt: run.startedAt, metrics: run.metrics, origin: originOf(run) } }] : [];
  });
  return {
    cases,
    notJudged: ofTask.flatMap((trial) => (trial.notJudged ? [{ kind: trial.kind, notJudged: trial.notJudged }] : [])),
    leftOut: { runGone: gone.length, runGoneSessions: new Set(gone.map((trial) => trial.session)).size, otherTasks: runLevel.length - ofTask.length },
  };
}

/**
 * Trial cases of another database's ledger (the staging copy trials ran on): each judged against
 * that database's runs before it, the history it was judged against when it ran — the session's
 * earlier controls among them, and for a trial run as a task with history enough of its own, that
 * task's runs alone, as its judge read them.
 */
async function stagingTrialCases(staging: Store, task: string): Promise<LedgerCases> {
  const [training, { cases, ...rest }] = await Promise.all([staging.reports.judged({ training: true }), trialCases(staging, task)]);
  const judged = cases.map(({ task: ranAs, ...trial }) => {
    const time = Date.parse(trial.current.startedAt);
    const before = training.filter((run) => Date.parse(run.startedAt) < time);
    const own = ranAs === null ? [] : before.filter((run) => run.task === ranAs);
    return { ...trial, task: ranAs, history: (ownHistoryEnough(own) ? own : before).map(historyEntryOf) };
  });
  return { cases: judged, ...rest };
}

const NONE_LEFT_OUT: LedgerCases = { cases: [], notJudged: [], leftOut: { runGone: 0, runGoneSessions: 0, otherTasks: 0 } };

/**
 * What `after` would have done to the task's stored runs and to the stored trial cases, beside the
 * settings in force. Trial cases come from the database's own ledger and, when given, from the
 * staging database's: those run as this task or as no task; what could not be judged is counted.
 */
export async function whatIfForTask(store: Store, task: string, after: SensitivitySettings, options: JudgeOptions = {}, staging?: Store): Promise<SensitivityWhatIfView> {
  await requireKnownTask(store, task);
  const [state, runs, own, fromStaging] = await Promise.all([sensitivityInForce(store, task), trainingRunsFor(store, task), trialCases(store, task), staging ? stagingTrialCases(staging, task) : NONE_LEFT_OUT]);
  const report = sensitivityWhatIf({
    runs: runs.map(historyEntryOf),
    trials: [...own.cases, ...fromStaging.cases],
    notJudged: [...own.notJudged, ...fromStaging.notJudged],
    before: state.settings,
    after,
    options,
  });
  const leftOut = (key: keyof LedgerCases['leftOut']) => own.leftOut[key] + fromStaging.leftOut[key];
  const notJudgedCauses = countNotJudged([...own.notJudged, ...fromStaging.notJudged]);
  return { task, before: state.settings, after, report, trialCasesLeftOut: { runGone: leftOut('runGone'), runGoneSessions: leftOut('runGoneSessions'), otherTasks: leftOut('otherTasks'), notJudgedCauses } };
}

export interface SensitivitySave {
  task: string;
  settings: SensitivitySettings;
  reason: string;
  operator: string;
  at?: string;
  /** The version the settings were edited from (null: none saved yet); given, a newer one refuses the save (CONFLICT). */
  basedOnVersion?: number | null;
}

export async function saveSensitivity(store: Store, save: SensitivitySave): Promise<SensitivityVersionView> {
  await requireKnownTask(store, save.task);
  const reason = save.reason.trim();
  if (reason === '') throw new GatehouseError('USAGE', '--reason must say why (it is recorded with the version)');
  const settings = sensitivitySettingsSchema.parse(save.settings);
  const row = await sensitivityVersions(store).add({ task: save.task, settingsJson: JSON.stringify(settings), operator: save.operator, reason, at: save.at ?? new Date().toISOString() }, save.basedOnVersion);
  return versionView(row);
}

/** Saved versions, newest first (every task unless one is named). */
export async function sensitivityHistory(store: Store, options: { task?: string; limit: number; after?: number }): Promise<SensitivityVersionView[]> {
  if (options.task !== undefined) await requireKnownTask(store, options.task);
  return (await sensitivityVersions(store).history(options)).map(versionView);
}

/**
 * Every task's sensitivity in force, read once before the first line of a batch (`validate --batch
 * --db`, the API's validation.batch): a batch is judged under one snapshot of the settings. `task`,
 * when given, must be known; it is the task a line that names none is judged for.
 */
export async function batchSensitivity(store: Store, task?: string): Promise<BatchSensitivity> {
  if (task !== undefined) await requireKnownTask(store, task);
  const tasks = await sensitivityTasks(store);
  return { inForce: new Map(tasks.map((state) => [state.task, state.settings])), ...(task === undefined ? {} : { defaultTask: task }) };
}
