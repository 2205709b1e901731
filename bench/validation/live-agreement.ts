import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidationResult } from '../../shared/validation.js';
import { openStore, type Store } from '../../main/store/index.js';
import { historicalJudge, runEntrySchema, saveSensitivity } from '../../main/validation/index.js';
import { cliVerdictLines } from './judges.js';
import { oddCases, type OddCase } from './odd-cases.js';
import { answeredHelp } from './options.js';

/**
 * `node dist/bench/validation/live-agreement.js [--json]`: does `gatehouse validate --batch` say,
 * for inputs Gatehouse never generates (odd-cases.ts), what the live judge says — the judge
 * `gatehouse update` calls after its last batch, reading the same history from a store? Each valid
 * case is stored as finished runs in a fresh SQLite database and judged there; each bad case must
 * come back as an error line with its id. Exit 1 when any case disagrees.
 */

const USAGE = `Usage: node dist/bench/validation/live-agreement.js [--json]
  Sends the odd cases (odd-cases.ts) through the real \`gatehouse validate --batch\` and through the live
  judge over a SQLite store holding the same history; prints each case and whether the two agree.
  Exit 0: every case agrees; 1: at least one differs.`;

export interface CaseAgreement {
  id: string;
  answer: OddCase['answer'];
  batch: string;
  live: string | null;
  agrees: boolean;
}

/** How `update` writes a run's start: its clock's Date, as UTC ISO text (not the text a file gave). */
const asUpdateWritesIt = (startedAt: string): string => new Date(Date.parse(startedAt)).toISOString();

/** Stores each history entry as a finished production run of `task`, as `update` would have left it: the whole history in one transaction. */
export async function storeHistory(store: Store, history: ReturnType<typeof runEntrySchema.parse>[], task: string | null = null): Promise<void> {
  await store.recordFinishedRuns(history.map((entry) => {
    const startedAt = asUpdateWritesIt(entry.startedAt);
    const validation = entry.verdict ? { verdict: entry.verdict, method: 'stored', historySize: 0, anomalies: [] } : null;
    const metrics = entry.metrics as Parameters<Store['finishRun']>[1]['metrics'];
    return {
      run: { mode: 'batch', batchSize: 50, task, source: 'file:/feeds/outside.json', startedAt, pid: process.pid, host: 'agreement', flags: {}, resumedFrom: null },
      outcome: { status: 'success', finishedAt: startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation, error: null },
    };
  }));
}

/**
 * The live judge's verdict on one batch line: its history stored in a fresh database at `location`
 * (as runs of the case's task, its settings saved in force), its current run judged there.
 */
export async function liveVerdict(line: string, location: string, task?: OddCase['task']): Promise<ValidationResult> {
  const parsed = JSON.parse(line) as { history: unknown[]; current: unknown };
  const history = parsed.history.map((entry) => runEntrySchema.parse(entry));
  const current = runEntrySchema.parse(parsed.current);
  const store = await openStore(location);
  try {
    await storeHistory(store, history, task?.name ?? null);
    if (task) await saveSensitivity(store, { task: task.name, settings: task.settings, reason: 'the case\'s settings', operator: 'agreement' });
    return await historicalJudge({ store, startedAt: asUpdateWritesIt(current.startedAt), task: task?.name ?? null, metrics: current.metrics as Parameters<typeof historicalJudge>[0]['metrics'] });
  } finally {
    await store.close();
  }
}

/**
 * Every odd case through the CLI and, where valid, through the live judge over a fresh database
 * from `freshLocation` for each (SQLite files in a temporary folder unless given: the tests pass
 * PostgreSQL schemas too).
 */
export async function liveAgreement(cases: readonly OddCase[] = oddCases(), freshLocation?: () => Promise<string>): Promise<CaseAgreement[]> {
  const answers = cliVerdictLines(cases.map((c) => c.line));
  const folder = freshLocation ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-agreement-'));
  let databases = 0;
  const location = freshLocation ?? (async () => path.join(folder!, `${++databases}.db`));
  try {
    const results: CaseAgreement[] = [];
    for (const [index, oddCase] of cases.entries()) {
      const batch = answers[index] as { id?: unknown; error?: { message: string } } & Record<string, unknown>;
      // laterRunsLeftOut tells of the line's runs, which the store never has to leave out: not part of the verdict.
      const { id, laterRunsLeftOut: _later, ...verdict } = batch;
      if (oddCase.answer === 'error') {
        const agrees = verdict.error !== undefined && (oddCase.line.startsWith('{"id"') ? id === oddCase.id : true);
        results.push({ id: oddCase.id, answer: 'error', batch: JSON.stringify(batch), live: null, agrees });
        continue;
      }
      const database = await location();
      const live = JSON.stringify(await liveVerdict(oddCase.line, database, oddCase.task));
      results.push({ id: oddCase.id, answer: 'verdict', batch: JSON.stringify(verdict), live, agrees: id === oddCase.id && JSON.stringify(verdict) === live });
      if (oddCase.task) results.push(fromDatabase(oddCase, database, live));
    }
    return results;
  } finally {
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** A task's case again, without its settings on the line: `--db --task` must read the ones saved in force there. */
function fromDatabase(oddCase: OddCase, database: string, live: string): CaseAgreement {
  const { sensitivity: _given, ...line } = JSON.parse(oddCase.line) as Record<string, unknown>;
  const [answer] = cliVerdictLines([JSON.stringify(line)], ['--db', database, '--task', oddCase.task!.name]) as [Record<string, unknown>];
  const { id, laterRunsLeftOut: _later, ...verdict } = answer;
  const batch = JSON.stringify(verdict);
  return { id: `${oddCase.id} (--db --task)`, answer: 'verdict', batch, live, agrees: id === oddCase.id && batch === live };
}

function summaryOf(result: CaseAgreement): string {
  const verdictOf = (text: string | null) => (text === null ? '—' : ((JSON.parse(text) as { verdict?: string; error?: { message: string } }).verdict ?? `error: ${(JSON.parse(text) as { error: { message: string } }).error.message}`));
  return `${result.agrees ? 'agree ' : 'DIFFER'} ${result.id.padEnd(24)} batch ${verdictOf(result.batch)}${result.live === null ? '' : ` | live ${verdictOf(result.live)}`}`;
}

async function main(argv: readonly string[]): Promise<void> {
  if (answeredHelp(argv, USAGE, ['--json'])) return;
  const results = await liveAgreement();
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(`${results.map(summaryOf).join('\n')}\n${results.filter((r) => !r.agrees).length} of ${results.length} cases disagree\n`);
  if (results.some((r) => !r.agrees)) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
