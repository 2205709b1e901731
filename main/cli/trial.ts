import type { Command } from 'commander';
import { GatehouseError } from '../../shared/errors.js';
import { CLEAN_RUNS_FLAGGED, INJECTED_CAUGHT, rateWithN as rateText, trialRateOf } from '../../shared/intervals.js';
import { counted, formatCount } from '../../shared/plural.js';
import { MAX_SWEEP_REPEAT, parseTrialSpec, runTrials, sweepSpecs, TRIAL_KINDS, type LedgerSummary, type TrialOutcome } from '../trials/index.js';
import { databaseOption, storeOpenerFromEnvironment } from './database.js';
import { mixedSettingsNote, notJudgedWhy, SCORED_ON_LAST_RUN_ONLY, trialSessionNotes, trialSettingsText, trialsRunInputSchema, trialVerdictText } from '../../shared/api-validation.js';
import { collectRepeated, parseOptions, withOperator } from './input.js';
import { printJson, printTable } from './output.js';
import { stopRunOnSignals } from './stop-signals.js';

/** The console's own limits (trials.run): 20 injections, 20 controls, a 10-fold sweep; one schema, so neither surface takes what the other refuses. */
const trialCountsSchema = trialsRunInputSchema.pick({ injections: true, controls: true, seedHistoryDays: true, repeat: true });

interface TrialFlags {
  db?: string;
  staging?: string;
  inject?: string[];
  control?: string;
  seedHistory?: string;
  sweep?: boolean;
  repeat?: string;
  task?: string;
  operator?: string;
  json?: boolean;
}

/**
 * `gatehouse trial`: the source database is only read. The staging target (a file, or a schema
 * of the same PostgreSQL database) is replaced by a fresh copy each time, except its `trials`
 * table: that is the running ledger, and `gatehouse report trial --db STAGING` reads it.
 */
export function registerTrialCommand(program: Command): void {
  program
    .command('trial')
    .description('copy the database to staging, run updates there with injected anomalies, and measure what is caught')
    .option('--db <db>', 'the source database: SQLite file path or postgres:// URL (default: $GATEHOUSE_DB); never written')
    .option('--staging <target>', 'a SQLite file path, or postgres://…?schema=NAME in the source\'s database; replaced by a fresh copy (its trials ledger is kept)')
    .option('--inject <kind[:magnitude]>', `repeatable: ${TRIAL_KINDS.join(', ')}`, collectRepeated)
    .option('--control <n>', 'clean control runs, for the false-positive rate (default 1)')
    .option('--seed-history <days>', 'when staging has too little history for the seasonal validator, seed this many synthetic days first (default 0: say so instead)')
    .option('--sweep', 'run each --inject kind at a ladder of magnitudes (its own magnitude is ignored) and report detection against magnitude')
    .option('--repeat <n>', `with --sweep: trials per magnitude, 1 to ${MAX_SWEEP_REPEAT} (default 1)`)
    .option('--task <name>', "judge as this task: its sensitivity version in force, and its own history when it has enough (default: no task, the default sensitivity)")
    .option('--operator <name>', 'who is running the trials, kept with the session and its runs (default: the OS user)')
    .option('--json', 'print JSON')
    .action(async (flags: TrialFlags) => {
      const source = databaseOption(flags.db);
      if (!flags.staging) throw new GatehouseError('USAGE', 'trial needs --staging TARGET (a file path or postgres://…?schema=NAME)');
      const kinds = flags.inject ?? [];
      const written = kinds.map(parseTrialSpec);
      const { controls, seedHistoryDays, repeat, operator } = parseOptions(
        withOperator(trialCountsSchema),
        { injections: written.map(({ kind, magnitude }) => ({ kind, magnitude })), controls: flags.control, seedHistoryDays: flags.seedHistory, repeat: flags.repeat, operator: flags.operator },
        { injections: '--inject', controls: '--control', seedHistoryDays: '--seed-history', repeat: '--repeat' },
      );
      if (flags.repeat !== undefined && !flags.sweep) throw new GatehouseError('USAGE', '--repeat goes with --sweep');
      if (flags.sweep && kinds.length === 0) throw new GatehouseError('USAGE', '--sweep needs the kinds to sweep: --inject KIND (repeatable)');
      const injections = flags.sweep ? sweepSpecs(kinds, repeat) : written;
      const task = flags.task === undefined ? null : flags.task.trim();
      if (task === '') throw new GatehouseError('USAGE', '--task needs a task name (see `gatehouse tasks list`)');
      // Ctrl-C stops the trial run under way at its batch boundary (Node's default killed it mid-batch, the staging run and the session left `running`).
      const stopping = stopRunOnSignals('trial', () => 'stopping the trial run under way at its next batch boundary, starting no other trial');
      let outcome: TrialOutcome;
      try {
        outcome = await runTrials({ source, staging: flags.staging, injections, controls, seedHistoryDays, task, operator, open: storeOpenerFromEnvironment(), signal: stopping.signal });
      } finally {
        stopping.dispose();
      }
      if (flags.json) return printJson(outcome);
      printOutcome(outcome);
      if (flags.sweep) printSweep(outcome.summary);
    });
}

function printSummary(title: string, summary: LedgerSummary): void {
  process.stdout.write(
    `${title}: detection ${rateText(summary.caught, summary.injected, summary.detectionInterval, INJECTED_CAUGHT)}, false positives ${rateText(summary.falsePositives, summary.controls, summary.falsePositiveInterval, CLEAN_RUNS_FLAGGED)}${summary.notJudged > 0 ? `; ${formatCount(summary.notJudged)} not judged (${notJudgedWhy(summary.notJudgedCauses)}; in neither rate)` : ''}\n`,
  );
}

/** Detection against magnitude, per kind: where each kind starts being caught. */
function printSweep(summary: LedgerSummary): void {
  process.stdout.write('detection against magnitude (this session; false positives: controls on which the same alarms fired)\n');
  printTable(
    ['kind', 'magnitude', 'detection', 'false positives', 'judged with'],
    summary.byMagnitude.map((m) => [m.kind, m.magnitude, rateText(m.caught, m.injected, m.detectionInterval, INJECTED_CAUGHT), rateText(m.falsePositives, m.controls, m.falsePositiveInterval, CLEAN_RUNS_FLAGGED), trialSettingsText(m)]),
  );
}

function printOutcome(outcome: TrialOutcome): void {
  process.stdout.write(`staging ${outcome.staging}: copy of ${outcome.source}, ${counted(outcome.historyRuns, 'run')} of history${outcome.seededRuns ? ` (${outcome.seededRuns} seeded)` : ''}\n`);
  process.stdout.write(`judged with ${trialSettingsText(outcome)}${outcome.task === null ? '; --task NAME judges as a task' : ''}\n`);
  for (const note of trialSessionNotes(outcome)) process.stdout.write(`note: ${note}\n`);
  printTable(
    ['trial', 'run', 'day', 'caught', 'by', 'verdict'],
    outcome.trials.map((t) => [t.label, t.runId, t.startedAt.slice(0, 10), t.notJudged ? 'not judged' : t.level === 'control' ? (t.caught ? 'FLAGGED' : 'clean') : t.caught ? 'yes' : 'NO', t.caughtBy.join(', ') || null, trialVerdictText(t)]),
  );
  for (const t of outcome.trials) if (t.notJudged) process.stdout.write(`${t.label}: ${t.notJudged}\n`);
  printSummary('this session', outcome.summary);
  printSummary(`ledger (${outcome.ledger.trials} trials)`, outcome.ledger);
  const mixed = mixedSettingsNote(outcome.ledger.judgedWith);
  if (mixed) process.stdout.write(`note: ${mixed}\n`);
  // Per kind and per task's settings: a kind judged as a task and without one is two rows, not one rate of both.
  printTable(['kind', 'judged', 'caught', 'rate', 'not judged', 'judged with'], outcome.ledger.byKind.map((k) => [k.scoredOnLastRunOnly ? `${k.kind} (${SCORED_ON_LAST_RUN_ONLY})` : k.kind, k.trials, k.caught, rateText(k.caught, k.trials, k.interval, trialRateOf(k.level)), k.notJudged, trialSettingsText(k)]));
}

