import { GatehouseError } from '../../shared/errors.js';
import type { RunAnomalyKind } from '../validation/index.js';
import { parseTrialSpec, trialSpecOf, type RecordAnomalyKind, type TrialSpec } from './specs.js';

/**
 * The magnitudes a sweep tries per kind, from barely there to blatant, so the report can draw
 * detection against magnitude: where a kind starts being caught is the number an analyst wants.
 */
const RECORD_SHARES = [0.02, 0.05, 0.1, 0.2];
export const SWEEP_MAGNITUDES: Record<RunAnomalyKind | RecordAnomalyKind, readonly number[]> = {
  spike: [1.2, 1.4, 2, 3, 4],
  drop: [0.9, 0.7, 0.5, 0.3, 0.1],
  'zero-volume': [3, 1, 0],
  'weekend-burst': [0.25, 0.5, 1, 2],
  'level-shift': [0.8, 0.6, 0.4, 0.2],
  'mix-shift': [0.25, 0.5, 0.75, 1],
  'stale-source': [0.25, 0.5, 0.75, 1],
  'quarantine-surge': [0.02, 0.05, 0.1, 0.25],
  'duration-blowup': [1.2, 1.5, 2, 3, 5],
  'bad-date': RECORD_SHARES,
  'bad-enum': RECORD_SHARES,
  'empty-title': RECORD_SHARES,
  duplicates: RECORD_SHARES,
  'unknown-committee': RECORD_SHARES,
};

export const MAX_SWEEP_REPEAT = 10;

/** Each kind of `kinds` at every sweep magnitude, `repeat` times over, smallest magnitude first. */
export function sweepSpecs(kinds: readonly string[], repeat = 1): TrialSpec[] {
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_SWEEP_REPEAT) throw new GatehouseError('USAGE', `a sweep repeats each magnitude 1 to ${MAX_SWEEP_REPEAT} times, got ${repeat}`);
  if (kinds.length === 0) throw new GatehouseError('USAGE', 'a sweep needs at least one anomaly kind');
  const specs: TrialSpec[] = [];
  for (const kind of new Set(kinds.map((k) => parseTrialSpec(k).kind))) {
    const magnitudes = SWEEP_MAGNITUDES[kind];
    for (let round = 0; round < repeat; round++) for (const magnitude of magnitudes) specs.push(trialSpecOf(kind, magnitude));
  }
  return specs;
}
