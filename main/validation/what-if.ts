import { DEFAULT_SENSITIVITY, type HistoryEntry, type SensitivitySettings, type ValidationResult } from '../../shared/validation.js';
import { judgeRun } from './historical/cache.js';
import { HistoryModel, type JudgeOptions } from './historical/model.js';

/**
 * What a change of sensitivity would have done, before anyone saves it (issue 10 item 7): the
 * stored runs replayed under the old and the new settings (how many would have alerted, and
 * which would change), and the trial cases — injected runs with their kind — judged under both
 * (which would be caught, per kind). Pure: no store, no clock; the Sensitivity panel and
 * `gatehouse validate tune` call it with what they read.
 */

export interface TrialCase {
  /** The injected kind ('spike', 'drop', ... or 'control' for a clean run). */
  kind: string;
  label?: string;
  /** The injected run. */
  current: HistoryEntry;
  /** The history it is judged against; absent: the given runs before it. */
  history?: readonly HistoryEntry[];
}

export interface WhatIfInput {
  /** The stored runs (the training history, any order), each judged against the ones before it. */
  runs: readonly HistoryEntry[];
  trials?: readonly TrialCase[];
  /** Trial cases never judged (their run ended before a verdict, or their injection changed nothing and no run was made), by kind: never replayed, counted beside their kind's cases. */
  notJudged?: readonly { kind: string }[];
  before?: SensitivitySettings;
  after: SensitivitySettings;
  options?: Omit<JudgeOptions, 'sensitivity'>;
}

export interface SettingsOutcome {
  /** Runs judged anomalous, each run of an ongoing change counted. */
  alertedRuns: number;
  /** Distinct alerts: the runs of one change fold into one. */
  alerts: number;
}

export interface TrialKindOutcome {
  kind: string;
  /** The kind's cases replayed: caughtBefore and caughtAfter are out of these. */
  cases: number;
  caughtBefore: number;
  caughtAfter: number;
  /** The kind's cases never judged (run ended before a verdict, or injection changed nothing): in no count above. */
  notJudged: number;
}

export interface TrialCaseOutcome {
  kind: string;
  label: string | null;
  startedAt: string;
  caughtBefore: boolean;
  caughtAfter: boolean;
}

export interface WhatIfReport {
  runsJudged: number;
  before: SettingsOutcome;
  after: SettingsOutcome;
  /** startedAt of runs that would alert under the new settings and did not under the old, and the reverse. */
  newlyAlerted: string[];
  noLongerAlerted: string[];
  trials: TrialKindOutcome[];
  trialCases: TrialCaseOutcome[];
}

interface Replay {
  verdicts: Map<string, boolean>;
  outcome: SettingsOutcome;
  trialCaught: boolean[];
}

/** One walk over the runs under one set of settings, judging the trial cases at their place in time. */
function replay(runs: readonly HistoryEntry[], trials: readonly TrialCase[], options: JudgeOptions): Replay {
  const ordered = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const pending = trials.map((trial, index) => ({ trial, index, time: Date.parse(trial.current.startedAt) })).filter((t) => !t.trial.history).sort((a, b) => a.time - b.time);
  const trialCaught = trials.map((trial) => (trial.history ? caught(judgeRun(trial.history, trial.current, options)) : false));
  const verdicts = new Map<string, boolean>();
  const outcome: SettingsOutcome = { alertedRuns: 0, alerts: 0 };
  const changes = new Set<string>();
  const model = HistoryModel.empty(options);
  let next = 0;
  for (const entry of ordered) {
    const time = Date.parse(entry.startedAt);
    for (; next < pending.length && pending[next]!.time <= time; next++) trialCaught[pending[next]!.index] = caught(model.judge(pending[next]!.trial.current));
    const result = model.judge({ startedAt: entry.startedAt, metrics: entry.metrics });
    const alerted = caught(result);
    verdicts.set(entry.startedAt, alerted);
    if (alerted) {
      outcome.alertedRuns += 1;
      const fresh = result.anomalies.some((a) => !a.ongoing || !a.changeId || !changes.has(a.changeId));
      if (fresh) outcome.alerts += 1;
      for (const a of result.anomalies) if (a.changeId) changes.add(a.changeId);
    }
    // Under these settings the run would have carried this verdict: an unreviewed alert teaches less.
    model.learn({ ...entry, verdict: entry.review ? entry.verdict : result.verdict });
  }
  for (; next < pending.length; next++) trialCaught[pending[next]!.index] = caught(model.judge(pending[next]!.trial.current));
  return { verdicts, outcome, trialCaught };
}

function caught(result: ValidationResult): boolean {
  return result.verdict === 'anomalous';
}

export function sensitivityWhatIf(input: WhatIfInput): WhatIfReport {
  const trials = input.trials ?? [];
  const before = replay(input.runs, trials, { ...input.options, sensitivity: input.before ?? DEFAULT_SENSITIVITY });
  const after = replay(input.runs, trials, { ...input.options, sensitivity: input.after });
  const newlyAlerted: string[] = [];
  const noLongerAlerted: string[] = [];
  for (const [startedAt, was] of before.verdicts) {
    const now = after.verdicts.get(startedAt) ?? false;
    if (now && !was) newlyAlerted.push(startedAt);
    if (was && !now) noLongerAlerted.push(startedAt);
  }
  const byKind = new Map<string, TrialKindOutcome>();
  const kindOf = (kind: string) => byKind.get(kind) ?? { kind, cases: 0, caughtBefore: 0, caughtAfter: 0, notJudged: 0 };
  const trialCases = trials.map((trial, i) => {
    const kind = kindOf(trial.kind);
    kind.cases += 1;
    if (before.trialCaught[i]) kind.caughtBefore += 1;
    if (after.trialCaught[i]) kind.caughtAfter += 1;
    byKind.set(trial.kind, kind);
    return { kind: trial.kind, label: trial.label ?? null, startedAt: trial.current.startedAt, caughtBefore: before.trialCaught[i]!, caughtAfter: after.trialCaught[i]! };
  });
  for (const { kind } of input.notJudged ?? []) {
    const tally = kindOf(kind);
    tally.notJudged += 1;
    byKind.set(kind, tally);
  }
  return { runsJudged: before.verdicts.size, before: before.outcome, after: after.outcome, newlyAlerted, noLongerAlerted, trials: [...byKind.values()], trialCases };
}
