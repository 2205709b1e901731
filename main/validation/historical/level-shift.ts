import type { Anomaly } from '../../../shared/validation.js';
import { negativeBinomial, tailForScore, tailScore } from './distributions.js';
import { metricOf, type RunPoint } from './points.js';
import { seasonalExpectation, type VolumeModel } from './volume.js';
import { countPhrase, formatRange, round } from './wording.js';

/**
 * A sustained shift: the current run and the runs just before it all sit on the same side of
 * their expectations. Summed, five mildly low days are as telling as one very low day, which is
 * what lets a halved source be caught on a 5-records-a-day task. The level model itself adapts
 * within weeks, so a real, lasting change alerts for a few runs, not forever.
 */
export const LEVEL_SHIFT_RUNS = 5;
/** The runs must be consecutive daily runs, or they say nothing about "lately". */
const MAX_GAP_DAYS = 3;

export function levelShiftAnomaly(model: VolumeModel, recent: readonly RunPoint[], current: RunPoint, alarmScore: number): Anomaly | null {
  const runs = [...recent.slice(-(LEVEL_SHIFT_RUNS - 1)), current];
  if (runs.length < LEVEL_SHIFT_RUNS || !areConsecutive(runs)) return null;
  // Near a recess boundary either season is plausible, so a "shift" there is just the calendar.
  if (runs.some((p) => p.info.nearBoundary)) return null;
  const expectations = runs.map((p) => seasonalExpectation(model, p.info));
  const expected = expectations.reduce((sum, e) => sum + e.central, 0);
  const observed = runs.reduce((sum, p) => sum + metricOf(p, model.metric), 0);
  if (!(expected > 0)) return null;
  const spread = expectations.reduce((sum, e) => sum + e.phi * e.central * e.central, 0);
  const total = negativeBinomial(expected, spread / (expected * expected));
  const down = observed < expected;
  if (!sameDirection(runs, expectations.map((e) => e.central), model.metric, down)) return null;
  const score = tailScore(down ? total.lowerTail(observed) : total.upperTail(observed));
  if (score < alarmScore) return null;
  const alpha = tailForScore(alarmScore);
  const low = total.lowestNormal(alpha);
  const high = total.highestNormal(alpha);
  return {
    metric: model.metric, rule: 'level-shift', value: observed, expected: round(expected, 1), low, high, score: round(score, 2),
    message: `${countPhrase(model.metric, observed)} over the last ${LEVEL_SHIFT_RUNS} runs; those days usually bring ${formatRange(low, high)} together — a sustained ${down ? 'drop' : 'rise'}: confirm the source changed, or mark it expected.`,
  };
}

function areConsecutive(runs: readonly RunPoint[]): boolean {
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i]!.info.dayNumber - runs[i - 1]!.info.dayNumber;
    if (gap < 0 || gap > MAX_GAP_DAYS) return false;
  }
  return true;
}

/** Every run that could show a direction (expected ≥ 1) shows the same one. */
function sameDirection(runs: readonly RunPoint[], expected: readonly number[], metric: string, down: boolean): boolean {
  return runs.every((p, i) => {
    const mean = expected[i]!;
    if (mean < 1) return true;
    const value = metricOf(p, metric);
    return down ? value < mean : value > mean;
  });
}
