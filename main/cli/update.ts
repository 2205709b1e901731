import type { Command } from 'commander';
import * as z from 'zod';
import { runsResumeInputSchema, startRunInputSchema } from '../../shared/api.js';
import { GatehouseError } from '../../shared/errors.js';
import { formatCount } from '../../shared/plural.js';
import { flagChangeLine, type RunEvent, type RunSummary } from '../../shared/run.js';
import { openSource, type RecordSource } from '../sources/index.js';
import { lookbackDaysSchema } from '../../shared/lookback.js';
import { openStore, type Store } from '../store/index.js';
import { runFlaggedUpdate } from '../scheduler/index.js';
import { actorName } from '../flags/index.js';
import { cliNotifier } from './notifier.js';
import { printJson, terminalText, updateExitCodesHelp } from './output.js';
import { quitOnSignalsWhileStarting, stopRunOnSignals } from './stop-signals.js';
import { terminalProgress } from './progress.js';
import { reportingUnreadable } from './unreadable.js';
import { logger, logRunEvents } from '../logging/index.js';
import { databaseOption, holdingAtSnapshotRemoval, pausingAfterBatch, pausingAfterOpen, pausingAfterRunCreated, storeOptionsFromEnvironment } from './database.js';
import { parseOptions, withOperator } from './input.js';
import { addSourceOptions, parseSourceFlags, type SourceFlags } from './source-options.js';

const log = logger('cli');

/** What the console sends to start a run, plus what only the command line offers. */
const updateInputSchema = startRunInputSchema.extend({
  resumeRunId: runsResumeInputSchema.shape.runId.optional(),
  // Checked here for every source, not only by the congress source that reads them: a bad value is a slip however the run is fed.
  lookbackDays: lookbackDaysSchema.optional(),
  congress: z.number().int().min(1).optional(),
});

interface UpdateFlags extends SourceFlags {
  db?: string;
  source: string;
  batchSize?: string;
  mode?: string;
  task?: string;
  resume?: string;
  snapshot?: boolean;
  fullIntegrityCheck?: boolean;
  lookbackDays?: string;
  congress?: string;
  operator?: string;
  json?: boolean;
}

export function registerUpdateCommand(program: Command): void {
  // Both flags set one value, the last given winning: `--snapshot --no-snapshot` ran without the snapshot asked for, unsaid.
  const snapshotFlags = new Set<string>();
  const command = addSourceOptions(program
    .command('update')
    .description('fetch records from a source and apply them in validated batches')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .requiredOption('--source <spec>', 'file:PATH | synthetic:seed=N,count=M[,…] | congress:BASE_URL')
    .option('--batch-size <n>', 'changes per batch, 1–10000 (default 50)')
    .option('--mode <mode>', 'batch | all-or-nothing (default batch)')
    .option('--task <name>', 'the task this run belongs to: the flags in force for it and the history it is judged on (a name no run has carried yet starts that history; default: none, the global flags)')
    .option('--resume <run>', 'continue an interrupted run from its last checkpoint')
    .option('--snapshot', 'take a snapshot before this run even when the policy finds none due')
    .option('--no-snapshot', 'take no snapshot before this run (the undo journal keeps it reversible)')
    .option('--full-integrity-check', 'run quick_check over the whole database before this run, even when it is as the last verified run left it')
    .option('--lookback-days <n>', 'congress: days of updates to fetch, 1–90 (default 7)')
    .option('--congress <n>', 'congress: which Congress to list (default: each one sitting during the lookback window; a resume lists those its run listed)'))
    .option('--operator <name>', 'who is running it, named by the writer lock to anyone it refuses meanwhile (default: the OS user)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', updateExitCodesHelp())
    .action(async (flags: UpdateFlags) => {
      const both = snapshotFlags.size > 1;
      snapshotFlags.clear();
      if (both) throw new GatehouseError('USAGE', '--snapshot and --no-snapshot contradict each other: give one (neither: the snapshot policy decides)');
      process.exitCode = await update(flags);
    });
  for (const flag of ['snapshot', 'no-snapshot']) command.on(`option:${flag}`, () => snapshotFlags.add(flag));
}

async function update(flags: UpdateFlags): Promise<number> {
  // Unset options fall to the flags in force for the task (ENABLE_BATCH_PROCESSING, BATCH_SIZE).
  const { mode, batchSize, task, resumeRunId, lookbackDays, congress, fullIntegrityCheck, operator, ...input } = parseOptions(
    withOperator(updateInputSchema),
    {
      source: flags.source, batchSize: flags.batchSize, mode: flags.mode, task: flags.task, fullIntegrityCheck: flags.fullIntegrityCheck,
      resumeRunId: flags.resume, lookbackDays: flags.lookbackDays, congress: flags.congress, operator: flags.operator,
    },
    { resumeRunId: '--resume' },
  );
  const sourceFlags = parseSourceFlags(flags);
  const starting = quitOnSignalsWhileStarting('update', { json: flags.json === true });
  let source: RecordSource;
  let store: Store;
  try {
    starting.at('opening the source');
    source = await openSource(input.source, { ...sourceFlags.options, lookbackDays, congress });
    starting.at('opening the database');
    store = await openStore(databaseOption(flags.db), storeOptionsFromEnvironment());
  } finally {
    starting.dispose();
  }
  pausingAfterOpen();
  pausingAfterRunCreated(store);
  holdingAtSnapshotRemoval(store);
  // Unset, the flags in force choose it; the run says which as it starts.
  let runMode = mode;
  // A re-listed source (congress) commits what it already fetched: each record cost a request of its quota.
  const stopping = stopRunOnSignals('update', () => runMode === 'all-or-nothing'
    ? 'rolling back the update (all-or-nothing keeps nothing of a run that did not finish)'
    : source.listing ? 'committing the records already fetched' : 'finishing the current batch');
  const progress = terminalProgress(!flags.json && process.stderr.isTTY === true);
  const runLog = logRunEvents(logger('run', { terminalLevel: 'silent' }).child({ db: store.location }));
  const pauseAfterBatch = pausingAfterBatch();
  const onEvent = (event: RunEvent) => {
    if (event.type === 'run-started') runMode = event.mode;
    pauseAfterBatch(event);
    stopping.onEvent(event);
    progress.onEvent(event);
    runLog(event);
  };
  // --json keeps stderr for errors; a person at a terminal hears about each unreadable line.
  const reported = flags.json
    ? source
    : reportingUnreadable(source, (message) => {
        log.warn(message);
        runLog({ type: 'warning', runId: null, message });
      });
  try {
    // The same path as scheduled tasks and the console: the flags in force for the task choose
    // mode, batch size, isolation, validation, snapshots and notifications; explicit options win.
    const { summary } = await runFlaggedUpdate({
      store,
      source: reported,
      mode,
      batchSize,
      // Unnamed, a resume goes on as its run's task (judged on that task's history); named, it must be the run's.
      task: flags.task === undefined && resumeRunId !== undefined ? undefined : task,
      resumeRunId,
      operator: actorName(operator),
      snapshots: flags.snapshot,
      fullIntegrityCheck,
      notifier: cliNotifier(store, { summaryPrinted: !flags.json }),
      signal: stopping.signal,
      onEvent,
    });
    progress.stop();
    if (flags.json) printJson(summary);
    else printHumanSummary(summary);
    return stopping.exitCode(summary.status);
  } finally {
    progress.stop();
    stopping.dispose();
    await store.close();
  }
}

function printHumanSummary(summary: RunSummary): void {
  const m = summary.metrics;
  const b = summary.batches;
  const rate = m.durationMs > 0 ? Math.round((m.fetched / m.durationMs) * 1000) : m.fetched;
  const n = formatCount;
  const lines = [
    `run ${summary.runId}: ${summary.status} (${summary.mode}, batch size ${n(summary.batchSize)})`,
    `  ${n(m.fetched)} fetched: ${n(m.added)} added, ${n(m.updated)} updated, ${n(m.unchanged)} unchanged, ${n(m.quarantined)} quarantined${m.rolledBack ? `, ${n(m.rolledBack)} rolled back` : ''}`,
    `  batches: ${n(b.succeeded)}/${n(b.total)} committed, ${n(b.isolated)} isolated, ${n(b.failed)} failed${b.rolledBack ? `, ${n(b.rolledBack)} rolled back since` : ''}`,
    `  ${n(m.durationMs)} ms (${n(rate)} records/s)`,
  ];
  // A task's run reaches back over missed runs: the window it listed is not always the lookback asked for.
  if (summary.sourceWindow) lines.push(`  listed: updates from ${summary.sourceWindow.from} to ${summary.sourceWindow.to}`);
  if (summary.snapshot) lines.push(`  snapshot: ${summary.snapshot.taken ? `taken (${summary.backupId ?? 'no id'})` : 'none'}: ${summary.snapshot.reason}`);
  if (summary.snapshot?.integrity) lines.push(`  integrity check: ${summary.snapshot.integrity.check}: ${summary.snapshot.integrity.reason}`);
  if (summary.reconciliation) {
    const r = summary.reconciliation;
    lines.push(`  reconciliation: ${r.ok ? `ok (${r.checks.length} checks)` : `FAILED${r.problems.map((p) => `\n    - ${p}`).join('')}`}`);
  }
  for (const change of summary.flagChanges ?? []) lines.push(`  kill: ${flagChangeLine(change)}`);
  for (const warning of summary.sourceWarnings ?? []) lines.push(`  source: ${warning.message}`);
  if (summary.validation) lines.push(`  validation: ${summary.validation.verdict}${summary.validation.anomalies.map((a) => `\n    - ${a.message}`).join('')}`);
  if (summary.status === 'held') {
    lines.push(`  held for review (BLOCK_ON_ANOMALY): gatehouse runs accept ${summary.runId} --reason TEXT, or gatehouse rollback --run ${summary.runId}`);
  }
  if (summary.error) lines.push(`  error: ${summary.error}`);
  if (m.quarantined > 0) lines.push(`  see: gatehouse quarantine list --run ${summary.runId}`);
  process.stdout.write(`${terminalText(lines.join('\n'))}\n`);
}
