import type { HistoryEntry } from '../../../shared/validation.js';

/**
 * What of a history may train the validator for one judged run (issue 10 item 4):
 * - a `confirmed` anomaly was really wrong: it leaves the history;
 * - a trial run (staging) never trains the judgement of a production run;
 * - an anomalous run nobody reviewed yet may be a broken source: it teaches a quarter of what a
 *   clean run teaches, until someone says `expected` (full weight, and the model re-baselines on
 *   it) or `confirmed` (out);
 * - an entry's own `weight`, when the caller gives one, scales all of that.
 * The input order is not trusted (stores may page newest first).
 */

export const UNREVIEWED_ANOMALY_WEIGHT = 0.25;

export interface TrainingRun {
  entry: HistoryEntry;
  time: number;
  /** 0–1: how much this run may move the baseline. */
  weight: number;
  expected: boolean;
}

export function trainingWeight(entry: HistoryEntry): number {
  const own = entry.weight ?? 1;
  return entry.verdict === 'anomalous' && !entry.review ? own * UNREVIEWED_ANOMALY_WEIGHT : own;
}

export function trainsFor(entry: HistoryEntry, current?: HistoryEntry): boolean {
  if (entry.review === 'confirmed') return false;
  return entry.origin !== 'trial' || current?.origin === 'trial';
}

/** The training runs for judging `current` (or for walking the history, without one), in time order. */
export function trainingRuns(history: readonly HistoryEntry[], current?: HistoryEntry): TrainingRun[] {
  const runs: TrainingRun[] = [];
  for (const entry of history) {
    if (!trainsFor(entry, current)) continue;
    runs.push({ entry, time: Date.parse(entry.startedAt), weight: trainingWeight(entry), expected: entry.review === 'expected' });
  }
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.time < runs[i - 1]!.time) return runs.sort((a, b) => a.time - b.time);
  }
  return runs;
}

