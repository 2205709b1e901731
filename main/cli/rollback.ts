import type { Command } from 'commander';
import { GatehouseError } from '../../shared/errors.js';
import { CONFLICT_POLICIES, rollback, type ConflictPolicy, type RollbackReport } from '../backup/index.js';
import { notifyRollback } from '../scheduler/index.js';
import { openStore } from '../store/index.js';
import { cliNotifier } from './notifier.js';
import { databaseOption } from './database.js';
import { parseInteger, printJson, printTable } from './output.js';

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
  json?: boolean;
}

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description('undo what one run (or one of its batches) wrote, from the undo journal; --list shows past rollbacks')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--run <runId>', 'the run to roll back')
    .option('--batch <seq>', 'only this batch of the run')
    .option('--dry-run', 'list what would change and any conflicts; change nothing')
    .option('--reason <text>', 'why (recorded with the rollback event)')
    .option('--on-conflict <policy>', 'refuse | skip (leave hearings changed later as they are) | force (restore them anyway); default refuse')
    .option('--operator <name>', 'who is rolling back (default: the OS user)')
    .option('--list', 'list recorded rollback events (with --run: only that run)')
    .option('--limit <n>', 'with --list: how many events (default 50)')
    .option('--json', 'print JSON')
    .action(async (flags: RollbackFlags) => {
      process.exitCode = flags.list ? await listEvents(flags) : await rollbackCommand(flags);
    });
}

function parsePolicy(value: string | undefined): ConflictPolicy {
  if (value === undefined) return 'refuse';
  if (!(CONFLICT_POLICIES as readonly string[]).includes(value)) {
    throw new GatehouseError('USAGE', `--on-conflict must be one of ${CONFLICT_POLICIES.join(', ')}, got "${value}"`);
  }
  return value as ConflictPolicy;
}

async function rollbackCommand(flags: RollbackFlags): Promise<number> {
  if (flags.run === undefined) throw new GatehouseError('USAGE', 'rollback needs --run ID (or --list)');
  const runId = parseInteger('--run', flags.run);
  const batchSeq = flags.batch === undefined ? null : parseInteger('--batch', flags.batch);
  const onConflict = parsePolicy(flags.onConflict);
  const store = await openStore(databaseOption(flags.db));
  try {
    const report = await rollback(store, { runId, batchSeq, dryRun: flags.dryRun ?? false, reason: flags.reason ?? null, onConflict, operator: flags.operator });
    if (!report.dryRun && !report.nothingToDo) await notifyRollback(cliNotifier(store), store, { runId, batchSeq });
    if (flags.json) printJson(report);
    else printReport(report);
    // A dry run that the real rollback would refuse exits like the refusal would.
    return report.wouldRefuse ? 2 : 0;
  } finally {
    await store.close();
  }
}

function printReport(report: RollbackReport): void {
  process.stdout.write(`${report.message}\n`);
  if (report.conflicts.length > 0) {
    process.stdout.write(`conflicts (${report.conflicts.length}):\n`);
    for (const conflict of report.conflicts) process.stdout.write(`  - ${conflict.message}\n`);
  }
  if (report.dryRun && report.hearings.length > 0) {
    printTable(
      ['eventId', 'batch', 'action', 'outcome', 'conflict'],
      report.hearings.map((h) => [h.eventId, h.batchSeq, h.action, h.outcome, h.conflict?.message ?? null]),
    );
  }
  if (report.dryRun && report.createdRows.length > 0) {
    printTable(['created', 'key', 'outcome'], report.createdRows.map((r) => [r.entity, r.key, r.outcome]));
  }
}

async function listEvents(flags: RollbackFlags): Promise<number> {
  const store = await openStore(databaseOption(flags.db));
  try {
    const events = await store.undo.listEvents({
      runId: flags.run === undefined ? undefined : parseInteger('--run', flags.run),
      limit: flags.limit === undefined ? 50 : parseInteger('--limit', flags.limit),
    });
    if (flags.json) printJson(events);
    else {
      printTable(
        ['event', 'run', 'batch', 'operator', 'at', 'restored', 'deleted', 'skipped', 'forced', 'run rolled back', 'reason'],
        events.map((e) => [e.id, e.runId, e.batchSeq, e.operator, e.at, e.restored, e.deleted, e.skipped, e.forced, e.runRolledBack ? 'yes' : 'no', e.reason]),
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
