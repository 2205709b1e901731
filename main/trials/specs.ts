import { GatehouseError } from '../../shared/errors.js';
import type { RejectionCode } from '../../shared/record.js';
import type { CorruptionKind } from '../sources/index.js';
import { RUN_ANOMALY_KINDS, RUN_ANOMALY_MAGNITUDES, isRunAnomalyKind, type RunAnomalyKind } from '../validation/index.js';

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

/**
 * The largest factor (or record count, for zero-volume) a run-level trial takes: a hundredfold
 * spike or slowdown is already blatant, and each one is realised as real records on staging.
 */
export const MAX_RUN_MAGNITUDE = 100;

/**
 * The magnitudes a kind takes, and the one that would leave the run as it was (`none`): a spike
 * of 1, a drop of nothing, a shift of 0 injects no anomaly, and a trial of it would only ever be
 * scored as "missed", dragging the kind's detection rate down for nothing.
 */
interface MagnitudeRange {
  accepts: (magnitude: number) => boolean;
  text: string;
  none: number | null;
}

const aboveUpTo = (none: number, high: number): MagnitudeRange => ({ accepts: (m) => m > none && m <= high, text: `above ${none} and at most ${high}`, none });
const SHARE = aboveUpTo(0, 1);
const FACTOR_UP = aboveUpTo(1, MAX_RUN_MAGNITUDE);

const MAGNITUDE_RANGES: Record<RunAnomalyKind | RecordAnomalyKind, MagnitudeRange> = {
  spike: FACTOR_UP,
  drop: { accepts: (m) => m >= 0 && m < 1, text: 'at least 0 and below 1', none: 1 },
  'zero-volume': { accepts: (m) => m >= 0 && m <= MAX_RUN_MAGNITUDE, text: `at least 0 and at most ${MAX_RUN_MAGNITUDE}`, none: null },
  'weekend-burst': aboveUpTo(0, MAX_RUN_MAGNITUDE),
  'level-shift': { accepts: (m) => m >= 0 && m <= MAX_RUN_MAGNITUDE && m !== 1, text: `at least 0 and at most ${MAX_RUN_MAGNITUDE}, other than 1`, none: 1 },
  'mix-shift': SHARE,
  'stale-source': SHARE,
  'quarantine-surge': SHARE,
  'duration-blowup': FACTOR_UP,
  'bad-date': SHARE,
  'bad-enum': SHARE,
  'empty-title': SHARE,
  duplicates: SHARE,
  'unknown-committee': SHARE,
};

const RECORD_MEANING = "share of the run's new records corrupted";

function meaningOf(kind: RunAnomalyKind | RecordAnomalyKind): string {
  return isRunAnomalyKind(kind) ? RUN_ANOMALY_MAGNITUDES[kind].meaning : RECORD_MEANING;
}

/** What a kind's magnitude means and the values it takes, as the console lists the kinds. */
export function magnitudeMeaning(kind: RunAnomalyKind | RecordAnomalyKind): string {
  return `${meaningOf(kind)}; ${MAGNITUDE_RANGES[kind].text}`;
}

function magnitudeProblem(kind: RunAnomalyKind | RecordAnomalyKind, magnitude: number): string | null {
  const range = MAGNITUDE_RANGES[kind];
  if (range.accepts(magnitude)) return null;
  const nothing = magnitude === range.none ? `a ${kind} of ${magnitude} injects no anomaly; ` : '';
  return `${nothing}a ${kind} magnitude is ${range.text} (${meaningOf(kind)})`;
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
  const fallback = isRunAnomalyKind(kind) ? RUN_ANOMALY_MAGNITUDES[kind].default : DEFAULT_RECORD_FRACTION;
  const magnitude = magnitudeText === undefined ? fallback : Number(magnitudeText);
  if (!Number.isFinite(magnitude)) throw bad(`the magnitude must be a number: a ${kind} magnitude is ${MAGNITUDE_RANGES[kind].text}`);
  const problem = magnitudeProblem(kind, magnitude);
  if (problem) throw bad(problem);
  const label = `${kind}:${magnitude}`;
  return isRunAnomalyKind(kind) ? { level: 'run', kind, magnitude, label } : { level: 'record', kind, magnitude, label };
}
