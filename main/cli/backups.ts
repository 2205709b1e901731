import type { Command } from 'commander';
import { backupsCreateInputSchema, backupsDeleteInputSchema, backupsPruneInputSchema, backupsVerifyInputSchema, restoreInputSchema, restoresListInputSchema, writerAttemptsInputSchema } from '../../shared/api-operations.js';
import { backupsList, createSnapshotOnRequest, deleteSnapshot, DEFAULT_RETENTION, listAttempts, listRestores, pruneReport, restoreSnapshot, verifySnapshots } from '../backup/index.js';
import { actorName } from '../flags/index.js';
import { notifyRestore } from '../scheduler/index.js';
import { cliNotifier } from './notifier.js';
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
  force?: boolean;
}

/** `backups list` and `backups verify` exit with it when a snapshot they looked at cannot be restored: a script sees it without parsing. */
const EXIT_CODE_SNAPSHOT_PROBLEM = 4;

const BACKUPS_LIST_EXIT_CODES = [
  '',
  `Exit codes: 0 every snapshot listed is present; ${EXIT_CODE_SNAPSHOT_PROBLEM} the listing is printed whole (with --json too) but a`,
  'snapshot\'s file or schema is missing or unreadable (its state says why; a warning on stderr counts them),',
  'as backups verify exits when a check fails; 2 usage error; other codes as for every command.',
].join('\n');

/** `restore` and `backups list` open a store that is not all there all the same: restoring a snapshot is what mends it. */
const FOR_RESTORE = { forRestore: true } as const;

const dbOption = ['--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)'] as const;
/** Who a snapshot taken or pruned on request is taken under: named by the writer lock to whoever it refuses meanwhile. */
const operatorOption = (doing: string) => ['--operator <name>', `who is ${doing} (default: the OS user)`] as const;

export function registerBackupCommands(program: Command): void {
  const backups = program.command('backups').description('snapshots of the database: files beside a SQLite database, schemas beside a PostgreSQL one');
  backups.command('list').description('snapshots, newest first').option(...dbOption).option('--json', 'print JSON')
    .addHelpText('after', BACKUPS_LIST_EXIT_CODES)
    .action((flags: BackupFlags) => withStore(flags.db, async (store) => {
      // The console's backups.list, whole: the same action prints the same JSON on both.
      const list = await backupsList(store);
      if (flags.json) printApiJson('backups.list', list);
      else {
        printTable(['id', 'created', 'kind', 'run', 'bytes', 'sha256', 'state', 'by'], list.snapshots.map((s) => [s.id, s.createdAt, s.kind, s.runId, s.sizeBytes, `${s.sha256.slice(0, 16)}…`, s.unavailable === null ? 'present' : `MISSING: ${s.unavailable}`, s.takenBy]));
        process.stdout.write(`${counted(list.snapshots.length, 'snapshot')}, ${counted(list.totalBytes, 'byte')} in total\n`);
      }
      if (list.damaged !== null) process.stderr.write(`warning: ${list.damaged}; restore a snapshot over it: gatehouse restore --backup ID --reason TEXT\n`);
      // Listed from their schemas, the list that said more having been dropped: what they can no longer tell is said.
      const relisted = list.snapshots.filter((s) => s.kind === 'unknown').length;
      if (relisted > 0) process.stderr.write(`warning: ${counted(relisted, 'snapshot')} of kind unknown ${relisted === 1 ? 'was' : 'were'} found by ${relisted === 1 ? 'its schema' : 'their schemas'} alone, the snapshot list having been dropped: kind and run are not known, and checksums are computed now, so a copy changed after it was taken is not detected\n`);
      // As verify does for a snapshot it finds broken: a script checking its backups must not read "fine" off a listing that found one gone.
      const missing = list.snapshots.filter((s) => s.unavailable !== null).length;
      if (missing === 0) return;
      process.stderr.write(`warning: ${counted(missing, 'snapshot')} cannot be restored (marked MISSING); remove ${missing === 1 ? 'it' : 'them'} with gatehouse backups delete\n`);
      process.exitCode = EXIT_CODE_SNAPSHOT_PROBLEM;
    }, FOR_RESTORE));
  backups.command('create').description('take a snapshot now (refused while an update or another writer holds the lock)').option(...dbOption)
    .option('--reason <text>', 'why (optional: kept with who took it, see backups attempts)')
    .option(...operatorOption('taking it')).option('--json', 'print JSON')
    .action((flags: BackupFlags) => {
      // The console's backups.create schema, so a reason too long or empty is refused in the same words.
      const { operator, reason } = parseOptions(withOperator(backupsCreateInputSchema.unwrap()), { reason: flags.reason, operator: flags.operator });
      return withStore(flags.db, async (store) => {
        const snapshot = await createSnapshotOnRequest(store, { operator: actorName(operator), ...(reason === undefined ? {} : { reason }) });
        if (flags.json) return printApiJson('backups.create', snapshot);
        process.stdout.write(`snapshot ${snapshot.id}: ${snapshot.sizeBytes} bytes, integrity ok, sha256 ${snapshot.sha256}\n`);
      });
    });
  backups.command('verify').description('recompute checksums and check each copy\'s integrity').option(...dbOption)
    .option('--id <id>', 'only this snapshot').option('--json', 'print JSON')
    .addHelpText('after', `\nExit codes: 0 every snapshot checked is sound; ${EXIT_CODE_SNAPSHOT_PROBLEM} one is missing, or fails its checksum or integrity check (its problems say which); 2 usage error or no such snapshot.`)
    .action((flags: BackupFlags) => {
      const { id } = parseOptions(backupsVerifyInputSchema, { id: flags.id });
      return withStore(flags.db, async (store) => {
        const checks = await verifySnapshots(store, id);
        if (flags.json) printApiJson('backups.verify', checks);
        else printTable(['id', 'ok', 'problems'], checks.map((c) => [c.id, c.ok ? 'yes' : 'NO', c.problems.join('; ') || null]));
        if (checks.some((c) => !c.ok)) process.exitCode = EXIT_CODE_SNAPSHOT_PROBLEM;
      });
    });
  backups.command('prune').description('apply retention by count, age (from each snapshot\'s own timestamp) and total size').option(...dbOption)
    .option('--keep <n>', `keep at most N snapshots (default ${DEFAULT_RETENTION.keep})`)
    .option('--max-age-days <days>', `drop snapshots older than this (default ${DEFAULT_RETENTION.maxAgeDays})`)
    .option('--max-total-mb <mb>', `keep the newest snapshots whose sizes add up to at most this many MiB (default ${DEFAULT_RETENTION.maxTotalMb})`)
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .option('--reason <text>', 'why (required unless --dry-run: a prune deletes snapshots; kept in its attempt, see backups attempts)')
    .option(...operatorOption('pruning'))
    .option('--json', 'print JSON')
    .action((flags: BackupFlags) => {
      // The console's backups.prune: its schema and its report; here a real prune unless --dry-run.
      const { operator, ...request } = parseOptions(withOperator(backupsPruneInputSchema), { keep: flags.keep, maxAgeDays: flags.maxAgeDays, maxTotalMb: flags.maxTotalMb, dryRun: flags.dryRun ?? false, reason: flags.reason, operator: flags.operator });
      return withStore(flags.db, async (store) => {
        const report = await pruneReport(store, { ...request, operator: actorName(operator) });
        if (flags.json) return printApiJson('backups.prune', report);
        const verb = report.dryRun ? 'would prune' : 'pruned';
        process.stdout.write(`${verb} ${counted(report.pruned.length, 'snapshot')}${report.pruned.map((s) => `\n  ${s.id} (${s.createdAt})`).join('')}\n`);
      });
    });
  backups.command('delete').description('delete one snapshot (one taken with bad data): its copy and its listing together, under the writer lock, audited with operator and reason (see backups attempts)')
    .option(...dbOption).option('--id <id>', 'the snapshot id (see gatehouse backups list)')
    .option('--reason <text>', 'why (required: a deletion is an audited change)').option('--operator <name>', 'who is deleting (default: the OS user)')
    .option('--force', 'delete it even when it is the last snapshot that could be restored')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit codes: 0 deleted; 2 usage error, no such snapshot, or refused as the last restorable snapshot without --force (nothing deleted); 5 another writer holds the lock.')
    .action((flags: BackupFlags) => {
      // Running the command is the confirmation the console asks for by a typed snapshot id (as restore does).
      const input = parseOptions(withOperator(backupsDeleteInputSchema.omit({ confirmId: true })), { id: flags.id, reason: flags.reason, operator: flags.operator, force: flags.force ?? false }, { id: '--id' });
      return withStore(flags.db, async (store) => {
        const report = await deleteSnapshot(store, { snapshotId: input.id, reason: input.reason, operator: input.operator, force: input.force });
        if (flags.json) return printApiJson('backups.delete', report);
        process.stdout.write(`${report.message}\n`);
      });
    });
  backups.command('restores').description('the restores done to this database, newest first (they outlive every restore)').option(...dbOption)
    .option('--limit <n>', 'how many (default 50)').option('--after <id>', 'the next page: restores before this one').option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags.db, async (store) => {
      const events = await listRestores(store, parseOptions(restoresListInputSchema, { limit: flags.limit, after: flags.after }));
      if (flags.json) return printApiJson('backups.restores', events);
      printTable(['restore', 'at', 'snapshot', 'operator', 'hearings', 'reason'], events.map((e) => [e.id, e.at, e.snapshotId, e.operator, `${e.hearingsBefore} → ${e.hearingsAfter}`, e.reason]));
    }));

  backups.command('attempts').description('rollbacks, restores and snapshot deletions as they started and ended, newest first; a rollback or restore whose process died is settled by the next writer as its audit shows it (succeeded: its event is stored; failed: it is not); "unfinished": its process died part-way and what it did cannot be told (a prune); "stopped": its operator stopped it (a trial session\'s Ctrl-C), not a failure').option(...dbOption)
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
        await notifyRestore(cliNotifier(store), report.event);
        if (flags.json) return printApiJson('backups.restore', report);
        process.stdout.write(`${report.message}\n`);
      }, FOR_RESTORE);
    });
}
