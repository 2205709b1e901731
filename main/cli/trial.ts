import type { Command } from 'commander';
import { GatehouseError } from '../../shared/errors.js';
import { parseTrialSpec, runTrials, TRIAL_KINDS, type LedgerSummary, type TrialOutcome } from '../trials/index.js';
import { databaseOption } from './database.js';
import { trialsRunInputSchema } from '../../shared/api-validation.js';
import { parseOptions } from './input.js';
import { printJson, printTable } from './output.js';

const trialCountsSchema = trialsRunInputSchema.pick({ controls: true, seedHistoryDays: true });

interface TrialFlags {
  db?: string;
  staging?: string;
  inject: string[];
  control?: string;
  seedHistory?: string;
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
    .option('--inject <kind[:magnitude]>', `repeatable: ${TRIAL_KINDS.join(', ')}`, (value: string, all: string[]) => [...all, value], [])
    .option('--control <n>', 'clean control runs, for the false-positive rate (default 1)')
    .option('--seed-history <days>', 'when staging has too little history for the seasonal validator, seed this many synthetic days first (default 0: say so instead)')
    .option('--json', 'print JSON')
    .action(async (flags: TrialFlags) => {
      const source = databaseOption(flags.db);
      if (!flags.staging) throw new GatehouseError('USAGE', 'trial needs --staging TARGET (a file path or postgres://…?schema=NAME)');
      const injections = flags.inject.map(parseTrialSpec);
      const { controls, seedHistoryDays } = parseOptions(trialCountsSchema, { controls: flags.control, seedHistoryDays: flags.seedHistory }, { controls: '--control', seedHistoryDays: '--seed-history' });
      const outcome = await runTrials({ source, staging: flags.staging, injections, controls, seedHistoryDays });
      if (flags.json) return printJson(outcome);
      printOutcome(outcome);
    });
}

const percent = (value: number | null) => (value === null ? 'no data' : `${(value * 100).toFixed(1)} %`);

function printSummary(title: string, summary: LedgerSummary): void {
  process.stdout.write(`${title}: detection ${percent(summary.detectionRate)} (${summary.caught}/${summary.injected}), false positives ${percent(summary.falsePositiveRate)} (${summary.falsePositives}/${summary.controls})\n`);
}

function printOutcome(outcome: TrialOutcome): void {
  process.stdout.write(`staging ${outcome.staging}: copy of ${outcome.source}, ${outcome.historyRuns} runs of history${outcome.seededRuns ? ` (${outcome.seededRuns} seeded)` : ''}\n`);
  if (outcome.historyNote) process.stdout.write(`note: ${outcome.historyNote}\n`);
  printTable(
    ['trial', 'run', 'day', 'caught', 'by', 'verdict'],
    outcome.trials.map((t) => [t.label, t.runId, t.startedAt.slice(0, 10), t.level === 'control' ? (t.caught ? 'FLAGGED' : 'clean') : t.caught ? 'yes' : 'NO', t.caughtBy.join(', ') || null, t.verdict]),
  );
  printSummary('this session', outcome.summary);
  printSummary(`ledger (${outcome.ledger.trials} trials)`, outcome.ledger);
  printTable(['kind', 'trials', 'caught', 'rate'], outcome.ledger.byKind.map((k) => [k.kind, k.trials, k.caught, percent(k.rate)]));
}
