import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore, type Store } from '../main/store/index.js';
import { backtest, whatIfForTask } from '../main/validation/index.js';
import { expectedBands } from '../main/validation/bands.js';
import { sensitivityTasks } from '../main/validation/sensitivity.js';
import { anomalyOf, dailyRuns, insertRuns, severalTasksRuns } from './long-history.js';

/**
 * `node dist/bench/replay-reads.js`: the history reads of the validator's panels on a history of
 * GATEHOUSE_BENCH_RUNS runs (20,000 by default) across five tasks, with trial runs, best of 3: the
 * what-if of one task, the backtest, the bands of the latest 400 runs and the task list; then a run
 * recorded out of start order among GATEHOUSE_BENCH_RUNS anomalous runs of one task (the refold of
 * its folds). SQLite; PostgreSQL when GATEHOUSE_BENCH_PG is a server URL (a schema of its own,
 * dropped afterwards). Not a test: the numbers move with the machine's load.
 */
const RUNS = Number(process.env.GATEHOUSE_BENCH_RUNS ?? 20_000);
const TASKS = 5;
const PG_URL = process.env.GATEHOUSE_BENCH_PG;

async function bestOf3(work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return Math.min(...times);
}

/** A fresh database of the backend asked for, and how to remove it. */
async function freshStore(name: string): Promise<{ store: Store; remove: () => Promise<void> }> {
  if (PG_URL === undefined) {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-replay-'));
    return { store: await openStore(path.join(folder, `${name}.db`)), remove: async () => fs.rmSync(folder, { recursive: true, force: true }) };
  }
  const schema = `gh_bench_${name}_${process.pid}`;
  const location = new URL(PG_URL);
  location.searchParams.set('schema', schema);
  const remove = async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  };
  return { store: await openStore(location.toString()), remove };
}

async function replays(): Promise<string> {
  const { store, remove } = await freshStore('replay');
  try {
    const runs = severalTasksRuns(Math.ceil(RUNS / TASKS), TASKS, { seed: 3, trialEvery: 200 });
    const ids = await insertRuns(store, runs);
    const common = { session: 's1', at: '2026-12-01T00:00:00.000Z', source: 'bench.db', magnitude: null, caughtBy: [], verdict: null, detail: null, caught: false };
    for (const [i, runId] of ids.filter((_, i) => runs[i]!.source !== undefined).entries()) await store.trials.record({ ...common, label: `case-${i}`, kind: 'spike', level: 'run', runId });
    const whatIf = await bestOf3(() => whatIfForTask(store, 'task-0', { metrics: { fetched: 'high' }, minSignals: 2 }));
    const replay = await bestOf3(() => backtest(store));
    const bands = await bestOf3(() => expectedBands(store));
    const tasks = await bestOf3(() => sensitivityTasks(store));
    return `${runs.length} runs, ${TASKS} tasks: what-if of task-0 ${whatIf.toFixed(0)} ms, backtest ${replay.toFixed(0)} ms, bands of 400 ${bands.toFixed(0)} ms, task list ${tasks.toFixed(1)} ms`;
  } finally {
    await store.close();
    await remove();
  }
}

/** RUNS anomalous daily runs of one task, then three runs recorded one after another, each started an hour before the latest. */
async function outOfOrder(): Promise<string> {
  const { store, remove } = await freshStore('refold');
  try {
    const history = dailyRuns(RUNS, { anomalousEvery: 1 }).map((run, i) => (i >= RUNS - 3 ? { ...run, anomalies: [anomalyOf(`c${RUNS - 5}`, true)] } : run));
    await insertRuns(store, history);
    const latest = Date.parse(history.at(-1)!.startedAt);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const startedAt = new Date(latest - 3_600_000 * (i + 1)).toISOString();
      const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'daily', source: 'bench', startedAt, pid: 1, host: 'bench', flags: {}, resumedFrom: null });
      const started = performance.now();
      const validation = { verdict: 'anomalous', method: 'bench', historySize: 30, anomalies: [anomalyOf(`c${RUNS - 5}`, true)] } as never;
      await store.finishRun(runId, { status: 'success', finishedAt: startedAt, metrics: { fetched: 40, added: 2, updated: 3, unchanged: 35, quarantined: 0, durationMs: 900 }, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation, error: null });
      times.push(performance.now() - started);
    }
    return `a run recorded out of start order among ${RUNS} anomalous runs of its task: finishRun ${Math.min(...times).toFixed(0)} ms (best of 3)`;
  } finally {
    await store.close();
    await remove();
  }
}

const backend = PG_URL === undefined ? 'SQLite' : 'PostgreSQL';
console.log(`${backend}: ${await replays()}`);
console.log(`${backend}: ${await outOfOrder()}`);
console.log(`heap after ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
