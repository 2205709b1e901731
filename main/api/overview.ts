import type { Overview } from '../../shared/api.js';
import { effectiveStatus, withStatusReasons, type RunSummary } from '../../shared/run.js';
import { taskStore, taskView } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import { countOpenAnomalies } from '../validation/index.js';
import type { EngineHost } from './engine-host.js';

const DAY_MS = 86_400_000;
const RECENT_RUNS = 10;
/** The window is read a page at a time, by keyset: a busy task can start thousands of runs in it. */
const WINDOW_PAGE = 1_000;

/** The at-a-glance numbers, all computed from stored runs — nothing here is a placeholder. */
export async function buildOverview(store: Store, engine: EngineHost, windowDays: number, trials: Overview['trials'] = null): Promise<Overview> {
  // The newest runs shown and the latest start, each read as such: not the newest 1,000 runs read to find both.
  // Each as runs.list gives it, with why it has its status: the Overview's rows say what the Runs page's say.
  const latest = (await store.listRuns({ limit: RECENT_RUNS })).map(withStatusReasons);
  const newestStart = await store.reports.newestStart();
  // The window ends at the newest run rather than at "now", so a quiet week does not empty the page.
  const since = new Date((newestStart === null ? Date.now() : Date.parse(newestStart)) - windowDays * DAY_MS).toISOString();
  const inWindow = await runsStartedSince(store, since);
  const anomalousRuns = inWindow
    .filter((run) => run.validation?.verdict === 'anomalous')
    .map((run) => ({ runId: run.runId, startedAt: run.startedAt, anomalies: run.validation?.anomalies ?? [] }));
  // Open: flagged and not yet marked expected or confirmed; the runs of one change count once. Not limited to the window:
  // the History list it links to shows every open change, and the two must not show one person two numbers.
  const openAnomalies = await countOpenAnomalies(store);
  return {
    database: { backend: store.backend, location: store.location, hearings: await store.countHearings() },
    windowDays,
    recentRuns: latest,
    runsInWindow: inWindow.length,
    runsByStatus: countByStatus(inWindow),
    batchSuccessRate: batchSuccessRate(inWindow),
    recordsCommittedShare: await recordsCommittedShare(store, inWindow),
    quarantinedInWindow: inWindow.reduce((sum, run) => sum + run.metrics.quarantined, 0),
    openAnomalies,
    trials,
    anomalousRuns,
    activeRuns: engine.active(),
    lastRun: latest[0] ?? null,
    nextTasks: await nextTasks(store),
  };
}

/**
 * Every run started at or after `since`, newest first, filtered in SQL and read by keyset pages: one
 * capped read filtered afterwards counted at most the cap, however many runs the window held.
 */
async function runsStartedSince(store: Store, since: string): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for (let after: number | undefined; ; ) {
    const page = await store.listRuns({ since, limit: WINDOW_PAGE, after });
    runs.push(...page);
    if (page.length < WINDOW_PAGE) return runs;
    after = page.at(-1)!.runId;
  }
}

/** Enabled tasks by their next scheduled time; a broken cron expression leaves its task out. */
async function nextTasks(store: Store, now: Date = new Date()): Promise<Overview['nextTasks']> {
  const tasks = (await taskStore(store).list()).filter((task) => task.enabled);
  const upcoming: Overview['nextTasks'] = [];
  for (const task of tasks) {
    // As tasks.list shows it: a task backing off after failures next runs at its retry.
    const next = (() => {
      try {
        return taskView(task, now).nextRunAt;
      } catch {
        return null;
      }
    })();
    if (next) upcoming.push({ name: task.name, cron: task.cron, nextRunAt: next });
  }
  return upcoming.sort((a, b) => a.nextRunAt.localeCompare(b.nextRunAt));
}

function countByStatus(runs: RunSummary[]): Record<string, number> {
  const counts: Record<string, number> = {};
  // As the Runs page and `runs list --status` read it: a run whose process is gone is interrupted, not running.
  for (const status of runs.map(effectiveStatus)) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

function batchSuccessRate(runs: RunSummary[]): number | null {
  const total = runs.reduce((sum, run) => sum + run.batches.total, 0);
  return total === 0 ? null : runs.reduce((sum, run) => sum + run.batches.succeeded, 0) / total;
}

/**
 * A run that failed or was rolled back committed nothing that stayed; a batch support rolled back
 * later took its records out again, so they are not counted as in the database either.
 */
async function recordsCommittedShare(store: Store, runs: RunSummary[]): Promise<number | null> {
  const fetched = runs.reduce((sum, run) => sum + run.metrics.fetched, 0);
  if (fetched === 0) return null;
  const stayed = runs.filter((run) => run.status !== 'failed' && run.status !== 'rolled_back');
  const kept = stayed.reduce((sum, run) => sum + run.metrics.added + run.metrics.updated + run.metrics.unchanged, 0);
  return Math.max(0, Math.min(1, (kept - (await recordsOfBatchesRolledBack(store, stayed))) / fetched));
}

/** The records written by batches rolled back after their run committed them (few runs have any). */
async function recordsOfBatchesRolledBack(store: Store, runs: RunSummary[]): Promise<number> {
  let undone = 0;
  for (const run of runs.filter((r) => (r.batches.rolledBack ?? 0) > 0)) {
    const detail = await store.getRun(run.runId);
    for (const batch of detail?.batchList ?? []) if (batch.status === 'rolled_back') undone += batch.added + batch.updated;
  }
  return undone;
}
