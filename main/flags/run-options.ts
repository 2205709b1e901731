import type { RunMode, RunStatus } from '../../shared/run.js';
import type { ValidationResult } from '../../shared/validation.js';
import { booleanFlag, integerFlag } from './evaluate.js';
import type { FlagValues } from './definitions.js';

export interface ExplicitRunOptions {
  mode?: RunMode;
  batchSize?: number;
}

export interface FlaggedRunOptions {
  mode: RunMode;
  batchSize: number;
  isolate: boolean;
  /** ADAPTIVE_BATCHES on: the ceiling batches grow to; off: null (fixed batches). */
  batchCeiling: number | null;
  /** BLOCK_ON_ANOMALY: hold an anomalous run instead of letting it stand. */
  holdAnomalous: boolean;
}

/** What a run does given its flags; options the operator typed win over the flags. */
export function runOptionsFromFlags(flags: Partial<FlagValues>, explicit: ExplicitRunOptions = {}): FlaggedRunOptions {
  return {
    mode: explicit.mode ?? (booleanFlag(flags, 'ENABLE_BATCH_PROCESSING') ? 'batch' : 'all-or-nothing'),
    batchSize: explicit.batchSize ?? integerFlag(flags, 'BATCH_SIZE'),
    isolate: booleanFlag(flags, 'ENABLE_RECORD_ISOLATION'),
    batchCeiling: booleanFlag(flags, 'ADAPTIVE_BATCHES') ? integerFlag(flags, 'ADAPTIVE_BATCH_CEILING') : null,
    holdAnomalous: booleanFlag(flags, 'BLOCK_ON_ANOMALY'),
  };
}

/** BLOCK_ON_ANOMALY holds a run the validator calls anomalous; otherwise the status stands. */
export function anomalyHold(chosen: FlaggedRunOptions): ((status: RunStatus, validation: ValidationResult | null) => RunStatus) | undefined {
  if (!chosen.holdAnomalous) return undefined;
  return (status, validation) => (validation?.verdict === 'anomalous' && (status === 'success' || status === 'partial') ? 'held' : status);
}
