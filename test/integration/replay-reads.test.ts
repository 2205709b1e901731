import { afterAll, describe, expect, it } from 'vitest';
import { insertRuns, severalTasksRuns } from '../../bench/long-history.js';
import type { ReportedRun, Store } from '../../main/store/index.js';
import { backtest, saveSensitivity, sensitivityInForce, sensitivityWhatIf, whatIfForTask, type TrialCase } from '../../main/validation/index.js';
import { MIN_HISTORY_RUNS } from '../../main/validation/historical/model.js';
import { historyEntryOf, originOf, trainsValidator } from '../../main/validation/historical/store-judge.js';
import { sensitivityByTask } from '../../main/validation/sensitivity.js';
import { firstOfLast, walkStoredRuns } from '../../main/validation/walk-stored.js';
import { expectedBands } from '../../main/validation/bands.js';
import type { SensitivitySettings } from '../../shared/validation.js';
import { testBackends } from '../helpers/backends.js';
import { countedQueries } from '../helpers/counted-queries.js';

/**
 * The what-if and the backtest read only the runs and columns they judge (a task's runs, filtered
 * in SQL; trial runs by id) and must judge exactly as when they read every run and filtered in
 * JavaScript: the reference below is that older way, kept here to compare against.
 */

const AFTER: SensitivitySettings = { metrics: { fetched: 'high', duration: 'off' }, minSignals: 1 };

/** The runs the what-if judged when it read every run: the task's own training runs, or every training run. */
function referenceTrainingRuns(runs: readonly ReportedRun[], task: string): ReportedRun[] {
  const training = runs.filter((run) => originOf(run) === 'production' && trainsValidator(run));
  const own = training.filter((run) => run.task === task);
  return own.length >= MIN_HISTORY_RUNS ? own : training;
}

async function referenceTrialCases(store: Store, runs: readonly ReportedRun[], againstHistory: boolean): Promise<TrialCase[]> {
  const byId = new Map(runs.map((run) => [run.runId, run]));
  // As the trial's own judge read them: every run that trains the validator (a trial run's earlier controls too), its task's alone when they are enough.
  const training = runs.filter((run) => trainsValidator(run));
  return (await store.trials.list()).flatMap((trial) => {
    const run = trial.level === 'record' || trial.runId === null ? undefined : byId.get(trial.runId);
    if (!run) return [];
    const before = training.filter((r) => Date.parse(r.startedAt) < Date.parse(run.startedAt));
    const own = before.filter((r) => trial.task !== null && r.task === trial.task);
    const history = againstHistory ? { history: (own.length >= MIN_HISTORY_RUNS ? own : before).map(historyEntryOf) } : {};
    return [{ kind: trial.kind, label: trial.label, current: { startedAt: run.startedAt, metrics: run.metrics, origin: originOf(run) }, ...history }];
  });
}

async function referenceWhatIf(store: Store, task: string, staging: Store) {
  const runs = await store.reports.runs();
  const trials = [...(await referenceTrialCases(store, runs, false)), ...(await referenceTrialCases(staging, await staging.reports.runs(), true))];
  const before = (await sensitivityInForce(store, task)).settings;
  return sensitivityWhatIf({ runs: referenceTrainingRuns(runs, task).map(historyEntryOf), trials, before, after: AFTER });
}

async function referenceBacktest(store: Store) {
  const judged: unknown[] = [];
  walkStoredRuns(await store.reports.runs(), {}, 0, (run, result) => {
    judged.push({ runId: run.runId, task: run.task, verdict: result.verdict, rules: result.anomalies.map((a) => `${a.metric}:${a.rule}`), storedVerdict: run.validation?.verdict ?? null, review: run.review });
  }, await sensitivityByTask(store));
  return judged;
}

/** The bands of the latest `limit` runs as drawn when every run was read whole. */
async function referenceBands(store: Store, limit: number) {
  const runs = await store.reports.runs();
  const drawn: unknown[] = [];
  walkStoredRuns(runs, {}, firstOfLast(runs, limit), (run, result) => {
    drawn.push({ runId: run.runId, startedAt: run.startedAt, method: result.method, bands: result.bands ?? {} });
  }, await sensitivityByTask(store));
  return drawn;
}

/** A mixed history of five tasks, a task with too little history of its own, trial runs and a ledger naming them. */
async function seedMixedHistory(store: Store, seed: number): Promise<void> {
  const runs = severalTasksRuns(160, 5, { seed, trialEvery: 37 });
  const rare = runs.filter((run) => run.task === 'task-1').slice(-(MIN_HISTORY_RUNS - 5)).map((run) => ({ ...run, startedAt: new Date(Date.parse(run.startedAt) + 60_000).toISOString(), task: 'rare' }));
  // Upper case: runOrigin calls it production (SQLite's LIKE would not tell the two apart).
  const shouting = runs.slice(-40).map((run) => ({ ...run, startedAt: new Date(Date.parse(run.startedAt) + 120_000).toISOString(), source: 'TRIAL:not-a-trial' }));
  const ids = await insertRuns(store, [...runs, ...rare, ...shouting]);
  const trialIds = ids.filter((_, i) => i < runs.length && runs[i]!.source !== undefined);
  const common = { session: 's1', at: '2026-12-01T00:00:00.000Z', source: 'test.db', magnitude: null, caughtBy: [], verdict: null, detail: null, caught: false };
  for (const [i, runId] of trialIds.entries()) await store.trials.record({ ...common, label: `case-${i}`, kind: i % 3 === 0 ? 'control' : 'spike', level: i % 3 === 0 ? 'control' : 'run', runId });
  await store.trials.record({ ...common, label: 'record-level', kind: 'drop', level: 'record', runId: trialIds[0]! });
  await store.trials.record({ ...common, label: 'no run', kind: 'drop', level: 'run', runId: null });
  await store.trials.record({ ...common, label: 'run gone', kind: 'drop', level: 'run', runId: 999_999 });
  await store.trials.record({ ...common, label: 'production run', kind: 'spike', level: 'run', runId: ids[3]! });
}

describe.each(testBackends())('what-if and backtest read only what they judge ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('judges a mixed history of several tasks, trial and staging runs exactly as when every run was read', async () => {
    const store = await backend.open(await backend.freshLocation());
    const staging = await backend.open(await backend.freshLocation());
    try {
      await seedMixedHistory(store, 5);
      await seedMixedHistory(staging, 11);
      await saveSensitivity(store, { task: 'task-2', settings: { metrics: { fetched: 'low' }, minSignals: 2 }, reason: 'a quieter task', operator: 'ada' });
      await saveSensitivity(store, { task: 'rare', settings: { metrics: { fetched: 'high' }, minSignals: 1 }, reason: 'few runs of its own', operator: 'ada' });

      for (const task of ['task-0', 'task-2', 'task-4', 'rare']) {
        const { report } = await whatIfForTask(store, task, AFTER, {}, staging);
        expect(report, task).toEqual(await referenceWhatIf(store, task, staging));
      }
      const rare = await whatIfForTask(store, 'rare', AFTER);
      // The rare task falls back to every production training run, the uppercase-sourced ones among them.
      expect(rare.report.runsJudged).toBeGreaterThan(700);
      expect(rare.report.trialCases.length).toBeGreaterThan(10);

      const report = await backtest(store, { all: true });
      const reference = await referenceBacktest(store);
      expect(report.runs.map(({ runId, task, verdict, rules, storedVerdict, review }) => ({ runId, task, verdict, rules, storedVerdict, review }))).toEqual(reference);
      expect(report.alerted).toBeGreaterThan(0);
      expect(report.runsJudged).toBe(reference.length);

      // The bands read the tail of the history with only the columns the walk judges by, and draw what the whole rows drew.
      const { result: bands, statements } = await countedQueries(store, () => expectedBands(store, { limit: 150 }));
      expect(bands).toEqual(await referenceBands(store, 150));
      expect(bands).toHaveLength(150);
      const runReads = statements.filter((statement) => /from "runs"/.test(statement.sql));
      expect(runReads.length).toBeGreaterThan(0);
      for (const { sql } of runReads) expect(sql).not.toMatch(/select \*|validation_json|error|batch_counts_json/);
    } finally {
      await store.close();
      await staging.close();
    }
  }, 240_000);
});
