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
  // Each start parsed once: tens of thousands of anomalous runs are folded on every list.
  const ordered = runs.map((run) => ({ run, at: Date.parse(run.startedAt) })).sort((a, b) => a.at - b.at || a.run.runId - b.run.runId).map(({ run }) => run);
  const foldOfChange = new Map<string, AnomalyFold>();
  const folds: AnomalyFold[] = [];
  for (const run of ordered) {
    const keys = (run.validation?.anomalies ?? []).map((a) => ({ key: a.changeId ? `${run.task ?? ''}|${a.changeId}` : null, ongoing: a.ongoing === true }));
    const continues = keys.length > 0 && keys.every((k) => k.ongoing && k.key !== null && foldOfChange.has(k.key));
    const fold = continues ? foldOfChange.get(keys[0]!.key!)! : { runs: [] };
    if (!continues) folds.push(fold);
    fold.runs.push(run);
    for (const { key } of keys) if (key !== null) foldOfChange.set(key, fold);
  }
  return folds;
}

/** Whether any run of the fold still waits for a review. */
export function foldIsOpen(fold: AnomalyFold): boolean {
  return fold.runs.some((run) => run.review === null);
}
