import type { RejectionCode } from '../../shared/record.js';
import type { RunAnomalyKind } from '../validation/index.js';
import { RECORD_ANOMALY_KINDS, type RecordAnomalyKind } from './specs.js';

/**
 * Which alarms can honestly be said to have caught which injected kind (issue 11): a validator
 * rule (`validator:RULE`) that reads the metric the injection changes, or the record rule
 * (`record-rules:CODE`) that rejects the corruption injected. Any other alarm on the injected run —
 * a stale-source alarm on a spike — fired for some other reason and is not a catch.
 */
const VOLUME_UP = ['validator:above-seasonal-range', 'validator:quiet-day-burst'];
const VOLUME_DOWN = ['validator:below-seasonal-range', 'validator:near-zero-volume'];

const RUN_KIND_ALARMS: Record<RunAnomalyKind, readonly string[]> = {
  spike: VOLUME_UP,
  drop: VOLUME_DOWN,
  'zero-volume': VOLUME_DOWN,
  'weekend-burst': VOLUME_UP,
  // A sustained shift up or down: the shift rule, or the single-run bands on its last run.
  'level-shift': ['validator:level-shift', ...VOLUME_DOWN, ...VOLUME_UP],
  'mix-shift': ['validator:all-new', 'validator:mix-shift'],
  'stale-source': ['validator:stale-source'],
  'quarantine-surge': ['validator:quarantine-surge'],
  'duration-blowup': ['validator:slow-run'],
};

const BAD_ENUM_CODES: readonly RejectionCode[] = ['BAD_CHAMBER', 'BAD_TYPE', 'BAD_STATUS'];

/** The rejection codes a record-level kind's corruption is rejected with. */
export function rejectionCodesFor(kind: RecordAnomalyKind): readonly RejectionCode[] {
  const code = RECORD_ANOMALY_KINDS[kind].rejection;
  return code === null ? BAD_ENUM_CODES : [code];
}

export const recordRuleAlarm = (code: RejectionCode): string => `record-rules:${code}`;

function recordKindAlarms(kind: RecordAnomalyKind): string[] {
  return [...rejectionCodesFor(kind).map(recordRuleAlarm), 'validator:quarantine-surge'];
}

/** Every rejection code some record-level kind injects: on a control, a rejection with one of these is an alarm. */
export const INJECTED_REJECTION_CODES: readonly RejectionCode[] = [...new Set((Object.keys(RECORD_ANOMALY_KINDS) as RecordAnomalyKind[]).flatMap(rejectionCodesFor))];

/** The alarms attributable to `kind`; none for a control or a kind this build does not know. */
export function alarmsFor(kind: string): readonly string[] {
  if (Object.hasOwn(RUN_KIND_ALARMS, kind)) return RUN_KIND_ALARMS[kind as RunAnomalyKind];
  if (Object.hasOwn(RECORD_ANOMALY_KINDS, kind)) return recordKindAlarms(kind as RecordAnomalyKind);
  return [];
}

export function attributableAlarms(kind: string, alarms: readonly string[]): string[] {
  const wanted = alarmsFor(kind);
  return alarms.filter((alarm) => wanted.includes(alarm));
}

export interface Attribution {
  /** Alarms that count as the catch: attributable to the kind, and silent on the paired control. */
  caughtBy: string[];
  /** Alarms on the injected run that belong to another kind. */
  unrelated: string[];
  /** Attributable alarms that fired on the paired control too, so the injection did not cause them. */
  alsoOnControl: string[];
}

/** `controlAlarms` null: the session ran no control, so nothing can be subtracted. */
export function attributeCatch(kind: string, injectedAlarms: readonly string[], controlAlarms: readonly string[] | null): Attribution {
  const attributable = attributableAlarms(kind, injectedAlarms);
  const onControl = new Set(controlAlarms ?? []);
  return {
    caughtBy: attributable.filter((alarm) => !onControl.has(alarm)),
    unrelated: injectedAlarms.filter((alarm) => !attributable.includes(alarm)),
    alsoOnControl: attributable.filter((alarm) => onControl.has(alarm)),
  };
}

/** What a trial's runs alarmed on together, and the first of them (1-based) that counts. */
export interface WindowAlarms {
  alarms: string[];
  firstAlertRun: number | null;
}

/**
 * The one rule for a trial held over several runs (a level shift; its paired controls), and the
 * same for a single run: the validator alerts on a sustained change once and then takes it as the
 * new level (issue 10), so scoring only the window's last run counted every shift it caught as a
 * miss. The window counts when any of its runs does — a control is flagged when any run of its is.
 */
export function alarmsOverWindow(perRun: readonly (readonly string[])[], counts: (alarms: readonly string[]) => boolean): WindowAlarms {
  const first = perRun.findIndex(counts);
  return { alarms: [...new Set(perRun.flat())], firstAlertRun: first === -1 ? null : first + 1 };
}
