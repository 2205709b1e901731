import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../main/store/index.js';
import { backtest, whatIfForTask } from '../main/validation/index.js';
import { insertRuns, severalTasksRuns } from './long-history.js';

/**
 * `node dist/bench/replay-reads.js`: the what-if of one task and the backtest on a SQLite history
 * of GATEHOUSE_BENCH_RUNS runs (20,000 by default) across five tasks, with trial runs, best of 3.
 * Not a test: the numbers move with the machine's load.
 */
const RUNS = Number(process.env.GATEHOUSE_BENCH_RUNS ?? 20_000);
const TASKS = 5;
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-replay-'));
try {
  const store = await openStore(path.join(folder, 'bench.db'));
  const runs = severalTasksRuns(Math.ceil(RUNS / TASKS), TASKS, { seed: 3, trialEvery: 200 });
  const ids = await insertRuns(store, runs);
  const common = { session: 's1', at: '2026-12-01T00:00:00.000Z', source: 'bench.db', magnitude: null, caughtBy: [], verdict: null, detail: null, caught: false };
  for (const [i, runId] of ids.filter((_, i) => runs[i]!.source !== undefined).entries()) await store.trials.record({ ...common, label: `case-${i}`, kind: 'spike', level: 'run', runId });
  const bestOf3 = async (work: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await work();
      times.push(performance.now() - started);
    }
    return Math.min(...times);
  };
  const whatIf = await bestOf3(() => whatIfForTask(store, 'task-0', { metrics: { fetched: 'high' }, minSignals: 2 }));
  const replay = await bestOf3(() => backtest(store));
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(`${runs.length} runs, ${TASKS} tasks (SQLite): what-if of task-0 ${whatIf.toFixed(0)} ms, backtest ${replay.toFixed(0)} ms (best of 3); heap after ${heapMb.toFixed(0)} MB`);
  await store.close();
} finally {
  fs.rmSync(folder, { recursive: true, force: true });
}
