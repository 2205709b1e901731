import { hasDetectionDelay, kindAsJudged, mixedSettingsNote, type NotJudgedCounts } from '../../shared/api-validation.js';
import { environmentFailure } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { summariseTrials, type MagnitudeTally } from '../trials/index.js';

/**
 * What staging trials measured (injected anomalies caught, clean runs wrongly flagged), read from
 * the trial ledger: the `trials` table of the staging target `gatehouse trial` wrote.
 */
export interface TrialMeasurements {
  trials: number;
  anomaliesInjected: number;
  anomaliesDetected: number;
  cleanRuns: number;
  falsePositives: number;
  /** Trials never judged (their run ended before a verdict, or their injection changed nothing): in none of the counts above. */
  notJudged: number;
  /** `notJudged` by why; absent: all of them runs ended before a verdict. */
  notJudgedCauses?: NotJudgedCounts;
  /** The controls among them: left out of `cleanRuns` (the rest were injections, left out of `anomaliesInjected`). */
  controlsNotJudged: number;
  /**
   * Per-kind rows for the trial report; `notJudgedReasons`: why the kind's trials not judged were not.
   * A control injects nothing and an injection is no clean run: their columns that cannot apply are
   * null (a "—"), not 0, which read as "control: nothing caught" and "spike: no false positive".
   */
  rows: { name: string; injected: number | null; detected: number | null; cleanRuns: number | null; falsePositives: number | null; notJudged: number; notJudgedReasons: string[] }[];
  /** Detection per kind and magnitude, beside the same alarms' false positives on controls. */
  byMagnitude?: MagnitudeTally[];
  /** Set when the trials were judged with more than one task's settings: what the overall figures add up. */
  mixedSettings?: string | null;
  /** Judged trials scored on their last run only (level shifts recorded before window scoring): in the overall counts, their own rows. */
  scoredOnLastRunOnly?: number;
  /**
   * The detection delay of each injected kind held over several runs (and of those scored on their
   * last run only, whose delay was never recorded): on which day of its window each caught trial first alarmed.
   */
  detectionDelay?: { name: string; windowRuns: number | null; caught: number; firstAlarmDays: { day: number; trials: number }[] }[];
}

/** Which trials a report reads: those recorded in the period and, with `task`, only those judged as that task. */
export interface TrialFilter {
  since: string | null;
  until: string;
  task?: string;
}

export type TrialReader = (store: Store, filter: TrialFilter) => Promise<TrialMeasurements | null>;

export const noTrials: TrialReader = async () => null;

/**
 * The trial ledger of this database, per kind; null when it holds no trial in the period (judged as
 * the task, when one is named). What the ledger's store refuses is said naming it: a report reads
 * its ledger from a staging target, and the caller's own failure text would name its database (--db).
 */
export const ledgerTrials: TrialReader = async (store, filter) => {
  const trials = await store.trials.list({ since: filter.since, until: filter.until, task: filter.task }).catch((error: unknown) => Promise.reject(environmentFailure(store, error)));
  if (trials.length === 0) return null;
  const summary = summariseTrials(trials);
  return {
    trials: summary.trials,
    anomaliesInjected: summary.injected,
    anomaliesDetected: summary.caught,
    cleanRuns: summary.controls,
    falsePositives: summary.falsePositives,
    notJudged: summary.notJudged,
    notJudgedCauses: summary.notJudgedCauses,
    controlsNotJudged: summary.byKind.filter((k) => k.level === 'control').reduce((sum, k) => sum + k.notJudged, 0),
    byMagnitude: summary.byMagnitude,
    mixedSettings: mixedSettingsNote(summary.judgedWith),
    scoredOnLastRunOnly: summary.scoredOnLastRunOnly,
    detectionDelay: summary.byKind
      .filter(hasDetectionDelay)
      .map((k) => ({ name: kindAsJudged(k), windowRuns: k.windowRuns, caught: k.caught, firstAlarmDays: k.firstAlarmDays })),
    rows: summary.byKind.map((k) => {
      const name = kindAsJudged(k);
      const notJudged = { notJudged: k.notJudged, notJudgedReasons: k.notJudgedReasons };
      return k.level === 'control'
        ? { name, injected: null, detected: null, cleanRuns: k.trials, falsePositives: k.caught, ...notJudged }
        : { name, injected: k.trials, detected: k.caught, cleanRuns: null, falsePositives: null, ...notJudged };
    }),
  };
};

export async function readTrials(store: Store, reader: TrialReader | undefined, filter: TrialFilter): Promise<TrialMeasurements | null> {
  return (reader ?? ledgerTrials)(store, filter);
}
