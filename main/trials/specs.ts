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

/**
 * A magnitude as `--inject KIND:MAGNITUDE` writes it: a plain decimal (`5`, `0.2`, `1.5`). Number()
 * alone also took `0x10`, `1e1`, ` 10` and `+10`, so a typo ran a trial of some other size than
 * the one meant, under a label that did not say so.
 */
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** `spike`, `drop:0.2`, `bad-date:0.1` → a spec; USAGE naming the bad part otherwise. */
export function parseTrialSpec(text: string): TrialSpec {
  const [kind = '', magnitudeText, ...rest] = text.trim().split(':');
  if (!isTrialKind(kind)) return trialSpecOf(kind);
  const bad = (why: string) => new GatehouseError('USAGE', `injection ${text}: ${why}`);
  if (rest.length > 0) throw bad('write KIND or KIND:MAGNITUDE (one colon)');
  if (magnitudeText === undefined) return trialSpecOf(kind);
  if (!DECIMAL.test(magnitudeText)) {
    throw bad(`the magnitude must be a plain decimal number (2 or 0.5: no sign, exponent, hex or spaces), got ${JSON.stringify(magnitudeText)}; a ${kind} magnitude is ${MAGNITUDE_RANGES[kind].text}`);
  }
  return trialSpecOf(kind, Number(magnitudeText), text);
}

function isTrialKind(kind: string): kind is RunAnomalyKind | RecordAnomalyKind {
  return isRunAnomalyKind(kind) || isRecordKind(kind);
}

/**
 * A kind and magnitude (absent: the kind's default) → a spec; USAGE for an unknown kind or a
 * magnitude it cannot take. The console's injections (trials.run, already numbers) come here
 * directly, the CLI's through parseTrialSpec: both are refused alike.
 */
export function trialSpecOf(kind: string, magnitude?: number, written = magnitude === undefined ? kind : `${kind}:${magnitude}`): TrialSpec {
  if (!isTrialKind(kind)) throw new GatehouseError('USAGE', `unknown kind "${kind}" of anomaly; use one of ${TRIAL_KINDS.join(', ')}`);
  const bad = (why: string) => new GatehouseError('USAGE', `injection ${written}: ${why}`);
  const value = magnitude ?? (isRunAnomalyKind(kind) ? RUN_ANOMALY_MAGNITUDES[kind].default : DEFAULT_RECORD_FRACTION);
  if (!Number.isFinite(value)) throw bad(`the magnitude must be a number: a ${kind} magnitude is ${MAGNITUDE_RANGES[kind].text}`);
  const problem = magnitudeProblem(kind, value);
  if (problem) throw bad(problem);
  const label = `${kind}:${value}`;
  return isRunAnomalyKind(kind) ? { level: 'run', kind, magnitude: value, label } : { level: 'record', kind, magnitude: value, label };
}
