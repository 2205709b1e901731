/**
 * The Sensitivity panel and `gatehouse validate tune` (issue 10 item 7): per task, the settings in
 * force, a what-if of new ones over the stored runs and trial cases, saving a new version, and the
 * versions' audit trail. The shapes mirror main/validation/sensitivity.ts and what-if.ts.
 */
import * as z from 'zod';
import { sensitivitySettingsSchema, type SensitivitySettings } from './validation.js';
import { notJudgedWhy } from './api-validation.js';
import { counted } from './plural.js';
import { taskNameSchema } from './task-name.js';
import { reasonSchema } from './text-rules.js';

const task = taskNameSchema;

export const sensitivityVersionSchema = z.object({
  id: z.number().int(),
  task: z.string(),
  /** 1 for the task's first saved settings, counting up. */
  version: z.number().int().positive(),
  settings: sensitivitySettingsSchema,
  operator: z.string(),
  reason: z.string(),
  at: z.string(),
});
export type SensitivityVersionView = z.infer<typeof sensitivityVersionSchema>;

export const sensitivityStateSchema = z.object({
  task: z.string(),
  /** The settings in force: the latest version's, or the evaluated defaults before any was saved. */
  settings: sensitivitySettingsSchema,
  version: sensitivityVersionSchema.nullable(),
});
export type SensitivityStateView = z.infer<typeof sensitivityStateSchema>;

const settingsOutcomeSchema = z.object({ alertedRuns: z.number().int(), alerts: z.number().int() });
export const whatIfReportSchema = z.object({
  runsJudged: z.number().int(),
  before: settingsOutcomeSchema,
  after: settingsOutcomeSchema,
  newlyAlerted: z.array(z.string()),
  noLongerAlerted: z.array(z.string()),
  /** Per kind: `cases` replayed, caught of them in force and new; `notJudged`, the kind's cases never judged (run ended before a verdict, or injection changed nothing), in neither (as trials.summary counts them). */
  trials: z.array(z.object({ kind: z.string(), cases: z.number().int(), caughtBefore: z.number().int(), caughtAfter: z.number().int(), notJudged: z.number().int() })),
  trialCases: z.array(z.object({ kind: z.string(), label: z.string().nullable(), startedAt: z.string(), caughtBefore: z.boolean(), caughtAfter: z.boolean() })),
});

/**
 * Stored trial cases (run-level injections and controls of the ledgers read) the what-if could not
 * judge: those whose trial run is gone — a later trial session replaced the staging copy it was
 * in, and the ledger keeps only each trial's outcome, not the run's metrics — and those run as
 * another task, judged with its history and settings, not this task's.
 */
export const trialCasesLeftOutSchema = z.object({
  runGone: z.number().int(),
  /** How many trial sessions the cases whose run is gone came from. */
  runGoneSessions: z.number().int(),
  otherTasks: z.number().int(),
  /** The cases never judged (report.trials' `notJudged`, summed) by why, as trials.summary's notJudgedCauses counts them. */
  notJudgedCauses: z.object({ runEnded: z.number().int(), injectedNothing: z.number().int() }),
});
export type TrialCasesLeftOut = z.infer<typeof trialCasesLeftOutSchema>;

export const sensitivityWhatIfSchema = z.object({
  task: z.string(),
  before: sensitivitySettingsSchema,
  after: sensitivitySettingsSchema,
  report: whatIfReportSchema,
  trialCasesLeftOut: trialCasesLeftOutSchema,
});
export type SensitivityWhatIfView = z.infer<typeof sensitivityWhatIfSchema>;
/** `gatehouse validate tune --json`: sensitivity.whatIf's answer, and the version sensitivity.save made (null on a dry run). */
export const sensitivityTuneSchema = sensitivityWhatIfSchema.extend({ saved: sensitivityVersionSchema.nullable() });

/** "judged 3 stored trial cases; left out 4 …": what the CLI and the Sensitivity panel say beside the per-kind table. */
export function trialCasesText({ task, report, trialCasesLeftOut: out }: Pick<SensitivityWhatIfView, 'task' | 'report' | 'trialCasesLeftOut'>): string {
  const judged = `${counted(report.trialCases.length, 'stored trial case')} judged (run as task ${task} or as no task)`;
  const parts: string[] = [];
  const notJudged = report.trials.reduce((sum, kind) => sum + kind.notJudged, 0);
  if (notJudged > 0) parts.push(`${notJudged} not judged (${notJudgedWhy(out.notJudgedCauses)}; in no rate, as \`gatehouse report trial\` counts them)`);
  if (out.runGone > 0) {
    parts.push(`${out.runGone} from ${counted(out.runGoneSessions, 'earlier trial session')} whose runs a later session's fresh staging copy replaced (the ledger keeps their outcomes, not their runs): their rates are in \`gatehouse report trial\`, not replayed here`);
  }
  if (out.otherTasks > 0) parts.push(`${out.otherTasks} run as other tasks, judged with their histories and settings`);
  return parts.length === 0 ? judged : `${judged}; left out: ${parts.join('; ')}`;
}

export const sensitivityTaskInputSchema = z.object({ task });
export const sensitivityWhatIfInputSchema = z.object({
  task,
  settings: sensitivitySettingsSchema,
  /** Whose trial ledger to add (a path, or a schema on PostgreSQL); absent: the default SQLite staging file beside the database, when it exists. */
  staging: z.string().trim().min(1).max(1_000).nullable().optional(),
});
export const sensitivitySaveInputSchema = z.object({
  task,
  settings: sensitivitySettingsSchema,
  /** Every change carries a reason (DESIGN §4). */
  reason: reasonSchema,
  /**
   * The version the settings were edited from, as sensitivity.get showed it (null: none saved yet).
   * Given, a version someone saved since refuses this save with CONFLICT naming it, instead of being
   * replaced unseen; the console always sends it.
   */
  basedOnVersion: z.number().int().positive().nullable().optional(),
});
/** Newest first; `after` is the id of the last version of the previous page. */
export const sensitivityHistoryInputSchema = z
  .object({ task: task.optional(), limit: z.number().int().min(1).max(500).default(100), after: z.number().int().positive().optional() })
  .default({ limit: 100 });

/** Settings in a line, as the CLI prints them and the panel's history shows them. */
export function describeSensitivity(settings: SensitivitySettings): string {
  const metrics = Object.entries(settings.metrics).map(([metric, value]) => `${metric} ${typeof value === 'number' ? `${value}σ` : value}`);
  return `${metrics.length > 0 ? metrics.join(', ') : 'every metric normal'}; ${settings.minSignals === 1 ? 'any one signal alerts' : `${settings.minSignals}+ signals to alert`}`;
}
