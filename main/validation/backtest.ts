import type { SensitivitySettings, Verdict } from '../../shared/validation.js';
import type { Store } from '../store/index.js';
import type { JudgeOptions } from './historical/model.js';
import { sensitivityByTask } from './sensitivity.js';
import { walkStoredRuns } from './walk-stored.js';

export { wasJudgeable } from './walk-stored.js';

export interface BacktestRun {
  runId: number;
  startedAt: string;
  task: string | null;
  verdict: Verdict;
  /** The rules that fired, one entry per anomaly (metric:rule). */
  rules: string[];
  /** The change a run's anomaly belongs to, when it is one (runs of one change fold into one alert). */
  changeIds: string[];
  /** What was stored when the run happened (null when it was not judged then). */
  storedVerdict: Verdict | null;
  review: string | null;
}

export interface BacktestReport {
  runsJudged: number;
  /** Runs judged anomalous (each run of an ongoing change counts). */
  alerted: number;
  /** Distinct alerts: the runs of one open change count once. */
  alerts: number;
  ok: number;
  insufficientHistory: number;
  baseline: number;
  /** Runs alerted per rule (a run with two anomalies of one rule counts once for it). */
  byRule: Record<string, number>;
  /** Alerted runs; with `all`, every judged run. */
  runs: BacktestRun[];
}

/**
 * Walks forward over the stored runs once (linear time): each is judged against only the runs
 * before it, with the exclusions and feedback the live judge applies today. Reads only; the
 * stored verdicts are left as they were. Each task's runs are judged with its sensitivity in force;
 * `sensitivity` replays every run under those settings instead.
 */
export async function backtest(store: Store, options: JudgeOptions & { all?: boolean; sensitivity?: SensitivitySettings } = {}): Promise<BacktestReport> {
  // Every task's production runs (the walk judges them all), with only the columns it judges by.
  const runs = await store.reports.judged({ production: true });
  const report: BacktestReport = { runsJudged: 0, alerted: 0, alerts: 0, ok: 0, insufficientHistory: 0, baseline: 0, byRule: {}, runs: [] };
  const changes = new Set<string>();
  const taskSensitivity = options.sensitivity ? new Map() : await sensitivityByTask(store);
  walkStoredRuns(runs, options, 0, (run, result) => {
    report.runsJudged += 1;
    if (result.verdict === 'anomalous') report.alerted += 1;
    else if (result.verdict === 'ok') report.ok += 1;
    else if (result.verdict === 'baseline') report.baseline += 1;
    else report.insufficientHistory += 1;
    const changeIds = [...new Set(result.anomalies.flatMap((a) => (a.changeId ? [a.changeId] : [])))];
    const ongoingOnly = result.anomalies.length > 0 && result.anomalies.every((a) => a.ongoing && a.changeId && changes.has(a.changeId));
    if (result.verdict === 'anomalous' && !ongoingOnly) report.alerts += 1;
    for (const id of changeIds) changes.add(id);
    for (const rule of new Set(result.anomalies.map((a) => a.rule))) report.byRule[rule] = (report.byRule[rule] ?? 0) + 1;
    if (result.verdict === 'anomalous' || options.all) {
      report.runs.push({
        runId: run.runId,
        startedAt: run.startedAt,
        task: run.task ?? null,
        verdict: result.verdict,
        rules: result.anomalies.map((a) => `${a.metric}:${a.rule}`),
        changeIds,
        storedVerdict: run.validation?.verdict ?? null,
        review: run.review,
      });
    }
  }, taskSensitivity);
  return report;
}
