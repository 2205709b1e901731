import { countNotJudged, trialScoredOnLastRunOnly, wasJudged, type NotJudgedCounts } from '../../shared/api-validation.js';
import { wilsonInterval, type Interval } from '../../shared/intervals.js';
import type { TrialLevel, TrialRecord } from '../store/index.js';
import { attributableAlarms } from './attribution.js';

/** A trial without a task and version (a ledger row written before trials could be run as a task) was judged by the defaults. */
type ScoredTrial = Pick<TrialRecord, 'kind' | 'level' | 'caught' | 'caughtBy'> & { magnitude: number | null } & Partial<Pick<TrialRecord, 'task' | 'sensitivityVersion' | 'notJudged' | 'windowRuns' | 'firstAlertRun'>>;

/** The settings that judged a trial: its task and that task's sensitivity version (both null: the defaults, no task). */
export interface JudgedWith {
  task: string | null;
  sensitivityVersion: number | null;
}

const judgedWith = (trial: ScoredTrial): JudgedWith => ({ task: trial.task ?? null, sensitivityVersion: trial.sensitivityVersion ?? null });
const judgedWithKey = (trial: ScoredTrial): string => JSON.stringify(Object.values(judgedWith(trial)));
/** Trials judged with other settings, or scored by the older last-run rule, are tallied apart. */
const settingsKey = (trial: ScoredTrial): string => JSON.stringify([judgedWithKey(trial), trialScoredOnLastRunOnly(trial)]);

/** One kind under one task's settings: trials judged with other settings are another row, never added into it. */
export interface KindTally extends JudgedWith {
  kind: string;
  level: TrialLevel;
  /** The kind's judged trials (the rate's n). */
  trials: number;
  caught: number;
  /** caught / trials (for controls: the share flagged by any alarm). */
  rate: number | null;
  interval: Interval | null;
  /** The kind's trials never judged (their run ended before a verdict, or their injection changed nothing), and why (each reason once). */
  notJudged: number;
  notJudgedReasons: string[];
  /** Level shifts recorded before window scoring, scored on their last run only: a row apart from those scored over their window. */
  scoredOnLastRunOnly: boolean;
  /** The most runs one of its trials was scored over; null: recorded before windows were. */
  windowRuns: number | null;
  /** The detection delay: how many of its caught (controls: flagged) trials first alarmed on each day of their window, earliest first. */
  firstAlarmDays: { day: number; trials: number }[];
}

/** One kind at one magnitude under one task's settings: detection on injected runs beside false positives of the same alarms on controls judged the same way. */
export interface MagnitudeTally extends DetectionTally, JudgedWith {
  kind: string;
  level: TrialLevel;
  magnitude: number | null;
  scoredOnLastRunOnly: boolean;
}

/** Detection on injected runs beside false positives on controls, each with its n and interval. */
export interface DetectionTally {
  injected: number;
  caught: number;
  detectionRate: number | null;
  detectionInterval: Interval | null;
  /** Controls of the same trials, and how many of them raised an alarm attributable to the kind (overall: any alarm). */
  controls: number;
  falsePositives: number;
  falsePositiveRate: number | null;
  falsePositiveInterval: Interval | null;
  /** Trials never judged (their run ended before a verdict, or their injection changed nothing and no run was made): in neither rate, counted here. */
  notJudged: number;
}

/**
 * Detection rate = injected runs caught by an alarm attributable to their kind / injected;
 * false-positive rate = controls flagged by any alarm / controls. Each rate comes with its n and a
 * Wilson 95 % interval.
 */
export interface LedgerSummary extends DetectionTally {
  /** Every trial, judged or not. */
  trials: number;
  /** Every task's settings the trials were judged with, first seen first: more than one, and the overall rates add trials judged differently. */
  judgedWith: JudgedWith[];
  byKind: KindTally[];
  byMagnitude: MagnitudeTally[];
  /** `notJudged` by why: run ended before a verdict, or injection changed nothing and no run was made. */
  notJudgedCauses: NotJudgedCounts;
  /** Judged trials scored on their last run only (recorded before window scoring): in the rates above, apart in byKind and byMagnitude. */
  scoredOnLastRunOnly: number;
}

const rate = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/**
 * An injected trial counts only when what caught it is attributable to its kind. The runner already
 * stores only such alarms; re-checking here keeps ledgers written before attribution honest too.
 */
export function isAttributableCatch(trial: Pick<ScoredTrial, 'kind' | 'caught' | 'caughtBy'>): boolean {
  return trial.caught && attributableAlarms(trial.kind, trial.caughtBy).length > 0;
}

const isCaught = (trial: ScoredTrial): boolean => (trial.level === 'control' ? trial.caught : isAttributableCatch(trial));

interface KindCounts extends JudgedWith {
  kind: string;
  level: TrialLevel;
  trials: number;
  caught: number;
  notJudged: number;
  notJudgedReasons: string[];
  scoredOnLastRunOnly: boolean;
  windowRuns: number | null;
  firstAlarmDays: Map<number, number>;
}

function kindTallies(trials: readonly ScoredTrial[]): KindTally[] {
  const byKind = new Map<string, KindCounts>();
  for (const trial of trials) {
    const key = `${trial.kind}\u0000${settingsKey(trial)}`;
    const tally: KindCounts = byKind.get(key) ?? { kind: trial.kind, level: trial.level, ...judgedWith(trial), trials: 0, caught: 0, notJudged: 0, notJudgedReasons: [], scoredOnLastRunOnly: trialScoredOnLastRunOnly(trial), windowRuns: null, firstAlarmDays: new Map() };
    if (trial.windowRuns != null) tally.windowRuns = Math.max(tally.windowRuns ?? 0, trial.windowRuns);
    if (!wasJudged(trial)) {
      tally.notJudged += 1;
      if (!tally.notJudgedReasons.includes(trial.notJudged!)) tally.notJudgedReasons.push(trial.notJudged!);
    } else {
      tally.trials += 1;
      if (isCaught(trial)) {
        tally.caught += 1;
        if (trial.firstAlertRun != null) tally.firstAlarmDays.set(trial.firstAlertRun, (tally.firstAlarmDays.get(trial.firstAlertRun) ?? 0) + 1);
      }
    }
    byKind.set(key, tally);
  }
  return [...byKind.values()].map(({ notJudged, notJudgedReasons, scoredOnLastRunOnly, windowRuns, firstAlarmDays, ...t }) => ({
    ...t, rate: rate(t.caught, t.trials), interval: wilsonInterval(t.caught, t.trials), notJudged, notJudgedReasons, scoredOnLastRunOnly,
    windowRuns,
    firstAlarmDays: [...firstAlarmDays].sort(([a], [b]) => a - b).map(([day, count]) => ({ day, trials: count })),
  }));
}

function magnitudeTallies(injected: readonly ScoredTrial[], controls: readonly ScoredTrial[]): MagnitudeTally[] {
  const groups = new Map<string, ScoredTrial[]>();
  for (const trial of injected) {
    const key = `${trial.kind}\u0000${trial.magnitude ?? ''}\u0000${settingsKey(trial)}`;
    groups.set(key, [...(groups.get(key) ?? []), trial]);
  }
  const rows = [...groups.values()].map((all): MagnitudeTally => {
    const { kind, level, magnitude } = all[0]!;
    const group = all.filter(wasJudged);
    const caught = group.filter(isAttributableCatch).length;
    const sameSettings = controls.filter((control) => judgedWithKey(control) === judgedWithKey(all[0]!));
    const falsePositives = sameSettings.filter((control) => attributableAlarms(kind, control.caughtBy).length > 0).length;
    return {
      kind, level, magnitude, ...judgedWith(all[0]!),
      injected: group.length, caught, detectionRate: rate(caught, group.length), detectionInterval: wilsonInterval(caught, group.length),
      controls: sameSettings.length, falsePositives, falsePositiveRate: rate(falsePositives, sameSettings.length), falsePositiveInterval: wilsonInterval(falsePositives, sameSettings.length),
      notJudged: all.length - group.length,
      scoredOnLastRunOnly: trialScoredOnLastRunOnly(all[0]!),
    };
  });
  const bySettings = (a: MagnitudeTally, b: MagnitudeTally) => (a.task ?? '').localeCompare(b.task ?? '') || (a.sensitivityVersion ?? 0) - (b.sensitivityVersion ?? 0);
  return rows.sort((a, b) => a.kind.localeCompare(b.kind) || bySettings(a, b) || (a.magnitude ?? 0) - (b.magnitude ?? 0) || Number(a.scoredOnLastRunOnly) - Number(b.scoredOnLastRunOnly));
}

export function summariseTrials(trials: readonly ScoredTrial[]): LedgerSummary {
  const judged = trials.filter(wasJudged);
  const injected = judged.filter((t) => t.level !== 'control');
  const controls = judged.filter((t) => t.level === 'control');
  const caught = injected.filter(isAttributableCatch).length;
  const falsePositives = controls.filter((t) => t.caught).length;
  const judgedWithAll = new Map(trials.map((trial) => [judgedWithKey(trial), judgedWith(trial)]));
  return {
    trials: trials.length,
    judgedWith: [...judgedWithAll.values()],
    injected: injected.length,
    caught,
    detectionRate: rate(caught, injected.length),
    detectionInterval: wilsonInterval(caught, injected.length),
    controls: controls.length,
    falsePositives,
    falsePositiveRate: rate(falsePositives, controls.length),
    falsePositiveInterval: wilsonInterval(falsePositives, controls.length),
    notJudged: trials.length - judged.length,
    byKind: kindTallies(trials),
    byMagnitude: magnitudeTallies(trials.filter((t) => t.level !== 'control'), controls),
    notJudgedCauses: countNotJudged(trials),
    scoredOnLastRunOnly: judged.filter(trialScoredOnLastRunOnly).length,
  };
}
