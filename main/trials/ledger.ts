import type { TrialLevel, TrialRecord } from '../store/index.js';

export interface KindTally {
  kind: string;
  level: TrialLevel;
  trials: number;
  caught: number;
  /** caught / trials (for controls: the false-positive rate). */
  rate: number | null;
}

/** Detection rate = caught injected / injected; false-positive rate = flagged controls / controls. */
export interface LedgerSummary {
  trials: number;
  injected: number;
  caught: number;
  detectionRate: number | null;
  controls: number;
  falsePositives: number;
  falsePositiveRate: number | null;
  byKind: KindTally[];
}

const rate = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export function summariseTrials(trials: readonly Pick<TrialRecord, 'kind' | 'level' | 'caught'>[]): LedgerSummary {
  const byKind = new Map<string, KindTally>();
  for (const trial of trials) {
    const tally = byKind.get(trial.kind) ?? { kind: trial.kind, level: trial.level, trials: 0, caught: 0, rate: null };
    tally.trials += 1;
    if (trial.caught) tally.caught += 1;
    tally.rate = rate(tally.caught, tally.trials);
    byKind.set(trial.kind, tally);
  }
  const injected = trials.filter((t) => t.level !== 'control');
  const controls = trials.filter((t) => t.level === 'control');
  const caught = injected.filter((t) => t.caught).length;
  const falsePositives = controls.filter((t) => t.caught).length;
  return {
    trials: trials.length,
    injected: injected.length,
    caught,
    detectionRate: rate(caught, injected.length),
    controls: controls.length,
    falsePositives,
    falsePositiveRate: rate(falsePositives, controls.length),
    byKind: [...byKind.values()],
  };
}
