import type { Command } from 'commander';
import { API_METHODS, quarantineListInputSchema, runsListInputSchema } from '../../shared/api.js';
import { registerAcceptCommand } from './anomalies.js';
import { withStore } from './database.js';
import { reasonsText, RUN_STATUSES, shownStatus, withStatusReasons } from '../../shared/run.js';
import { VERDICTS } from '../../shared/validation.js';
import { parseOptions, POSITIONAL_IDS } from './input.js';
import { printApiJson, printJson, printTable } from './output.js';

/** Loaded when a command runs: listing runs should not compile the engine, scheduler and backups to start (bench/cli-start.ts). */
const validation = () => import('../validation/index.js');

const runsGetInputSchema = API_METHODS['runs.get'].input;

interface ListFlags {
  db?: string;
  json?: boolean;
  limit?: string;
  after?: string;
}

export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('update runs recorded in the database');
  runs
    .command('list')
    .description('runs, newest first; filters apply before the limit')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--status <list>', `only these statuses, comma-separated: ${RUN_STATUSES.join(', ')} (a run whose process is gone is interrupted)`)
    .option('--verdict <list>', `only these validation verdicts, comma-separated: ${VERDICTS.join(', ')}`)
    .option('--task <name>', 'only runs of this scheduled task')
    .option('--source <spec>', 'only runs of exactly this source spec')
    .option('--since <date>', 'only runs started at or after this ISO date or date and time (UTC unless it names a zone)')
    .option('--until <date>', 'only runs started before this ISO date or date and time (UTC unless it names a zone)')
    .option('--search <text>', 'only runs whose source, task or error contains this text')
    .option('--limit <n>', 'how many runs, 1–500 (default 50)')
    .option('--after <run>', 'the next page: runs older than this one (the last run id of the previous page)')
    .option('--json', 'print JSON')
    .action((flags: ListFlags & Record<'status' | 'verdict' | 'task' | 'source' | 'since' | 'until' | 'search', string | undefined>) => {
      const { db, json, ...options } = flags;
      const query = parseOptions(runsListInputSchema, options);
      return withStore(db, async (store) => {
        // As the API's runs.list: a mistyped task is an error, not "no runs".
        if (query.task) await (await validation()).requireKnownTask(store, query.task);
        const list = (await store.listRuns(query)).map(withStatusReasons);
        if (json) return printApiJson('runs.list', list);
        printTable(
          ['run', 'status', 'mode', 'task', 'started', 'fetched', 'added', 'updated', 'unchanged', 'quarantined', 'verdict', 'why'],
          list.map((r) => [r.runId, shownStatus(r), r.mode, r.task ?? null, r.startedAt, r.metrics.fetched, r.metrics.added, r.metrics.updated, r.metrics.unchanged, r.metrics.quarantined, r.validation?.verdict ?? null, reasonsText(r.statusReasons)]),
        );
      });
    });
  runs
    .command('show <id>')
    .description('one run with its batches')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--json', 'print JSON')
    .action((runIdText: string, flags: ListFlags) => {
      const { runId } = parseOptions(runsGetInputSchema, { runId: runIdText }, POSITIONAL_IDS);
      return withStore(flags.db, async (store) => {
        const [{ runDetail }, { withRollbackRefusals }, { withTaskResume }] = await Promise.all([import('../engine/index.js'), import('../backup/index.js'), import('../scheduler/index.js')]);
        const run = withStatusReasons(await withTaskResume(store, await withRollbackRefusals(store, await runDetail(store, runId, 'cli'), 'cli')));
        if (flags.json) return printApiJson('runs.get', run);
        const { batchList, ...summary } = run;
        printJson(summary);
        printTable(
          ['batch', 'status', 'planned', 'written', 'added', 'updated', 'quarantined', 'retries', 'ms', 'error'],
          batchList.map((b) => [b.seq, b.status, b.planned, b.written, b.added, b.updated, b.quarantined, b.retries, b.durationMs, b.error]),
        );
      });
    });
  registerAcceptCommand(runs);

  program
    .command('quarantine')
    .description('records set aside with their reasons')
    .command('list')
    .description('quarantine entries, oldest first')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--run <id>', 'only this run')
    .option('--batch <seq>', 'only this batch of the run')
    .option('--limit <n>', 'how many entries (default 500)')
    .option('--after <id>', 'the next page: entries after this one (the last id of the previous page)')
    .option('--json', 'print JSON')
    .action((flags: ListFlags & { run?: string; batch?: string }) => {
      const query = parseOptions(quarantineListInputSchema, { runId: flags.run, batchSeq: flags.batch, limit: flags.limit, after: flags.after }, { runId: '--run', batchSeq: '--batch' });
      return withStore(flags.db, async (store) => {
        const entries = await store.listQuarantine(query);
        if (flags.json) return printApiJson('quarantine.list', entries);
        printTable(
          ['id', 'run', 'batch', 'eventId', 'position', 'reasons'],
          entries.map((e) => [e.id, e.runId, e.batchSeq, e.eventId, e.sourcePosition, e.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')]),
        );
      });
    });
}
