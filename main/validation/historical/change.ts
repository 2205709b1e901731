import { logCountProbability } from './distributions.js';

/**
 * Sustained changes of a volume's level, both ways (issue 10 item 3).
 *
 * The test is Page's CUSUM on the negative-binomial log likelihood ratio of "the level moved by ρ"
 * against "the level is what the baseline says", run upwards and downwards at once. Why CUSUM:
 * - it is the optimal detector of a shift of a given size (Lorden; Moustakides) and its false
 *   alarm rate is bounded in closed form — a statistic S has run length at least e^S under no
 *   change (Wald/Siegmund), so `tailScore(exp(-S))` puts it on the same sigma scale as every
 *   other rule;
 * - with the negative-binomial likelihood it is count-aware: a 5-a-day stream's runs add evidence
 *   by their counts, a weekend run with nothing expected adds none;
 * - it is O(1) per run and names the change point (the run where S last left zero), which is
 *   where the baseline re-starts once the change is accepted.
 * Page–Hinkley is the same test on means without a count model; a Bayesian online change point
 * detector would give a posterior too, but at O(run length) per run and with a prior on the new
 * level that is hard to set for streams of 5 and of 5,000 records alike.
 *
 * One run's evidence is clipped, so a single spike or outage (the single-run rules' business)
 * never makes a shift on its own: it takes two runs leaning the same way at least.
 */
/**
 * The shifts each side is designed for (CUSUM is most powerful at the shift it assumes): a halving,
 * and a rise to two and a half times. The upward side once assumed a doubling; a stream whose
 * level wanders by a fifth or so for weeks then lent it evidence run after run, and false alarms
 * on busy days fell by a tenth (development harness) when it assumed ×2.5, with no rise lost.
 */
export const SHIFT_FACTORS = { down: 0.5, up: 2.5 } as const;
export const MAX_RUN_EVIDENCE = 3.5;

export type Direction = 'down' | 'up';

export interface ShiftSide {
  statistic: number;
  /** The first run of the current excursion, and the records seen and expected since. */
  since: string | null;
  sinceDay: number;
  observed: number;
  expected: number;
  /** Σ weekday rate over those runs: the exposure a re-baselined level is estimated on. */
  exposure: number;
  runs: number;
  /** The excursion began on a run in doubt (`ShiftRun.doubt`): its first run need not be where the drop began. */
  beganInDoubt: boolean;
}

export interface ShiftRun {
  value: number;
  mean: number;
  phi: number;
  rate: number;
  startedAt: string;
  dayNumber: number;
  /**
   * Another level the run may still be at (the quiet period a return may not have ended), with
   * its spread: the run's evidence for the shift is then the lesser of the shift against the
   * baseline and against it.
   */
  doubt?: { mean: number; phi: number };
}

/** log P(y | level × ratio) − log P(y | level), closed form (no gamma functions needed). */
export function shiftEvidence(value: number, mean: number, phi: number, ratio: number): number {
  const mu = Math.max(mean, 1e-9);
  if (phi <= 1e-9) return mu * (1 - ratio) + value * Math.log(ratio);
  const shape = 1 / phi;
  const fraction = (shape + mu) / (shape + ratio * mu);
  return shape * Math.log(fraction) + value * Math.log(ratio * fraction);
}

/** Evidence for the level having moved to `changed` rather than staying at `mean`. */
export function changeEvidence(value: number, mean: number, changed: number, phi: number): number {
  return logCountProbability(value, Math.max(changed, 1e-9), phi) - logCountProbability(value, Math.max(mean, 1e-9), phi);
}

/** Evidence for the level having moved by `ratio` rather than being at the `doubt` level. */
function doubtedEvidence(run: ShiftRun, doubt: { mean: number; phi: number }, ratio: number): number {
  return logCountProbability(run.value, Math.max(ratio * run.mean, 1e-9), run.phi) - logCountProbability(run.value, Math.max(doubt.mean, 1e-9), doubt.phi);
}

/** No excursion under way: one shared, frozen value (most runs leave both sides here). */
const NO_EXCURSION: ShiftSide = Object.freeze({ statistic: 0, since: null, sinceDay: 0, observed: 0, expected: 0, exposure: 0, runs: 0, beganInDoubt: false });
function emptySide(): ShiftSide {
  return NO_EXCURSION;
}

export class ShiftDetector {
  down = emptySide();
  up = emptySide();

  copy(): ShiftDetector {
    const twin = new ShiftDetector();
    twin.down = { ...this.down };
    twin.up = { ...this.up };
    return twin;
  }

  reset(): void {
    this.down = emptySide();
    this.up = emptySide();
  }

  /** Both sides as they would stand after this run (the upward one held still unless `upToo`); the detector itself is left alone. */
  peek(run: ShiftRun, upToo = true): Record<Direction, ShiftSide> {
    return { down: this.advanced(this.down, run, SHIFT_FACTORS.down), up: upToo ? this.advanced(this.up, run, SHIFT_FACTORS.up) : this.up };
  }

  commit(next: Record<Direction, ShiftSide>): void {
    this.down = next.down;
    this.up = next.up;
  }

  private advanced(side: ShiftSide, run: ShiftRun, ratio: number): ShiftSide {
    const evidence = Math.min(MAX_RUN_EVIDENCE, shiftEvidence(run.value, run.mean, run.phi, ratio), run.doubt ? doubtedEvidence(run, run.doubt, ratio) : Number.POSITIVE_INFINITY);
    const statistic = side.statistic + evidence;
    if (statistic <= 0) return emptySide();
    const fresh = side.statistic <= 0;
    return {
      statistic,
      since: fresh ? run.startedAt : side.since,
      sinceDay: fresh ? run.dayNumber : side.sinceDay,
      observed: (fresh ? 0 : side.observed) + run.value,
      expected: (fresh ? 0 : side.expected) + run.mean,
      exposure: (fresh ? 0 : side.exposure) + run.rate,
      runs: (fresh ? 0 : side.runs) + 1,
      beganInDoubt: fresh ? run.doubt !== undefined : side.beganInDoubt,
    };
  }
}
