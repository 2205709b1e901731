import type { Command } from 'commander';
import { rollbackEventsInputSchema } from '../../shared/api.js';
import { describeConflictSources, rollbackApplyInputSchema, rollbackPreviewInputSchema } from '../../shared/api-operations.js';
import { GatehouseError } from '../../shared/errors.js';
import { leftAllStanding, nothingRolledBackBecause, rollback, type RollbackReport, undoJournal } from '../backup/index.js';
import { notifyRollback } from '../scheduler/index.js';
import { withStore } from './database.js';
import { parseOptions, withOperator } from './input.js';
import { cliNotifier } from './notifier.js';
import { EXIT_CODE_NOTHING_UNDONE, printApiJson, printTable } from './output.js';
import { counted } from '../../shared/plural.js';

interface RollbackFlags {
  db?: string;
  run?: string;
  batch?: string;
  dryRun?: boolean;
  reason?: string;
  onConflict?: string;
  operator?: string;
  list?: boolean;
  limit?: string;
  after?: string;
  json?: boolean;
}

const NAMES = { runId: '--run', batchSeq: '--batch' };

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description('undo what one run (or one of its batches) wrote, from the undo journal; --list shows past rollbacks')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--run <id>', 'the run to roll back')
    .option('--batch <seq>', 'only this batch of the run')
    .option('--dry-run', 'list what would change and any conflicts; change nothing')
    .option('--reason <text>', 'why (required, recorded with the rollback event; not needed for --dry-run)')
    .option('--on-conflict <policy>', 'refuse | skip (leave hearings changed later as they are) | force (restore them anyway); default refuse')
    .option('--operator <name>', 'who is rolling back (default: the OS user)')
    .option('--list', 'list recorded rollback events, newest first (with --run: only that run)')
    .option('--limit <n>', 'with --list: how many events (default 100)')
    .option('--after <id>', 'with --list: the next page, events older than this one')
    .option('--json', 'print JSON')
    .action(async (flags: RollbackFlags) => {
      refuseOptionsOfTheOtherMode(flags);
      process.exitCode = flags.list ? await listEvents(flags) : await rollbackCommand(flags);
    });
}

/** The options of a rollback that --list lists none by, and --list's paging that a rollback has no use for. */
const ROLLBACK_ONLY = { batch: '--batch', dryRun: '--dry-run', reason: '--reason', onConflict: '--on-conflict', operator: '--operator' } as const;
const LIST_ONLY = { limit: '--limit', after: '--after' } as const;

/**
 * rollback is two commands in one: an option of the other, ignored, answered a question not asked
 * (`--list --batch 2` listed every batch's rollbacks) or let a typo pass unseen.
 */
function refuseOptionsOfTheOtherMode(flags: RollbackFlags): void {
  if (flags.list) {
    const given = Object.entries(ROLLBACK_ONLY).find(([key]) => flags[key as keyof RollbackFlags] !== undefined);
    if (given) throw new GatehouseError('USAGE', `${given[1]} does not apply to rollback --list (it lists past rollbacks: give --run, --limit, --after)`);
    return;
  }
  const given = Object.entries(LIST_ONLY).find(([key]) => flags[key as keyof RollbackFlags] !== undefined);
  if (given) throw new GatehouseError('USAGE', `${given[1]} applies only to rollback --list`);
}

/** The same checks and the same report as the console's preview and apply. */
async function rollbackCommand(flags: RollbackFlags): Promise<number> {
  if (flags.run === undefined) throw new GatehouseError('USAGE', 'rollback needs --run ID (or --list)');
  const target = { runId: flags.run, batchSeq: flags.batch, onConflict: flags.onConflict };
  const request = flags.dryRun
    ? { ...parseOptions(rollbackPreviewInputSchema, target, NAMES), dryRun: true }
    // Running the command is the confirmation the console asks for by a typed run id (as restore does).
    : parseOptions(withOperator(rollbackApplyInputSchema.omit({ confirmRunId: true })), { ...target, reason: flags.reason, operator: flags.operator }, NAMES);
  return withStore(flags.db, async (store) => {
    const report = await rollback(store, request);
    if (!report.dryRun && !report.nothingToDo) await notifyRollback(cliNotifier(store), store, { runId: report.runId, batchSeq: report.batchSeq, operator: report.operator ?? 'an operator', reason: report.reason, nothingRolledBack: nothingRolledBackBecause(report), runRolledBack: report.runRolledBack });
    if (flags.json) printApiJson(report.dryRun ? 'rollback.preview' : 'rollback.apply', report);
    else printReport(report);
    // A dry run exits as the real rollback would: refused, or undoing nothing. Asked again after a
    // skip that undid nothing, it still undoes nothing, and exits as the first time did.
    if (report.wouldRefuse) return 2;
    return leftAllStanding(report) ? EXIT_CODE_NOTHING_UNDONE : 0;
  });
}

function printReport(report: RollbackReport): void {
  process.stdout.write(`${report.message}\n`);
  const summary = report.conflictSummary;
  if (summary.hearings > 0) process.stdout.write(`${counted(summary.hearings, 'conflicting hearing')}, changed since by ${describeConflictSources(summary)}\n`);
  // Before the user runs it for real: the same decision the rollback will make, for each policy.
  if (report.dryRun && summary.hearings > 0) {
    process.stdout.write('what each --on-conflict would do:\n');
    for (const outcome of report.policies) process.stdout.write(`  ${outcome.message}${outcome.policy === report.onConflict ? '  (chosen)' : ''}\n`);
  }
  if (report.conflicts.length > 0) {
    process.stdout.write(`conflicts (${report.conflicts.length + report.conflictsNotListed}):\n`);
    for (const conflict of report.conflicts) process.stdout.write(`  - ${conflict.message}\n`);
    if (report.conflictsNotListed > 0) process.stdout.write(`  … and ${report.conflictsNotListed} more\n`);
  }
  if (report.dryRun && report.hearings.length > 0) {
    printTable(['eventId', 'batch', 'action', 'outcome', 'conflict'], report.hearings.map((h) => [h.eventId, h.batchSeq, h.action, WOULD[h.outcome], h.conflict?.message ?? null]));
    if (report.hearingsNotListed > 0) process.stdout.write(`… and ${report.hearingsNotListed} more hearings\n`);
  }
  if (report.dryRun && report.createdRows.length > 0) printTable(['created', 'key', 'outcome'], report.createdRows.map((r) => [r.entity, r.key, WOULD[r.outcome]]));
}

/** A dry run's tables say what the rollback would do, as its summary does ("would restore"); the JSON keeps the outcome's name. */
const WOULD: Record<RollbackReport['hearings'][number]['outcome'] | RollbackReport['createdRows'][number]['outcome'], string> = {
  restored: 'would restore',
  deleted: 'would delete',
  skipped: 'would skip',
  kept: 'would keep',
  gone: 'gone already',
};

async function listEvents(flags: RollbackFlags): Promise<number> {
  const query = parseOptions(rollbackEventsInputSchema, { runId: flags.run, limit: flags.limit, after: flags.after }, NAMES);
  return withStore(flags.db, async (store) => {
    const events = await undoJournal(store).listEvents(query);
    if (flags.json) printApiJson('rollback.events', events);
    else {
      printTable(
        ['event', 'run', 'batch', 'operator', 'at', 'restored', 'deleted', 'skipped', 'forced', 'run rolled back', 'reason'],
        events.map((e) => [e.id, e.runId, e.batchSeq, e.operator, e.at, e.restored, e.deleted, e.skipped, e.forced, e.runRolledBack ? 'yes' : 'no', e.reason]),
      );
    }
    return 0;
  });
}
