import type { Command } from 'commander';
import { backupsPruneInputSchema, backupsVerifyInputSchema, restoreInputSchema, restoresListInputSchema, writerAttemptsInputSchema } from '../../shared/api-operations.js';
import { backupsList, createSnapshotOnRequest, currentOperator, DEFAULT_RETENTION, listAttempts, listRestores, pruneReport, restoreSnapshot, verifySnapshots } from '../backup/index.js';
import { withStore } from './database.js';
import { parseOptions, withOperator } from './input.js';
import { printApiJson, printTable } from './output.js';
import { counted } from '../../shared/plural.js';

interface BackupFlags {
  db?: string;
  json?: boolean;
  id?: string;
  keep?: string;
  maxAgeDays?: string;
  maxTotalMb?: string;
  backup?: string;
  reason?: string;
  operator?: string;
  limit?: string;
  after?: string;
  dryRun?: boolean;
}

const dbOption = ['--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)'] as const;

export function registerBackupCommands(program: Command): void {
  const backups = program.command('backups').description('snapshots of the database: files beside a SQLite database, schemas beside a PostgreSQL one');
  backups.command('list').description('snapshots, newest first').option(...dbOption).option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags.db, async (store) => {
      // The console's backups.list, whole: the same action prints the same JSON on both.
      const list = await backupsList(store);
      if (flags.json) return printApiJson('backups.list', list);
      printTable(['id', 'created', 'kind', 'run', 'bytes', 'sha256', 'state'], list.snapshots.map((s) => [s.id, s.createdAt, s.kind, s.runId, s.sizeBytes, `${s.sha256.slice(0, 16)}…`, s.unavailable === null ? 'present' : `MISSING: ${s.unavailable}`]));
      const missing = list.snapshots.filter((s) => s.unavailable !== null).length;
      const cannot = missing === 0 ? '' : `; ${counted(missing, 'snapshot')} cannot be restored (marked MISSING)`;
      process.stdout.write(`${counted(list.snapshots.length, 'snapshot')}, ${counted(list.totalBytes, 'byte')} in total${cannot}\n`);
    }));
  backups.command('create').description('take a snapshot now (refused while an update or another writer holds the lock)').option(...dbOption).option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags.db, async (store) => {
      const snapshot = await createSnapshotOnRequest(store, { operator: currentOperator() });
      if (flags.json) return printApiJson('backups.create', snapshot);
      process.stdout.write(`snapshot ${snapshot.id}: ${snapshot.sizeBytes} bytes, integrity ok, sha256 ${snapshot.sha256}\n`);
    }));
  backups.command('verify').description('recompute checksums and check each copy\'s integrity').option(...dbOption)
    .option('--id <id>', 'only this snapshot').option('--json', 'print JSON')
    .action((flags: BackupFlags) => {
      const { id } = parseOptions(backupsVerifyInputSchema, { id: flags.id });
      return withStore(flags.db, async (store) => {
        const checks = await verifySnapshots(store, id);
        if (flags.json) printApiJson('backups.verify', checks);
        else printTable(['id', 'ok', 'problems'], checks.map((c) => [c.id, c.ok ? 'yes' : 'NO', c.problems.join('; ') || null]));
        if (checks.some((c) => !c.ok)) process.exitCode = 4;
      });
    });
  backups.command('prune').description('apply retention by count, age (from each snapshot\'s own timestamp) and total size').option(...dbOption)
    .option('--keep <n>', `keep at most N snapshots (default ${DEFAULT_RETENTION.keep})`)
    .option('--max-age-days <days>', `drop snapshots older than this (default ${DEFAULT_RETENTION.maxAgeDays})`)
    .option('--max-total-mb <mb>', `keep the newest snapshots whose sizes add up to at most this many MiB (default ${DEFAULT_RETENTION.maxTotalMb})`)
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .option('--json', 'print JSON')
    .action((flags: BackupFlags) => {
      // The console's backups.prune: its schema and its report; here a real prune unless --dry-run.
      const request = parseOptions(backupsPruneInputSchema, { keep: flags.keep, maxAgeDays: flags.maxAgeDays, maxTotalMb: flags.maxTotalMb, dryRun: flags.dryRun ?? false });
      return withStore(flags.db, async (store) => {
        const report = await pruneReport(store, { ...request, operator: currentOperator() });
        if (flags.json) return printApiJson('backups.prune', report);
        const verb = report.dryRun ? 'would prune' : 'pruned';
        process.stdout.write(`${verb} ${counted(report.pruned.length, 'snapshot')}${report.pruned.map((s) => `\n  ${s.id} (${s.createdAt})`).join('')}\n`);
      });
    });
  backups.command('restores').description('the restores done to this database, newest first (they outlive every restore)').option(...dbOption)
    .option('--limit <n>', 'how many (default 50)').option('--after <id>', 'the next page: restores before this one').option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags.db, async (store) => {
      const events = await listRestores(store, parseOptions(restoresListInputSchema, { limit: flags.limit, after: flags.after }));
      if (flags.json) return printApiJson('backups.restores', events);
      printTable(['restore', 'at', 'snapshot', 'operator', 'hearings', 'reason'], events.map((e) => [e.id, e.at, e.snapshotId, e.operator, `${e.hearingsBefore} → ${e.hearingsAfter}`, e.reason]));
    }));

  backups.command('attempts').description('rollbacks and restores as they started and ended, newest first; "unfinished": its process died part-way; "stopped": its operator stopped it (a trial session\'s Ctrl-C), not a failure').option(...dbOption)
    .option('--limit <n>', 'how many (default 50)').option('--after <id>', 'the next page: attempts before this one').option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags.db, async (store) => {
      const attempts = await listAttempts(store, parseOptions(writerAttemptsInputSchema, { limit: flags.limit, after: flags.after }));
      if (flags.json) return printApiJson('backups.attempts', attempts);
      printTable(['attempt', 'started', 'operation', 'operator', 'outcome', 'ended', 'detail'], attempts.map((a) => [a.id, a.startedAt, a.operation, a.operator ?? '—', a.outcome ?? 'running', a.endedAt ?? '—', a.detail ?? '']));
    }));

  program.command('restore').description('put the database back as a snapshot holds it (a safety snapshot first; refused while a run holds the lock; the audit stays)')
    .option(...dbOption).option('--backup <id>', 'the snapshot id (see gatehouse backups list)')
    .option('--reason <text>', 'why (required: a restore is an audited event)').option('--operator <name>', 'who is restoring (default: the OS user)')
    .option('--json', 'print JSON')
    .action((flags: BackupFlags) => {
      // Running the command is the confirmation the console asks for in a dialog.
      const input = parseOptions(withOperator(restoreInputSchema.omit({ confirmId: true })), { id: flags.backup, reason: flags.reason, operator: flags.operator }, { id: '--backup' });
      return withStore(flags.db, async (store) => {
        const report = await restoreSnapshot(store, { snapshotId: input.id, reason: input.reason, operator: input.operator });
        if (flags.json) return printApiJson('backups.restore', report);
        process.stdout.write(`${report.message}\n`);
      });
    });
}
