import { GatehouseError } from '../../shared/errors.js';
import type { RejectionCode } from '../../shared/record.js';
import type { CorruptionKind } from '../sources/index.js';
import { RUN_ANOMALY_KINDS, RUN_ANOMALY_MAGNITUDES, isRunAnomalyKind, parseRunAnomalySpec, type RunAnomalyKind } from '../validation/index.js';

/**
 * What `--inject KIND[:MAGNITUDE]` may name. Run-level kinds change a run's volume, mix, day or
 * duration (the historical validator's job); record-level kinds corrupt records (the record and
 * batch rules' job). Magnitudes: see RUN_ANOMALY_MAGNITUDES; for record kinds, the share of the
 * run's new records corrupted.
 */
export const RECORD_ANOMALY_KINDS = {
  'bad-date': { corruption: 'bad-date', rejection: 'BAD_DATE' },
  'bad-enum': { corruption: 'bad-enum', rejection: null },
  'empty-title': { corruption: 'empty-title', rejection: 'EMPTY_TITLE' },
  duplicates: { corruption: 'duplicate-event-id', rejection: 'DUPLICATE_EVENT_ID' },
  'unknown-committee': { corruption: 'unknown-committee', rejection: 'UNKNOWN_COMMITTEE' },
} as const satisfies Record<string, { corruption: CorruptionKind; rejection: RejectionCode | null }>;
export type RecordAnomalyKind = keyof typeof RECORD_ANOMALY_KINDS;
export const DEFAULT_RECORD_FRACTION = 0.2;

export type TrialSpec =
  | { level: 'run'; kind: RunAnomalyKind; magnitude: number; label: string }
  | { level: 'record'; kind: RecordAnomalyKind; magnitude: number; label: string };

export const TRIAL_KINDS: readonly string[] = [...RUN_ANOMALY_KINDS, ...Object.keys(RECORD_ANOMALY_KINDS)];

/** Run-level kinds whose magnitude is a share of the run (or, for a drop, of its volume): 1 is all of it. */
const SHARE_KINDS: readonly RunAnomalyKind[] = ['drop', 'mix-shift', 'stale-source', 'quarantine-surge'];
/**
 * The largest factor (or record count, for zero-volume) a run-level trial takes: a hundredfold
 * spike or slowdown is already blatant, and each one is realised as real records on staging.
 */
export const MAX_RUN_MAGNITUDE = 100;

function runMagnitudeProblem(kind: RunAnomalyKind, magnitude: number): string | null {
  const meaning = RUN_ANOMALY_MAGNITUDES[kind].meaning;
  if (SHARE_KINDS.includes(kind)) return magnitude > 1 ? `a ${kind} magnitude is at most 1 (${meaning})` : null;
  return magnitude > MAX_RUN_MAGNITUDE ? `a ${kind} magnitude is at most ${MAX_RUN_MAGNITUDE} (${meaning})` : null;
}

function isRecordKind(kind: string): kind is RecordAnomalyKind {
  return Object.hasOwn(RECORD_ANOMALY_KINDS, kind);
}

/** `spike`, `drop:0.2`, `bad-date:0.1` → a spec; USAGE for an unknown kind or a magnitude it cannot take. */
export function parseTrialSpec(text: string): TrialSpec {
  const [kind = '', magnitudeText, ...rest] = text.trim().split(':');
  if (!isRunAnomalyKind(kind) && !isRecordKind(kind)) {
    throw new GatehouseError('USAGE', `unknown kind "${kind}" of anomaly; use one of ${TRIAL_KINDS.join(', ')}`);
  }
  const bad = (why: string) => new GatehouseError('USAGE', `injection ${text}: ${why}`);
  if (rest.length > 0 || magnitudeText === '') throw bad('write KIND or KIND:MAGNITUDE');
  if (isRunAnomalyKind(kind)) {
    const spec = parseRunAnomalySpec(text);
    if (!spec) throw bad('the magnitude must be a number ≥ 0');
    const magnitude = spec.magnitude ?? RUN_ANOMALY_MAGNITUDES[kind].default;
    const problem = runMagnitudeProblem(kind, magnitude);
    if (problem) throw bad(problem);
    return { level: 'run', kind, magnitude, label: `${kind}:${magnitude}` };
  }
  const magnitude = magnitudeText === undefined ? DEFAULT_RECORD_FRACTION : Number(magnitudeText);
  if (!Number.isFinite(magnitude) || magnitude <= 0 || magnitude > 1) throw bad('a record-level magnitude is the share of new records corrupted, above 0 and at most 1');
  return { level: 'record', kind, magnitude, label: `${kind}:${magnitude}` };
}
