import type { Command } from 'commander';
import * as z from 'zod';
import { API_METHODS } from '../../shared/api.js';
import { describeSensitivity, sensitivityTuneSchema, trialCasesText, type SensitivityWhatIfView } from '../../shared/api-sensitivity.js';
import { SENSITIVITY_METRICS, sensitivitySettingsSchema, sensitivityValueSchema, type SensitivitySettings } from '../../shared/validation.js';
import { actorName } from '../flags/index.js';
import { sensitivityWhatIfWithStaging } from '../trials/index.js';
import { saveSensitivity, sensitivityInForce } from '../validation/index.js';
import { databaseOption, withStore } from './database.js';
import { parseOptions, withOperator } from './input.js';
import { printJson, printTable } from './output.js';

const whatIfInputSchema = API_METHODS['sensitivity.whatIf'].input;
const saveInputSchema = API_METHODS['sensitivity.save'].input;

/**
 * One change to a task's settings: a metric's sensitivity, the signals a run needs, or both. The
 * task, the staging copy and the reason are the API's own fields (sensitivity.whatIf and .save),
 * so `validate tune` refuses what the Sensitivity panel refuses, with the same rule.
 */
const tuneInputSchema = withOperator(
  whatIfInputSchema.omit({ settings: true }).extend({
    metric: z.enum(SENSITIVITY_METRICS).optional(),
    sensitivity: sensitivityValueSchema.optional(),
    minSignals: sensitivitySettingsSchema.shape.minSignals.unwrap().optional(),
    reason: saveInputSchema.shape.reason.optional(),
    dryRun: z.boolean().default(false),
  }),
)
  .refine((input) => (input.metric === undefined) === (input.sensitivity === undefined), { message: 'give --metric and --sensitivity together', path: ['metric'] })
  .refine((input) => input.metric !== undefined || input.minSignals !== undefined, { message: 'nothing to change: give --metric M --sensitivity X and/or --min-signals N', path: ['metric'] })
  .refine((input) => input.dryRun || input.reason !== undefined, { message: 'needed to save: every change is audited (--dry-run only shows the what-if)', path: ['reason'] });

interface TuneFlags {
  db?: string;
  task?: string;
  metric?: string;
  sensitivity?: string;
  minSignals?: string;
  dryRun?: boolean;
  staging?: string;
  reason?: string;
  operator?: string;
  json?: boolean;
}

/**
 * `gatehouse validate tune`: changes one task's sensitivity, printing first what the change would
 * have done (stored runs that would alert, trial cases caught, old beside new) and saving a new
 * audited version only without --dry-run.
 */
export function registerTuneCommand(validate: Command): void {
  validate
    .command('tune')
    .description('set a metric\'s sensitivity for a task: shows the what-if (backtest and trial cases, old vs new), then saves a new audited version')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--task <name>', 'the task whose settings change (required)')
    .option('--metric <metric>', SENSITIVITY_METRICS.join(' | '))
    .option('--sensitivity <value>', 'off | low | normal | high, or the alarm score in sigmas (1–10)')
    .option('--min-signals <n>', 'alert only when this many metrics are off (1–4; the seed\'s "require 2+ signals")')
    .option('--dry-run', 'show the what-if and save nothing')
    .option('--staging <target>', 'the staging copy whose trial ledger to add (default: the SQLite file `gatehouse trial` uses beside --db, when it exists)')
    .option('--reason <text>', 'why (required to save: every change is audited)')
    .option('--operator <name>', 'who is making the change (default: the OS user)')
    .option('--json', 'print JSON')
    .action(async (_options: TuneFlags, command: Command) => {
      // validate's own --json, --db and --task are recognised after `tune` too (commander gives them to validate): read both.
      const flags = command.optsWithGlobals<TuneFlags>();
      const input = parseOptions(tuneInputSchema, { ...flags, dryRun: flags.dryRun ?? false, db: undefined, json: undefined });
      await withStore(flags.db, async (store) => {
        const inForce = await sensitivityInForce(store, input.task);
        const current = inForce.settings;
        const after: SensitivitySettings = {
          metrics: input.metric ? { ...current.metrics, [input.metric]: input.sensitivity } : current.metrics,
          minSignals: input.minSignals ?? current.minSignals,
        };
        // The console's what-if and save, on what the panel would have sent them.
        const whatIf = await sensitivityWhatIfWithStaging(store, databaseOption(flags.db), whatIfInputSchema.parse({ task: input.task, settings: after, staging: input.staging }));
        const saved = input.dryRun
          ? null
          : await saveSensitivity(store, { ...saveInputSchema.parse({ task: input.task, settings: after, reason: input.reason, basedOnVersion: inForce.version?.version ?? null }), operator: actorName(input.operator) });
        if (flags.json) return printJson(sensitivityTuneSchema.parse({ ...whatIf, saved }));
        printWhatIf(whatIf);
        process.stdout.write(saved ? `saved version ${saved.version} of ${saved.task}'s sensitivity by ${saved.operator}: ${saved.reason}\n` : 'dry run: nothing saved\n');
      });
    });
}

function printWhatIf(whatIf: SensitivityWhatIfView): void {
  const { task, before, after, report } = whatIf;
  process.stdout.write(`what-if for task ${task}\n  in force: ${describeSensitivity(before)}\n  new:      ${describeSensitivity(after)}\n`);
  process.stdout.write(`stored runs replayed: ${report.runsJudged}\n`);
  printTable(
    ['', 'runs alerting', 'distinct alerts'],
    [
      ['in force', report.before.alertedRuns, report.before.alerts],
      ['new', report.after.alertedRuns, report.after.alerts],
    ],
  );
  if (report.newlyAlerted.length > 0) process.stdout.write(`  would newly alert: ${report.newlyAlerted.join(', ')}\n`);
  if (report.noLongerAlerted.length > 0) process.stdout.write(`  would no longer alert: ${report.noLongerAlerted.join(', ')}\n`);
  if (report.trials.length > 0) printTable(['trial kind', 'cases', 'caught in force', 'caught new', 'not judged'], report.trials.map((t) => [t.kind, t.cases, t.caughtBefore, t.caughtAfter, t.notJudged]));
  const leftOut = whatIf.trialCasesLeftOut;
  if (report.trials.length === 0 && leftOut.runGone === 0 && leftOut.otherTasks === 0) process.stdout.write('no stored trial cases (run `gatehouse trial` on this database to have some)\n');
  else process.stdout.write(`${trialCasesText(whatIf)}\n`);
}


