import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { GatehouseError } from '../../shared/errors.js';
import { createSnapshot, DEFAULT_RETENTION, listSnapshots, pruneSnapshots, restoreSnapshot, verifySnapshots } from '../backup/index.js';
import { openStore, type Store } from '../store/index.js';
import { databaseOption } from './database.js';
import { parseInteger, printJson, printTable } from './output.js';

interface BackupFlags {
  db?: string;
  json?: boolean;
  id?: string;
  keep?: string;
  maxAgeDays?: string;
  backup?: string;
}

async function withStore<T>(flags: BackupFlags, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(databaseOption(flags.db));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * On PostgreSQL there are no file snapshots: say plainly what exists instead of pretending.
 */
function postgresRefusal(store: Store): GatehouseError {
  const pgDump = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  const dump = pgDump.status === 0 ? `${pgDump.stdout.trim()} is installed: take dumps with it on your own schedule` : 'pg_dump is not installed on this machine';
  return new GatehouseError('UNSUPPORTED', `file snapshots are SQLite only; ${store.location} is PostgreSQL: nothing was backed up or restored`, {
    hint: `what exists: the undo journal (gatehouse rollback --run ID); ${dump}`,
  });
}

function sqliteOnly(store: Store): void {
  if (!store.snapshots) throw postgresRefusal(store);
}

export function registerBackupCommands(program: Command): void {
  const backups = program.command('backups').description('SQLite file snapshots beside the database (<db>.backups/)');
  const dbOption = ['--db <db>', 'SQLite file path (default: $GATEHOUSE_DB)'] as const;
  backups.command('list').description('snapshots, newest first').option(...dbOption).option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags, async (store) => {
      sqliteOnly(store);
      const list = listSnapshots(store);
      if (flags.json) return printJson(list);
      printTable(['id', 'created', 'kind', 'run', 'bytes', 'sha256'], list.map((s) => [s.id, s.createdAt, s.kind, s.runId, s.sizeBytes, `${s.sha256.slice(0, 16)}…`]));
    }));
  backups.command('create').description('take an online snapshot now').option(...dbOption).option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags, async (store) => {
      sqliteOnly(store);
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      if (flags.json) return printJson(snapshot);
      process.stdout.write(`snapshot ${snapshot.id}: ${snapshot.sizeBytes} bytes, integrity ok, sha256 ${snapshot.sha256}\n`);
    }));
  backups.command('verify').description('recompute checksums and run integrity_check').option(...dbOption)
    .option('--id <id>', 'only this snapshot').option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags, async (store) => {
      sqliteOnly(store);
      const checks = await verifySnapshots(store, flags.id);
      if (flags.json) printJson(checks);
      else printTable(['id', 'ok', 'problems'], checks.map((c) => [c.id, c.ok ? 'yes' : 'NO', c.problems.join('; ') || null]));
      if (checks.some((c) => !c.ok)) process.exitCode = 4;
    }));
  backups.command('prune').description('apply retention by count and age (from each snapshot\'s own timestamp)').option(...dbOption)
    .option('--keep <n>', `keep at most N snapshots (default ${DEFAULT_RETENTION.keep})`)
    .option('--max-age-days <days>', `drop snapshots older than this (default ${DEFAULT_RETENTION.maxAgeDays})`)
    .option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags, async (store) => {
      sqliteOnly(store);
      const policy = {
        keep: flags.keep === undefined ? DEFAULT_RETENTION.keep : parseInteger('--keep', flags.keep),
        maxAgeDays: flags.maxAgeDays === undefined ? DEFAULT_RETENTION.maxAgeDays : parseInteger('--max-age-days', flags.maxAgeDays),
      };
      const pruned = pruneSnapshots(store, policy);
      if (flags.json) return printJson({ pruned });
      process.stdout.write(`pruned ${pruned.length} snapshot(s)${pruned.map((s) => `\n  ${s.id} (${s.createdAt})`).join('')}\n`);
    }));

  program.command('restore').description('replace the database with a snapshot (takes a safety snapshot first; refuses while a run holds the lock)')
    .option(...dbOption).requiredOption('--backup <id>', 'the snapshot id (see gatehouse backups list)').option('--json', 'print JSON')
    .action((flags: BackupFlags) => withStore(flags, async (store) => {
      sqliteOnly(store);
      const report = await restoreSnapshot(store, flags.backup!);
      if (flags.json) return printJson(report);
      process.stdout.write(`${report.message}\n`);
    }));
}
