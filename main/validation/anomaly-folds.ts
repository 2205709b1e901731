import type { FoldedRun } from '../store/index.js';

/**
 * Issue 10 item 3: the runs of one open change (a level shift, the start of a quiet period) fold
 * into one anomaly. A run joins the fold of an earlier one when every anomaly it carries is
 * `ongoing` with a changeId already raised for the same task — the rule the backtest uses to
 * count distinct alerts. Any fresh anomaly opens a fold of its own: it is news.
 */
export interface AnomalyFold {
  /** Oldest first: the first run raised the change. */
  runs: FoldedRun[];
}

/** Folds anomalous runs (any order) into their changes, oldest fold first. */
export function foldAnomalousRuns(runs: readonly FoldedRun[]): AnomalyFold[] {
  const folds = new Map<number, AnomalyFold>();
  for (const { run, foldStartId } of foldStarts(runs)) {
    const fold = folds.get(foldStartId) ?? { runs: [] };
    folds.set(foldStartId, fold);
    fold.runs.push(run);
  }
  return [...folds.values()];
}

/** What a fold remembers of a change: the task's and the change's ids (folds never cross tasks). */
export function changeKey(task: string | null | undefined, changeId: string): string {
  return `${task ?? ''}|${changeId}`;
}

/**
 * Each run (any order) with the fold it joins, named by the fold's first run, in start order.
 * `openedBefore`: for folding from a run onward, the changes runs before it raised (changeKey →
 * the fold of the latest run that carried it); folds of earlier runs do not depend on later ones.
 */
export function foldStarts(runs: readonly FoldedRun[], openedBefore: ReadonlyMap<string, number> = new Map()): { run: FoldedRun; foldStartId: number }[] {
  // Each start parsed once: tens of thousands of anomalous runs are folded on every list.
  const ordered = runs.map((run) => ({ run, at: Date.parse(run.startedAt) })).sort((a, b) => a.at - b.at || a.run.runId - b.run.runId).map(({ run }) => run);
  const foldOfChange = new Map(openedBefore);
  return ordered.map((run) => {
    const keys = (run.validation?.anomalies ?? []).map((a) => ({ key: a.changeId ? changeKey(run.task, a.changeId) : null, ongoing: a.ongoing === true }));
    const continues = keys.length > 0 && keys.every((k) => k.ongoing && k.key !== null && foldOfChange.has(k.key));
    const foldStartId = continues ? foldOfChange.get(keys[0]!.key!)! : run.runId;
    for (const { key } of keys) if (key !== null) foldOfChange.set(key, foldStartId);
    return { run, foldStartId };
  });
}

/**
 * Whether any run of the fold still waits for a review: one not reviewed that still stands. A run support rolled back
 * whole (status rolled_back) left nothing to review; a rollback is not a review, so the validator's statistics never read it as one.
 */
export function foldIsOpen(fold: AnomalyFold): boolean {
  return fold.runs.some((run) => run.review === null && run.status !== 'rolled_back');
}
