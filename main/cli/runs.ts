import type { Command } from 'commander';
import { GatehouseError } from '../../shared/errors.js';
import { openStore } from '../store/index.js';
import { databaseOption } from './database.js';
import { parseInteger, printJson, printTable } from './output.js';
import { registerAcceptCommand } from './anomalies.js';

interface ListFlags {
  db?: string;
  json?: boolean;
  limit?: string;
}

export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('update runs recorded in the database');
  runs
    .command('list')
    .description('the most recent runs')
    .option('--db <db>', 'SQLite file path or postgres:// URL')
    .option('--limit <n>', 'how many runs (default 20)')
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags) => {
      const store = await openStore(databaseOption(flags.db));
      try {
        const list = await store.listRuns({ limit: flags.limit ? parseInteger('--limit', flags.limit) : 20 });
        if (flags.json) return printJson(list);
        printTable(
          ['run', 'status', 'mode', 'started', 'fetched', 'added', 'updated', 'unchanged', 'quarantined', 'verdict'],
          list.map((r) => [r.runId, r.status, r.mode, r.startedAt, r.metrics.fetched, r.metrics.added, r.metrics.updated, r.metrics.unchanged, r.metrics.quarantined, r.validation?.verdict ?? null]),
        );
      } finally {
        await store.close();
      }
    });
  runs
    .command('show <runId>')
    .description('one run with its batches')
    .option('--db <db>', 'SQLite file path or postgres:// URL')
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: ListFlags) => {
      const store = await openStore(databaseOption(flags.db));
      try {
        const run = await store.getRun(parseInteger('runId', runId));
        if (!run) throw new GatehouseError('NOT_FOUND', `run ${runId} does not exist`);
        if (flags.json) return printJson(run);
        const { batchList, ...summary } = run;
        printJson(summary);
        printTable(
          ['batch', 'status', 'planned', 'written', 'added', 'updated', 'quarantined', 'retries', 'ms', 'error'],
          batchList.map((b) => [b.seq, b.status, b.planned, b.written, b.added, b.updated, b.quarantined, b.retries, b.durationMs, b.error]),
        );
      } finally {
        await store.close();
      }
    });
  registerAcceptCommand(runs);

  program
    .command('quarantine')
    .description('records set aside with their reasons')
    .command('list')
    .option('--db <db>', 'SQLite file path or postgres:// URL')
    .option('--run <runId>', 'only this run')
    .option('--limit <n>', 'how many entries (default 1000)')
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags & { run?: string }) => {
      const store = await openStore(databaseOption(flags.db));
      try {
        const entries = await store.listQuarantine({
          runId: flags.run ? parseInteger('--run', flags.run) : undefined,
          limit: flags.limit ? parseInteger('--limit', flags.limit) : 1000,
        });
        if (flags.json) return printJson(entries);
        printTable(
          ['id', 'run', 'batch', 'eventId', 'position', 'reasons'],
          entries.map((e) => [e.id, e.runId, e.batchSeq, e.eventId, e.sourcePosition, e.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')]),
        );
      } finally {
        await store.close();
      }
    });
}
