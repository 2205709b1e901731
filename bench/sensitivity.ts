import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../main/store/index.js';
import { generateHistory, SYNTHETIC_ORGANISATIONS, whatIfForTask } from '../main/validation/index.js';

/**
 * `node dist/bench/sensitivity.js`: how long the Sensitivity panel's what-if takes on three years
 * of daily runs in SQLite, beside its floor — reading the same runs back, which it cannot avoid.
 * Not a test: the numbers move with the machine's load.
 */
const DAYS = Number(process.env.GATEHOUSE_BENCH_DAYS ?? 1095);
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-sensitivity-'));
try {
  const store = await openStore(path.join(folder, 'bench.db'));
  for (const { entry: day } of generateHistory(SYNTHETIC_ORGANISATIONS[0]!, { seed: 7, days: DAYS, contaminationRate: 0.02 })) {
    const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'daily', source: 'bench', startedAt: day.startedAt, pid: process.pid, host: 'bench', flags: {}, resumedFrom: null });
    const metrics = { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0, ...day.metrics };
    await store.finishRun(runId, { status: 'success', finishedAt: day.startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation: null, error: null });
  }
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  await whatIfForTask(store, 'daily', { metrics: {}, minSignals: 1 }); // warm
  const read = Math.min(...(await Promise.all([0, 1, 2].map(() => time(() => store.reports.runs())))));
  const whatIfs: number[] = [];
  for (let i = 0; i < 3; i++) whatIfs.push(await time(() => whatIfForTask(store, 'daily', { metrics: { fetched: 'high' }, minSignals: 2 })));
  const whatIf = Math.min(...whatIfs);
  console.log(`what-if over ${DAYS} daily runs (SQLite): ${whatIf.toFixed(0)} ms (best of 3); reading the runs alone: ${read.toFixed(0)} ms; ${(whatIf / DAYS).toFixed(2)} ms per run replayed twice`);
  await store.close();
} finally {
  fs.rmSync(folder, { recursive: true, force: true });
}
