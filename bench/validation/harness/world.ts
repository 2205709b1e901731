import { uniform, type Rng } from './rng.js';

/**
 * What a world hands the harness, and what the harness decides for every world alike: the
 * anomaly kinds and the factor of a lasting shift. A world (the audit's, development's) brings
 * only its streams, its injections and its way of scaling a run.
 */

export interface HarnessRun {
  startedAt: string;
  metrics: { fetched: number; added: number; updated: number; unchanged: number; quarantined: number; durationMs: number };
}

export type DayState = 'normal' | 'quiet';

export interface HarnessDay {
  run: HarnessRun;
  weekday: number;
  state: DayState;
  /** The expected fetched count of this day in the world (its noise-free mean). */
  expected: number;
  /**
   * The day's count mean with the world's own daily wander in it, which no detector can know (the audit
   * world's latent activity): only the ceiling's exact oracle reads it. Absent where a world has none.
   */
  exactMean?: number;
  /** The expected count of the stream's busiest weekday at this time, normal state. */
  busyExpected: number;
  busyWeekday: boolean;
  /** 1-based day of the quiet period, 0 outside one. */
  quietDay: number;
  /** 1-based busy day after a quiet period ended (1, 2), 0 otherwise. */
  backDay: number;
  /** Days since a lasting level change (0: none in the last week). */
  sinceChange: number;
  /** Within two days of a quiet period's start or end. */
  boundary: boolean;
  /** A one-day holiday: a legitimate one-day drop nothing could foresee (reported on its own). */
  holiday: boolean;
  /** The history carries a broken run here (never judged as clean). */
  broken: boolean;
  episode: number | null;
  change: number | null;
}

export interface HarnessStream {
  id: string;
  days: HarnessDay[];
  episodes: number;
}

export interface StreamOptions {
  seed: number;
  index: number;
  days: number;
}

export interface HarnessWorld {
  generate(options: StreamOptions): HarnessStream;
  inject(rng: Rng, kind: Exclude<HarnessKind, 'shift-down' | 'shift-up'>, run: HarnessRun, busy: HarnessRun): HarnessRun;
  scale(metrics: HarnessRun['metrics'], factor: number): HarnessRun['metrics'];
}

export const HARNESS_KINDS = ['spike', 'drop', 'zero', 'burst', 'shift-down', 'shift-up', 'all-new', 'stale', 'quarantine', 'slow'] as const;
export type HarnessKind = (typeof HARNESS_KINDS)[number];

export function shiftFactor(rng: Rng, kind: 'shift-down' | 'shift-up'): number {
  return kind === 'shift-down' ? uniform(rng, 0.3, 0.5) : uniform(rng, 2, 3);
}
