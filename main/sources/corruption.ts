import { GatehouseError } from '../../shared/errors.js';
import { MAX_TITLE_LENGTH, type RejectionCode } from '../../shared/record.js';
import { pick, randomFor, sampleIndexes, type Random } from './random.js';
import type { CommitteeMeetingRecord } from './synthetic-hearing.js';

/** The anomalies an analyst can inject into a synthetic run (`invalid=KIND:FRACTION`). */
export const CORRUPTION_KINDS = [
  'bad-date',
  'bad-enum',
  'empty-title',
  'missing-event-id',
  'duplicate-event-id',
  'unknown-committee',
  'oversize-field',
  'nul-character',
] as const;
export type CorruptionKind = (typeof CORRUPTION_KINDS)[number];

export interface CorruptionRequest {
  kind: CorruptionKind;
  /** Share of the records to corrupt, 0..1; round(fraction × count) records get this kind. */
  fraction: number;
}

export interface PlannedCorruption {
  kind: CorruptionKind;
  /** For duplicate-event-id: the earlier, intact position whose eventId is reused. */
  duplicateOf?: number;
}

const CORRUPTION_SALT = 0xbad;

export function isCorruptionKind(value: string): value is CorruptionKind {
  return (CORRUPTION_KINDS as readonly string[]).includes(value);
}

export function corruptionCount(fraction: number, count: number): number {
  return Math.round(fraction * count);
}

/**
 * Chooses which positions get which corruption: disjoint (one thing wrong per record, so the
 * expected rejection reason is exact) and drawn from a seeded shuffle, so they spread over the input.
 */
export function planCorruptions(
  seed: number,
  offset: number,
  count: number,
  requests: readonly CorruptionRequest[],
): Map<number, PlannedCorruption> {
  const wanted = CORRUPTION_KINDS.map((kind) => ({
    kind,
    n: requests.filter((request) => request.kind === kind).reduce((sum, r) => sum + corruptionCount(r.fraction, count), 0),
  })).filter(({ n }) => n > 0);
  const total = wanted.reduce((sum, { n }) => sum + n, 0);
  if (total > count) {
    throw new GatehouseError('USAGE', `invalid= asks for ${total} corrupt records but count is only ${count}`);
  }
  // One extra draw lets position 0 drop out: a duplicate needs an earlier record to copy from.
  const draw = sampleIndexes(randomFor(seed, offset, CORRUPTION_SALT), count, Math.min(count, total + 1));
  const picked = [...draw.filter((position) => position !== 0), ...(draw.includes(0) ? [0] : [])].slice(0, total);
  const plan = new Map<number, PlannedCorruption>();
  const duplicates = wanted.find(({ kind }) => kind === 'duplicate-event-id')?.n ?? 0;
  const duplicatePositions = picked.filter((position) => position > 0).slice(0, duplicates);
  if (duplicatePositions.length < duplicates) {
    throw new GatehouseError('USAGE', 'invalid=duplicate-event-id needs at least 2 records');
  }
  for (const position of duplicatePositions) plan.set(position, { kind: 'duplicate-event-id' });
  const rest = picked.filter((position) => !plan.has(position));
  for (const { kind, n } of wanted.filter(({ kind }) => kind !== 'duplicate-event-id')) {
    for (const position of rest.splice(0, n)) plan.set(position, { kind });
  }
  for (const position of duplicatePositions) plan.set(position, { kind: 'duplicate-event-id', duplicateOf: duplicateSource(plan, position) });
  return plan;
}

/** The nearest earlier record left intact; failing that, the nearest one that still has its own eventId. */
function duplicateSource(plan: Map<number, PlannedCorruption>, position: number): number {
  for (let earlier = position - 1; earlier >= 0; earlier--) if (!plan.has(earlier)) return earlier;
  for (let earlier = position - 1; earlier >= 0; earlier--) {
    const kind = plan.get(earlier)?.kind;
    if (kind !== 'missing-event-id' && kind !== 'duplicate-event-id') return earlier;
  }
  throw new GatehouseError('USAGE', 'invalid=duplicate-event-id needs earlier records with their own eventId');
}

export function corruptionRandom(seed: number, recordNumber: number): Random {
  return randomFor(seed, recordNumber, CORRUPTION_SALT);
}

/**
 * Breaks exactly one thing in `record` and returns the rejection code a record rule should give it.
 * `duplicateEventId` is the eventId of the planned duplicate source.
 */
export function corruptHearing(
  record: CommitteeMeetingRecord,
  kind: CorruptionKind,
  random: Random,
  duplicateEventId: string | undefined,
): RejectionCode {
  switch (kind) {
    case 'bad-date':
      record.date = pick(random, ['2025-13-45T10:00:00Z', 'next tuesday', 'TBD', '2025-00-10T15:00:00Z']);
      return 'BAD_DATE';
    case 'bad-enum':
      return breakEnum(record, random);
    case 'empty-title':
      record.title = '   ';
      return 'EMPTY_TITLE';
    case 'missing-event-id':
      delete record.eventId;
      return 'MISSING_EVENT_ID';
    case 'duplicate-event-id':
      if (duplicateEventId !== undefined) record.eventId = duplicateEventId;
      return 'DUPLICATE_EVENT_ID';
    case 'unknown-committee':
      record.committees = [{ systemCode: unknownCommitteeCode(record.chamber, random) }];
      return 'UNKNOWN_COMMITTEE';
    case 'oversize-field':
      record.title = oversizeTitle(record.title);
      return 'OVERSIZE_FIELD';
    case 'nul-character': {
      const cut = Math.max(1, Math.floor(record.title.length / 2));
      record.title = `${record.title.slice(0, cut)}\u0000${record.title.slice(cut)}`;
      return 'NUL_CHARACTER';
    }
  }
}

function breakEnum(record: CommitteeMeetingRecord, random: Random): RejectionCode {
  // Misspellings no lenient normalizer would map back (never "Cancelled" or a case change).
  const field = pick(random, ['chamber', 'type', 'meetingStatus'] as const);
  if (field === 'chamber') {
    record.chamber = pick(random, ['Senat', 'Hous', 'Both']);
    return 'BAD_CHAMBER';
  }
  if (field === 'type') {
    record.type = pick(random, ['Hearingz', 'Hearng', 'Briefing']);
    return 'BAD_TYPE';
  }
  record.meetingStatus = pick(random, ['Done', 'Adjourned', 'Pending']);
  return 'BAD_STATUS';
}

/** Well-formed (matches COMMITTEE_CODE_PATTERN) but outside the roster: "zz" is never a real committee. */
function unknownCommitteeCode(chamber: string, random: Random): string {
  const prefix = chamber === 'Senate' ? 'ss' : chamber === 'NoChamber' ? 'js' : 'hs';
  return `${prefix}zz${String(Math.floor(random() * 100)).padStart(2, '0')}`;
}

function oversizeTitle(title: string): string {
  let oversize = title;
  for (let part = 2; oversize.length <= MAX_TITLE_LENGTH; part++) oversize += `; ${title}, Part ${part}`;
  return oversize;
}
