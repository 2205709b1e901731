import { pathToFileURL } from 'node:url';
import { quantile } from 'simple-statistics';
import type { HistoryEntry } from '../../shared/validation.js';
import { HistoryModel, SYNTHETIC_ORGANISATIONS, generateHistory, historyFingerprint, judgeRun } from '../../main/validation/index.js';

/**
 * How long judging one run takes against 3 years (~1,100 runs) of daily history: cold (the model
 * is built from scratch, as for the first run after history changed), cached (the same history
 * again: the engine's and --batch's common case), and the fingerprint that finds a cached model
 * for an equal but freshly parsed history. The target is < 5 ms per judgement.
 */

export interface SpeedResult {
  historyRuns: number;
  iterations: number;
  coldMs: { median: number; p95: number };
  cachedMs: { median: number; p95: number };
  fingerprintMs: { median: number; p95: number };
}

function summary(samples: number[]): { median: number; p95: number } {
  return { median: round(quantile(samples, 0.5)), p95: round(quantile(samples, 0.95)) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function timed(action: () => unknown): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

export function measureValidationSpeed(options: { iterations?: number; historyRuns?: number; seed?: number } = {}): SpeedResult {
  const iterations = options.iterations ?? 200;
  const historyRuns = options.historyRuns ?? 1100;
  const profile = SYNTHETIC_ORGANISATIONS[SYNTHETIC_ORGANISATIONS.length - 1]!;
  const days = generateHistory(profile, { seed: options.seed ?? 7, days: historyRuns + 1 });
  const history: HistoryEntry[] = days.slice(0, historyRuns).map((d) => d.entry);
  const current = days[historyRuns]!.entry;
  for (let i = 0; i < 20; i++) HistoryModel.fromHistory(history).judge(current); // warm the JIT
  const cold: number[] = [];
  const cached: number[] = [];
  const fingerprint: number[] = [];
  for (let i = 0; i < iterations; i++) {
    cold.push(timed(() => HistoryModel.fromHistory(history).judge(current)));
    cached.push(timed(() => judgeRun(history, current)));
    fingerprint.push(timed(() => historyFingerprint(history)));
  }
  return { historyRuns, iterations, coldMs: summary(cold), cachedMs: summary(cached), fingerprintMs: summary(fingerprint) };
}

export function formatSpeed(result: SpeedResult): string {
  return [
    `## Historical validation — one run against ${result.historyRuns} runs of daily history (${result.iterations} iterations)`,
    '',
    '| path | median ms | p95 ms |',
    '| --- | ---: | ---: |',
    `| cold (model built from the history, then judged) | ${result.coldMs.median} | ${result.coldMs.p95} |`,
    `| cached (same history, model reused) | ${result.cachedMs.median} | ${result.cachedMs.p95} |`,
    `| fingerprint of an equal, freshly parsed history | ${result.fingerprintMs.median} | ${result.fingerprintMs.p95} |`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = measureValidationSpeed();
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(result)}\n` : formatSpeed(result));
}
