import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { quantile } from 'simple-statistics';
import type { HistoryEntry } from '../../shared/validation.js';
import { openStore } from '../../main/store/index.js';
import { HistoryModel, SYNTHETIC_ORGANISATIONS, backtest, expectedBands, generateHistory, historyFingerprint, judgeRun } from '../../main/validation/index.js';
import { answeredHelp } from './options.js';
import { zScore30 } from './references.js';

/**
 * How long judging one run takes against 3 years (~1,100 runs) of daily history: cold (the walk
 * over the whole history, then the judgement, as for the first run after a restart), cached (the
 * same history again: the engine's and --batch's common case), the fingerprint that finds a cached
 * model for an equal but freshly parsed history, and — the floor — a plain 3σ z-score over the
 * last 30 runs, the cheapest judgement there is. The target is < 5 ms per cold judgement.
 * Then the walks over a store of 5,000 runs: the console's bands (400 drawn) and a full backtest.
 */

export interface SpeedResult {
  historyRuns: number;
  iterations: number;
  coldMs: { median: number; p95: number; min: number };
  cachedMs: { median: number; p95: number; min: number };
  fingerprintMs: { median: number; p95: number; min: number };
  floorMs: { median: number; p95: number; min: number };
  storedRuns: number;
  bandsMs: number;
  backtestMs: number;
}

function summary(samples: number[]): { median: number; p95: number; min: number } {
  return { median: round(quantile(samples, 0.5)), p95: round(quantile(samples, 0.95)), min: round(Math.min(...samples)) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function timed(action: () => unknown): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

async function timedAsync(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** A SQLite store holding `count` finished daily runs of the busiest synthetic organisation. */
async function storeOf(entries: readonly HistoryEntry[]): Promise<{ location: string; folder: string }> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-speed-'));
  const location = path.join(folder, 'speed.db');
  const store = await openStore(location);
  for (const entry of entries) {
    const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: null, source: 'bench', startedAt: entry.startedAt, pid: process.pid, host: 'bench', flags: {}, resumedFrom: null });
    const metrics = { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0, ...entry.metrics };
    await store.finishRun(runId, { status: 'success', finishedAt: entry.startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation: null, error: null });
  }
  await store.close();
  return { location, folder };
}

export async function measureValidationSpeed(options: { iterations?: number; historyRuns?: number; storedRuns?: number; seed?: number } = {}): Promise<SpeedResult> {
  const iterations = options.iterations ?? 200;
  const historyRuns = options.historyRuns ?? 1100;
  const storedRuns = options.storedRuns ?? 5000;
  const profile = SYNTHETIC_ORGANISATIONS[SYNTHETIC_ORGANISATIONS.length - 1]!;
  const days = generateHistory(profile, { seed: options.seed ?? 7, days: Math.max(historyRuns + 1, storedRuns) });
  const history: HistoryEntry[] = days.slice(0, historyRuns).map((d) => d.entry);
  const current = days[historyRuns]!.entry;
  for (let i = 0; i < 20; i++) HistoryModel.fromHistory(history).judge(current); // warm the JIT
  const cold: number[] = [];
  const cached: number[] = [];
  const fingerprint: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < iterations; i++) {
    cold.push(timed(() => HistoryModel.fromHistory(history).judge(current)));
    cached.push(timed(() => judgeRun(history, current)));
    fingerprint.push(timed(() => historyFingerprint(history)));
    floor.push(timed(() => zScore30(history, current)));
  }
  const { location, folder } = await storeOf(days.slice(0, storedRuns).map((d) => d.entry));
  const store = await openStore(location);
  try {
    const bandsMs = await timedAsync(() => expectedBands(store, { limit: 400 }));
    const backtestMs = await timedAsync(() => backtest(store));
    return { historyRuns, iterations, coldMs: summary(cold), cachedMs: summary(cached), fingerprintMs: summary(fingerprint), floorMs: summary(floor), storedRuns, bandsMs: round(bandsMs), backtestMs: round(backtestMs) };
  } finally {
    await store.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

export function formatSpeed(result: SpeedResult): string {
  const row = (label: string, s: { median: number; p95: number; min: number }): string => `| ${label} | ${s.median} | ${s.p95} | ${s.min} |`;
  return [
    `## Historical validation — one run against ${result.historyRuns} runs of daily history (${result.iterations} iterations)`,
    '',
    '| path | median ms | p95 ms | min ms |',
    '| --- | ---: | ---: | ---: |',
    row('cold (the walk over the history, then the judgement)', result.coldMs),
    row('cached (same history, model reused)', result.cachedMs),
    row('fingerprint of an equal, freshly parsed history', result.fingerprintMs),
    row('floor: a plain 3σ z-score over the last 30 runs', result.floorMs),
    '',
    `Over a SQLite store of ${result.storedRuns.toLocaleString('en-US')} runs: the console's bands for the latest 400 in ${Math.round(result.bandsMs)} ms, a backtest of every run in ${Math.round(result.backtestMs)} ms (each one pass, reading the runs included).`,
    '',
  ].join('\n');
}

const USAGE = `Usage: node dist/bench/validation/speed.js [--json]
  How long one judgement takes against ~1,100 runs of history (cold, cached, fingerprint, the z-score floor),
  then the console's bands and a backtest over a SQLite store of 5,000 runs.`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && !answeredHelp(process.argv.slice(2), USAGE, ['--json'])) {
  const result = await measureValidationSpeed();
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(result)}\n` : formatSpeed(result));
}
