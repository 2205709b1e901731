import type { SensitivitySettings, ValidationResult } from '../../shared/validation.js';
import type { JudgedRun } from '../store/index.js';
import { HistoryModel, MIN_HISTORY_RUNS, type JudgeOptions } from './historical/model.js';
import { historyEntryOf, LIVE_HISTORY_RUNS, originOf, trainsValidator } from './historical/store-judge.js';

/** A walk over stored runs starts this far before the first run it reports, no further: as far back as the live judge reads. */
export { LIVE_HISTORY_RUNS };

/** Runs the engine would have judged: the ones that finished with their changes standing (or held). */
export function wasJudgeable(status: string): boolean {
  return status === 'success' || status === 'partial' || status === 'held';
}

/**
 * Walks forward over stored production runs in start order, in one pass: each judgeable run from
 * `from` on is judged against only the runs before it — with the live judge's exclusions today
 * (confirmed anomalies, rolled-back and held runs out, unreviewed anomalies down-weighted,
 * expected ones re-baselined on) and its task preference (a task with MIN_HISTORY_RUNS runs of
 * its own is judged on those alone) and the task's sensitivity in force (`taskSensitivity`; other
 * runs use options.sensitivity) — and then, if it may, it trains the walk. Linear in the runs
 * walked, which start at most LIVE_HISTORY_RUNS before `from`, times the distinct settings in force.
 */
export function walkStoredRuns<Run extends JudgedRun>(
  runs: readonly Run[],
  options: JudgeOptions,
  from: number,
  report: (run: Run, result: ValidationResult) => void,
  taskSensitivity: ReadonlyMap<string, SensitivitySettings> = new Map(),
): void {
  const production = runs.filter((run) => originOf(run) === 'production');
  const first = Math.max(0, Math.min(from, production.length) - LIVE_HISTORY_RUNS);
  const settingsOf = (task: string | null | undefined) => (task ? taskSensitivity.get(task) : undefined) ?? options.sensitivity;
  // A task with too little history of its own is judged on every run, with its own settings: one such model per distinct settings.
  const allBySettings = new Map<string, HistoryModel>();
  for (const settings of [options.sensitivity, ...taskSensitivity.values()]) allBySettings.set(JSON.stringify(settings ?? null), HistoryModel.empty({ ...options, sensitivity: settings }));
  const byTask = new Map<string, HistoryModel>();
  for (let i = first; i < production.length; i++) {
    const run = production[i]!;
    const own = run.task ? byTask.get(run.task) : undefined;
    const entry = historyEntryOf(run);
    if (i >= from && wasJudgeable(run.status)) {
      const judge = own && own.size >= MIN_HISTORY_RUNS ? own : allBySettings.get(JSON.stringify(settingsOf(run.task) ?? null))!;
      report(run, judge.judge({ startedAt: run.startedAt, metrics: run.metrics }));
    }
    if (!trainsValidator(run)) continue;
    for (const all of allBySettings.values()) all.learn(entry);
    if (run.task) {
      const model = own ?? HistoryModel.empty({ ...options, sensitivity: settingsOf(run.task) });
      model.learn(entry);
      byTask.set(run.task, model);
    }
  }
}

/** The index in `runs` (production runs, start order) of the first of the last `limit` judgeable runs. */
export function firstOfLast(runs: readonly JudgedRun[], limit: number): number {
  const production = runs.filter((run) => originOf(run) === 'production');
  let seen = 0;
  for (let i = production.length - 1; i >= 0; i--) {
    if (wasJudgeable(production[i]!.status) && ++seen >= limit) return i;
  }
  return 0;
}
