import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { rolloutsGetInputSchema } from '../../shared/api-rollouts.js';
import { trialTaskFilterSchema } from '../../shared/api-validation.js';
import { GatehouseError } from '../../shared/errors.js';
import { environmentFailure } from '../engine/index.js';
import { buildReport, ledgerTrials, renderHtml, renderMarkdown, REPORT_KINDS, reportPeriod, rolloutReport, type BuiltReport, type ReportKind, type TrialReader } from '../reports/index.js';
import type { Store } from '../store/index.js';
import { openStore, stagingExists, type DatabaseOption } from '../store/index.js';
import { existingStagingFor } from '../trials/index.js';
import { databaseOption, openExistingStore } from './database.js';
import { parseOptions } from './input.js';
import { printApiJson, printJson } from './output.js';

interface ReportOptions {
  db?: string;
  since?: string;
  task?: string;
  out?: string;
  format?: string;
  trials?: string;
  rollout?: string;
  json?: boolean;
}

/** `.html`/`.htm` → HTML; anything else (or `--format md`) → Markdown. */
function formatFor(options: ReportOptions): 'html' | 'md' {
  if (options.format !== undefined) {
    if (options.format !== 'html' && options.format !== 'md') throw new GatehouseError('USAGE', `--format must be html or md, got "${options.format}"`);
    return options.format;
  }
  return options.out && /\.html?$/i.test(options.out) ? 'html' : 'md';
}

const taskHelp: Record<ReportKind, string> = {
  canary: 'the canary task (required without a rollout that reached its canary stage)',
  trial: 'only the trials judged as this task (gatehouse trial --task): its detection and false-positive rates alone',
  validation: "only this task's runs, and the trials judged as it (gatehouse trial --task)",
  monitoring: "only this task's runs, and the flag changes that reach them (global, kill and its own scope); computed from runs, not a rollout's ledger",
};

/** The kinds that read a trial ledger (--trials) and those a rollout's ledger can render (--rollout): the others are not offered an option they would ignore. */
/** A --trials naming no database is refused naming --trials, not --db. */
const TRIALS_OPTION: DatabaseOption = { option: '--trials', madeBy: '`gatehouse trial --staging TARGET` makes a staging database with its trial ledger' };

const READS_TRIALS: readonly ReportKind[] = ['validation', 'trial'];
const FROM_ROLLOUT: readonly ReportKind[] = ['canary', 'monitoring'];

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('gate reports computed from stored runs and trials');
  for (const kind of REPORT_KINDS) {
    const command = report
      .command(kind)
      .description(`the ${kind} report`)
      .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
      .option('--since <when>', 'only runs since: 48h, 7d, 2w or an ISO date or date and time, UTC unless it names a zone (default: all)')
      .option('--task <name>', taskHelp[kind])
      .option('--out <file>', 'write the report here (.html → self-contained HTML, otherwise Markdown)')
      .option('--format <fmt>', 'html | md (default: from --out)')
      .option('--json', 'print the measured data as JSON');
    if (READS_TRIALS.includes(kind)) command.option('--trials <db>', "read the trial ledger from this staging database (default: the console's staging copy of --db when there is one, else --db itself)");
    if (FROM_ROLLOUT.includes(kind)) command.option('--rollout <id>', 'render from this rollout\'s ledger, its entries since --since (default: the newest rollout that reached the stage, unless --task is given; not with --task)');
    command.action(async (options: ReportOptions) => writeReport(kind, options));
  }
}

async function writeReport(kind: ReportKind, options: ReportOptions): Promise<void> {
  const format = formatFor(options);
  // Checked before anything is opened, and refused naming the option typed; the report reads the same period at the same `now`.
  const now = new Date();
  reportPeriod(options.since, now, '--since');
  if (options.out) refuseUnwritableOut(options.out);
  const store = await openExistingStore(options.db);
  // Trials never write the source database: their ledger lives in the staging target.
  let ledger: Store | null = null;
  try {
    const ledgerTarget = READS_TRIALS.includes(kind) ? await trialLedgerTarget(options) : null;
    ledger = ledgerTarget ? await openStore(ledgerTarget, { mustExist: true, ...(options.trials ? { namedBy: TRIALS_OPTION } : {}) }) : null;
    const trialReader: TrialReader | undefined = ledger ? (_store, filter) => ledgerTrials(ledger!, filter) : undefined;
    const fromLedger = await fromRolloutLedger(store, kind, options, now);
    if (!fromLedger && kind === 'canary' && !options.task) throw new GatehouseError('USAGE', 'report canary needs --task NAME (the canary task) when no rollout reached its canary stage');
    const built = fromLedger ?? (await buildReport(store, { kind, since: options.since, task: taskOption(kind, options.task), trialReader, now }));
    const text = format === 'html' ? renderHtml(built.document) : renderMarkdown(built.document);
    if (options.out) fs.writeFileSync(options.out, text);
    if (options.json) {
      // A canary comparison is the console's canary.report; a rollout ledger's or another kind's report has no twin.
      if (built.canary) printApiJson('canary.report', built.canary);
      else printJson(built.document);
    } else if (!options.out) process.stdout.write(text);
    else process.stdout.write(`${built.document.headline}\nwrote ${options.out}\n`);
  } catch (error) {
    // A report only reads, but what its database refuses meanwhile is said as every other command says it (withStore).
    throw environmentFailure(store, error);
  } finally {
    await ledger?.close();
    await store.close();
  }
}

/**
 * The trial ledger a report reads: --trials, else the staging copy the console's Trials page uses
 * (`<db>.staging.db`, `<schema>_staging`) when one was made — so the CLI and the console report the
 * same trials — else the database itself (a staging copy given as --db holds its own ledger).
 */
async function trialLedgerTarget(options: ReportOptions): Promise<string | null> {
  if (options.trials) return options.trials;
  const staging = existingStagingFor(databaseOption(options.db));
  return staging !== null && (await stagingExists(staging)) ? staging : null;
}

/** The task filter, refused as the console's reports.trial and trials.summary refuse it (a blank name is no filter nobody asked for); the canary's is required, and refused above. */
function taskOption(kind: ReportKind, task: string | undefined): string | undefined {
  if (kind === 'canary') return task;
  return parseOptions(trialTaskFilterSchema, { task }).task ?? undefined;
}

/** Checked before the report is computed, so a wrong path costs nothing and leaves no half-written file. */
function refuseUnwritableOut(out: string): void {
  const folder = path.dirname(path.resolve(out));
  if (!fs.existsSync(folder)) throw new GatehouseError('USAGE', `--out: folder ${folder} does not exist`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new GatehouseError('USAGE', `--out: ${out} is a directory; give a file name to write the report to`);
}

/** When a rollout exists, the canary and monitoring reports are its ledger: each decision with the evidence it saw (with --since, those written since). */
async function fromRolloutLedger(store: Store, kind: ReportKind, options: ReportOptions, now: Date): Promise<BuiltReport | null> {
  if (kind !== 'canary' && kind !== 'monitoring') return null;
  if (options.rollout !== undefined && options.task !== undefined) {
    throw new GatehouseError('USAGE', `--rollout renders that rollout's ledger, which --task does not filter: give --rollout ID, or --task NAME for the ${kind} report computed from the task's runs`);
  }
  if (options.task !== undefined) return null;
  const { rolloutId } = parseOptions(rolloutsGetInputSchema, { rolloutId: options.rollout }, { rolloutId: '--rollout' });
  const document = await rolloutReport(store, kind, { rolloutId, now, since: reportPeriod(options.since, now, '--since').since });
  return document ? { document } : null;
}
