import { GatehouseError } from '../../shared/errors.js';
import type { RejectionCode } from '../../shared/record.js';
import {
  corruptHearing,
  corruptionRandom,
  isCorruptionKind,
  planCorruptions,
  type CorruptionKind,
  type CorruptionRequest,
  type PlannedCorruption,
} from './corruption.js';
import { randomFor } from './random.js';
import { planRevisions, reviseHearing, type RevisedField } from './revision.js';
import { buildHearing, eventIdFor, type CommitteeMeetingRecord } from './synthetic-hearing.js';
import { DEFAULT_START, meetingSlots } from './synthetic-schedule.js';
import type { RecordSource, SourceItem } from './types.js';

export interface SyntheticOptions {
  seed: number;
  /** Records in the source. */
  count: number;
  /** First calendar day of the schedule, YYYY-MM-DD (Washington time). */
  start: string;
  invalid: CorruptionRequest[];
  /** 0 is the base; revision R changes exactly `changed` records of the base. */
  revision: number;
  changed: number;
  /** Record numbering starts here: offset=100,count=20 continues where count=100 stopped. */
  offset: number;
}

export const DEFAULT_SYNTHETIC_OPTIONS: Readonly<SyntheticOptions> = Object.freeze({
  seed: 1,
  count: 100,
  start: DEFAULT_START,
  invalid: [],
  revision: 0,
  changed: 0,
  offset: 0,
});

/** One generated record with the truth about it, so trials can score what the validators caught. */
export interface SyntheticHearing {
  position: number;
  record: CommitteeMeetingRecord;
  corruption?: { kind: CorruptionKind; expectedRejection: RejectionCode };
  revisedField?: RevisedField;
}

const RECORD_SALT = 0x4ea1;
const REVISION_RECORD_SALT = 0x4e71;
const MAX_COUNT = 100_000_000;

/** Fills in defaults and refuses values that would make a meaningless source (GatehouseError USAGE). */
export function resolveSyntheticOptions(input: Partial<SyntheticOptions> = {}): SyntheticOptions {
  const options: SyntheticOptions = { ...DEFAULT_SYNTHETIC_OPTIONS, ...input, invalid: [...(input.invalid ?? [])] };
  requireWholeNumber('seed', options.seed, Number.MAX_SAFE_INTEGER);
  requireWholeNumber('count', options.count, MAX_COUNT);
  requireWholeNumber('offset', options.offset, MAX_COUNT);
  requireWholeNumber('revision', options.revision, Number.MAX_SAFE_INTEGER);
  requireWholeNumber('changed', options.changed, options.count);
  if (options.changed > 0 && options.revision === 0) {
    throw new GatehouseError('USAGE', 'synthetic: changed=K needs revision=R with R ≥ 1 (revision 0 is the base)');
  }
  requireCalendarDate(options.start);
  for (const request of options.invalid) requireCorruptionRequest(request);
  // Planning refuses impossible mixes (more corrupt records than records) before any record is read.
  planCorruptions(options.seed, options.offset, options.count, options.invalid);
  return options;
}

function requireWholeNumber(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new GatehouseError('USAGE', `synthetic: ${name} must be a whole number from 0 to ${max}, got ${String(value)}`);
  }
}

function requireCalendarDate(start: string): void {
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(start) && new Date(`${start}T00:00:00Z`).toISOString().startsWith(start);
  if (!valid) throw new GatehouseError('USAGE', `synthetic: start must be a calendar date YYYY-MM-DD, got "${start}"`);
}

function requireCorruptionRequest(request: CorruptionRequest): void {
  if (!isCorruptionKind(request.kind)) {
    throw new GatehouseError('USAGE', `synthetic: unknown invalid kind "${String(request.kind)}"`);
  }
  if (!(request.fraction >= 0 && request.fraction <= 1)) {
    throw new GatehouseError('USAGE', `synthetic: invalid=${request.kind} fraction must be between 0 and 1, got ${String(request.fraction)}`);
  }
}

/** Streams the records from position `from` on; earlier positions cost only a schedule step each. */
export function* syntheticHearings(input: Partial<SyntheticOptions> = {}, from = 0): Generator<SyntheticHearing> {
  const options = resolveSyntheticOptions(input);
  const corruptions = planCorruptions(options.seed, options.offset, options.count, options.invalid);
  const revisions = planRevisions(options.seed, options.offset, options.count, options.revision, options.changed);
  const slots = meetingSlots(options.seed, options.start);
  const first = Math.max(0, from);
  for (let skipped = 0; skipped < options.offset + first; skipped++) slots.next();
  for (let position = first; position < options.count; position++) {
    const slot = slots.next().value as Date;
    yield buildSyntheticHearing(options, position, slot, corruptions.get(position), revisions.get(position));
  }
}

function buildSyntheticHearing(
  options: SyntheticOptions,
  position: number,
  slot: Date,
  corruption: PlannedCorruption | undefined,
  revisedField: RevisedField | undefined,
): SyntheticHearing {
  const recordNumber = options.offset + position;
  const record = buildHearing(randomFor(options.seed, recordNumber, RECORD_SALT), recordNumber, slot);
  const hearing: SyntheticHearing = { position, record };
  if (revisedField !== undefined) {
    reviseHearing(record, revisedField, randomFor(options.seed, recordNumber, options.revision, REVISION_RECORD_SALT));
    hearing.revisedField = revisedField;
  }
  if (corruption !== undefined) {
    const duplicateEventId = corruption.duplicateOf === undefined ? undefined : eventIdFor(options.offset + corruption.duplicateOf);
    const expectedRejection = corruptHearing(record, corruption.kind, corruptionRandom(options.seed, recordNumber), duplicateEventId);
    hearing.corruption = { kind: corruption.kind, expectedRejection };
  }
  return hearing;
}

/** The records alone, as an array: for tests and benchmarks that need no spec string. */
export function generateHearings(input: Partial<SyntheticOptions> = {}): CommitteeMeetingRecord[] {
  return Array.from(syntheticHearings(input), (hearing) => hearing.record);
}

export function createSyntheticSource(options: SyntheticOptions, description: string): RecordSource {
  return {
    description,
    expectedCount: options.count,
    async *items({ skip = 0, signal } = {}): AsyncIterable<SourceItem> {
      for (const { position, record } of syntheticHearings(options, skip)) {
        // An abort ends the stream quietly; the caller owns the signal and records the interruption.
        if (signal?.aborted) return;
        yield { position, raw: record };
      }
    },
  };
}

/** The spec string for `options`, leaving out defaults: `synthetic:seed=7,count=500,invalid=bad-date:0.02`. */
export function formatSyntheticSpec(input: Partial<SyntheticOptions> = {}): string {
  const options = resolveSyntheticOptions(input);
  const parts = [`seed=${options.seed}`, `count=${options.count}`];
  if (options.start !== DEFAULT_SYNTHETIC_OPTIONS.start) parts.push(`start=${options.start}`);
  for (const { kind, fraction } of options.invalid) parts.push(`invalid=${kind}:${fraction}`);
  if (options.revision !== 0) parts.push(`revision=${options.revision}`, `changed=${options.changed}`);
  if (options.offset !== 0) parts.push(`offset=${options.offset}`);
  return `synthetic:${parts.join(',')}`;
}
