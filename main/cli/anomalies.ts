import type { Command } from 'commander';
import { anomaliesListInputSchema, anomalyIsOpen, anomaliesMarkInputSchema, type AnomalousRunView, anomaliesMarkManyInputSchema, runsAcceptInputSchema } from '../../shared/api-validation.js';
import { GatehouseError } from '../../shared/errors.js';
import { ANOMALY_REVIEWS, anomalyMessages, EXPECTED_REASON_KINDS } from '../../shared/validation.js';
import { withStore } from './database.js';
import { collectRepeated, parseOptions, POSITIONAL_IDS, withOperator } from './input.js';
import { printApiJson, printJson, printTable } from './output.js';
import { counted } from '../../shared/plural.js';

/**
 * The validator and the flags are loaded when a command runs, not when it is registered: `runs list`
 * registers `runs accept` beside it and should not compile the engine to start (bench/cli-start.ts).
 */
const validation = () => import('../validation/index.js');
const flagsModule = () => import('../flags/index.js');

/** The review cell of an anomaly support rolled back whole: by whom and when, as `rollback --list` shows it. */
function rolledBackBy(rolledBack: AnomalousRunView['rolledBack']): string {
  return rolledBack?.operator ? `rolled back by ${rolledBack.operator} at ${rolledBack.at}` : 'rolled back';
}

interface CommonFlags {
  db?: string;
  json?: boolean;
}

/** `gatehouse anomalies list|mark`: operator feedback on what the historical validator flagged. */
export function registerAnomaliesCommands(program: Command): void {
  const anomalies = program.command('anomalies').description('runs the historical validator flagged, and the feedback on them');
  anomalies
    .command('list')
    .description('open anomalies, newest first, with their review (the runs of one change fold into one)')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--open', 'only anomalies nobody has marked yet')
    .option('--limit <n>', 'how many anomalies (default 100)')
    .option('--after <run>', 'the next page: anomalies older than this one (the last run id of the previous page)')
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { open?: boolean; limit?: string; after?: string }) => {
      const query = parseOptions(anomaliesListInputSchema, { open: flags.open ?? false, limit: flags.limit, after: flags.after });
      // Through withStore, as every other command: a read the database refused (a statement the server canceled) was an "unexpected error", exit 1.
      const list = await withStore(flags.db, async (store) => (await validation()).listAnomalousRuns(store, query));
      if (flags.json) return printApiJson('anomalies.list', list);
      printTable(
        ['run', 'task', 'status', 'started', 'runs', 'last run', 'review', 'anomalies'],
        list.map((a) => [a.runId, a.task, a.status, a.startedAt, a.runCount, a.runCount > 1 ? `${a.lastRunId} (${a.lastStartedAt})` : null, a.review ?? (anomalyIsOpen(a) ? null : rolledBackBy(a.rolledBack)), anomalyMessages(a.anomalies)]),
      );
    });
  anomalies
    .command('mark')
    .description('mark a run\'s anomaly, with every run of its change, expected (they stay in the training history) or confirmed (they leave it)')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .requiredOption('--run <id>', 'the anomalous run')
    .requiredOption('--as <review>', ANOMALY_REVIEWS.join(' | '))
    .option('--reason-kind <kind>', `for expected: ${EXPECTED_REASON_KINDS.join(' | ')}`)
    .requiredOption('--reason <text>', 'why, in a sentence')
    .option('--operator <name>', 'who is marking (default: the OS user)')
    .option('--expect-review <id>', 'mark only if the anomaly\'s newest review is still this one (its id in `anomalies list --json`; `none`: never reviewed); otherwise refuse with exit 2 and say who reviewed it')
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { run: string; as: string; reasonKind?: string; reason: string; operator?: string; expectReview?: string }) => {
      // Without it the mark is decided now, on what the run is now: a script that lists, then marks later, passes what it listed.
      const expectedReviewId = flags.expectReview?.trim().toLowerCase() === 'none' ? null : flags.expectReview;
      const { runId, ...mark } = parseOptions(
        withOperator(anomaliesMarkInputSchema),
        { runId: flags.run, as: flags.as, reasonKind: flags.reasonKind, reason: flags.reason, operator: flags.operator, expectedReviewId },
        { runId: '--run', expectedReviewId: '--expect-review' },
      );
      const review = await withStore(flags.db, async (store) => (await validation()).markAnomaly(store, { runId, ...mark, operator: (await flagsModule()).actorName(mark.operator) }));
      if (flags.json) return printApiJson('anomalies.mark', review);
      const effect = review.action === 'confirmed' ? 'it leaves the training history' : 'it stays in the training history';
      process.stdout.write(`run ${runId} marked ${review.action}${review.reasonKind ? ` (${review.reasonKind})` : ''}: ${effect}\n`);
    });
  registerMarkManyCommand(anomalies);
}


/** `--expect-review 12:34` / `12:none` → the run and the review its mark is based on; other text is refused, naming the option. */
function runExpectation(text: string): { runId: unknown; latestReviewId: unknown } {
  const match = /^\s*([^:\s]+)\s*:\s*(\S+)\s*$/.exec(text);
  if (!match) throw new GatehouseError('USAGE', `--expect-review takes RUN:REVIEW (a review id, or none: never reviewed), got "${text}"`);
  const asNumber = (part: string) => (/^\d+$/.test(part) ? Number(part) : part);
  return { runId: asNumber(match[1]!), latestReviewId: match[2]!.toLowerCase() === 'none' ? null : asNumber(match[2]!) };
}

/**
 * `gatehouse anomalies mark-many`: the console's bulk review (anomalies.markMany) — one reason for
 * many runs, all or none, and with --expect-review per run the same protection as `mark`.
 */
function registerMarkManyCommand(anomalies: Command): void {
  anomalies
    .command('mark-many')
    .description('mark many runs\' anomalies (each with every run of its change) expected or confirmed, with one reason: all of them or, on any refusal, none')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--run <ids>', 'an anomalous run (repeatable, or comma-separated)', collectRepeated)
    .requiredOption('--as <review>', ANOMALY_REVIEWS.join(' | '))
    .option('--reason-kind <kind>', `for expected: ${EXPECTED_REASON_KINDS.join(' | ')}`)
    .requiredOption('--reason <text>', 'why, in a sentence (recorded on each run)')
    .option('--operator <name>', 'who is marking (default: the OS user)')
    .option('--expect-review <run:id>', 'repeatable: mark only if that run\'s anomaly\'s newest review is still this one (`12:34`; `12:none`: never reviewed); if any is not, mark nothing, exit 2 and name every such run', collectRepeated)
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { run?: string[]; as: string; reasonKind?: string; reason: string; operator?: string; expectReview?: string[] }) => {
      const expectedReviews = flags.expectReview?.map(runExpectation);
      const { runIds, expectedReviews: expected, ...mark } = parseOptions(
        withOperator(anomaliesMarkManyInputSchema),
        { runIds: flags.run?.join(','), as: flags.as, reasonKind: flags.reasonKind, reason: flags.reason, operator: flags.operator, expectedReviews },
        { runIds: '--run', expectedReviews: '--expect-review' },
      );
      const reviews = await withStore(flags.db, async (store) => (await validation()).markAnomalies(store, { runIds, ...mark, expected, operator: (await flagsModule()).actorName(mark.operator) }));
      if (flags.json) return printApiJson('anomalies.markMany', { reviews });
      const effect = mark.as === 'confirmed' ? 'they leave the training history' : 'they stay in the training history';
      process.stdout.write(`${counted(reviews.length, 'run')} marked ${mark.as}${mark.reasonKind ? ` (${mark.reasonKind})` : ''} (${reviews.map((r) => r.runId).join(', ')}): ${effect}\n`);
    });
}

/** `gatehouse runs accept ID --reason`: lets a run held by BLOCK_ON_ANOMALY stand. */
export function registerAcceptCommand(runs: Command): void {
  runs
    .command('accept <id>')
    .description('accept a run held by BLOCK_ON_ANOMALY (to undo it instead: gatehouse rollback --run ID)')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .requiredOption('--reason <text>', 'why the run may stand')
    .option('--operator <name>', 'who is accepting (default: the OS user)')
    .option('--json', 'print JSON')
    .action(async (runIdText: string, flags: CommonFlags & { reason: string; operator?: string }) => {
      const { runId, reason, operator } = parseOptions(withOperator(runsAcceptInputSchema), { runId: runIdText, reason: flags.reason, operator: flags.operator }, POSITIONAL_IDS);
      const accepted = await withStore(flags.db, async (store) => (await validation()).acceptHeldRun(store, { runId, reason, operator: (await flagsModule()).actorName(operator) }));
      if (flags.json) return printApiJson('runs.accept', { runId, status: accepted.status, review: accepted.review });
      process.stdout.write(`run ${runId} accepted: now ${accepted.status}\n`);
    });
}

/** `gatehouse backtest`: how the validator would have judged every stored run, walking forward. */
export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('walk forward over the stored runs, judging each against only the runs before it')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--all', 'list every judged run, not only those that would have alerted')
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { all?: boolean }) => {
      const report = await withStore(flags.db, async (store) => (await validation()).backtest(store, { all: flags.all ?? false }));
      if (flags.json) return printJson(report);
      process.stdout.write(
        `${report.runsJudged} runs judged: ${report.alerted} would have alerted, ${report.ok} ok, ${report.insufficientHistory} with too little history\n`,
      );
      const rules = Object.entries(report.byRule).sort((a, b) => b[1] - a[1]);
      if (rules.length > 0) printTable(['rule', 'runs'], rules);
      if (report.runs.length > 0) {
        printTable(['run', 'task', 'started', 'verdict', 'stored', 'review', 'rules'], report.runs.map((r) => [r.runId, r.task, r.startedAt, r.verdict, r.storedVerdict, r.review, r.rules.join(', ')]));
      }
    });
}
