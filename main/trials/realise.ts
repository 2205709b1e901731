import type { NormalizedHearing } from '../../shared/record.js';
import type { RunMetrics } from '../../shared/run.js';
import { syntheticHearings, type CorruptionKind, type CorruptionRequest, type RecordSource, type SourceItem } from '../sources/index.js';

/**
 * Turns the metrics a trial wants into real source input, so the run goes through the whole
 * engine (record rules, batches, the validator) like any other: new records come from the seeded
 * synthetic generator, unchanged ones are a replay of stored hearings, updated ones are stored
 * hearings with a revised title, quarantined ones are synthetic records with a corruption.
 */
export interface TrialComposition {
  added: number;
  updated: number;
  unchanged: number;
  /** Background quarantine (oversize fields), as the history has it. */
  quarantined: number;
  /** The injected record-level corruption, on top of the background. */
  corruption?: { kind: CorruptionKind; count: number };
  /** Extra simulated time per record: a slow source. */
  extraMsPerRecord: number;
}

/**
 * The trial's clock: a run's duration is what its records cost at the history's pace plus any
 * injected slowness, so durations compare with the stored ones on any machine and no test sleeps.
 */
export class TrialClock {
  private consumed = 0;
  private delayMs = 0;

  constructor(
    private readonly startMs: number,
    private readonly msPerRecord: number,
  ) {}

  readonly now = (): Date => new Date(this.startMs + Math.round(this.consumed * this.msPerRecord + this.delayMs));

  advance(records: number, extraMs: number): void {
    this.consumed += records;
    this.delayMs += extraMs;
  }
}

/** A stored hearing back in the Congress.gov shape the record rules read. */
export function recordFromStored(hearing: NormalizedHearing, title = hearing.title): Record<string, unknown> {
  return {
    eventId: hearing.eventId,
    congress: hearing.congress,
    chamber: hearing.chamber,
    type: hearing.type,
    meetingStatus: hearing.meetingStatus,
    title,
    date: hearing.date,
    updateDate: hearing.updateDate,
    location: hearing.location ?? undefined,
    committees: hearing.committees.map((c) => ({ systemCode: c.systemCode, name: c.name })),
    witnesses: hearing.witnesses.map((w) => ({ name: w.name, organization: w.organization, position: w.position })),
    videos: hearing.videos.map((v) => ({ name: v.name, url: v.url })),
    hearingTranscript: hearing.transcripts.map((t) => ({ jacketNumber: t.jacketNumber, url: t.url })),
  };
}

export interface RealiseInput {
  composition: TrialComposition;
  /** Stored hearings to replay and revise (at least updated + unchanged of them, when there are). */
  stored: NormalizedHearing[];
  seed: number;
  /** First record number of this trial's new records: unique within the trial session. */
  offset: number;
  /** Added to every new record's eventId, so none collides with a stored hearing. */
  eventIdShift: number;
  /** YYYY-MM-DD: the new hearings are scheduled from here. */
  start: string;
  /** Makes each revision a real change, even of a hearing revised by an earlier trial. */
  revisionTag: string;
  clock: TrialClock;
  label: string;
}

/** The records of one trial run; `newRecords` tells the caller how many new record numbers it used. */
export function realiseTrialSource(input: RealiseInput): { source: RecordSource; newRecords: number } {
  const { composition: c, stored } = input;
  const raws: unknown[] = [];
  const updated = Math.min(c.updated, stored.length);
  const unchanged = Math.min(c.unchanged, stored.length - updated);
  stored.slice(0, updated).forEach((h) => raws.push(recordFromStored(h, `${h.title} [${input.revisionTag}]`)));
  stored.slice(updated, updated + unchanged).forEach((h) => raws.push(recordFromStored(h)));
  // Stored hearings too few to replay: the rest arrive as new records, keeping the volume.
  const added = c.added + (c.updated - updated) + (c.unchanged - unchanged);
  const corrupt = c.corruption?.count ?? 0;
  const count = added + c.quarantined + corrupt;
  const invalid: CorruptionRequest[] = [];
  if (count > 0 && c.quarantined > 0) invalid.push({ kind: 'oversize-field', fraction: c.quarantined / count });
  if (count > 0 && c.corruption && corrupt > 0) invalid.push({ kind: c.corruption.kind, fraction: corrupt / count });
  if (count > 0) {
    for (const hearing of syntheticHearings({ seed: input.seed, count, offset: input.offset, start: input.start, invalid })) {
      raws.push(shiftEventId(hearing.record, input.eventIdShift));
    }
  }
  return { source: new TrialSource(raws, input.clock, c.extraMsPerRecord, `trial:${input.label}`), newRecords: count };
}

/**
 * Any source whose records advance the trial clock as they are read. `eventIdShift` moves synthetic
 * eventIds (FIRST_EVENT_ID + record number) clear of the stored ones: cheaper than a large
 * generator offset, which costs a schedule step per skipped record.
 */
export function meteredSource(inner: RecordSource, clock: TrialClock, eventIdShift = 0): RecordSource {
  return {
    description: inner.description,
    expectedCount: inner.expectedCount,
    async *items(options = {}) {
      for await (const item of inner.items(options)) {
        clock.advance(1, 0);
        yield eventIdShift === 0 ? item : { ...item, raw: shiftEventId(item.raw, eventIdShift) };
      }
    },
  };
}

function shiftEventId<T>(raw: T, shift: number): T {
  const record = raw as { eventId?: unknown };
  if (typeof record !== 'object' || record === null || typeof record.eventId !== 'string' || !/^\d{1,15}$/.test(record.eventId)) return raw;
  return { ...record, eventId: String(Number(record.eventId) + shift) } as T;
}

class TrialSource implements RecordSource {
  constructor(
    private readonly raws: readonly unknown[],
    private readonly clock: TrialClock,
    private readonly extraMsPerRecord: number,
    readonly description: string,
  ) {}

  get expectedCount(): number {
    return this.raws.length;
  }

  async *items(options: { skip?: number } = {}): AsyncIterable<SourceItem> {
    for (let position = options.skip ?? 0; position < this.raws.length; position++) {
      this.clock.advance(1, this.extraMsPerRecord);
      yield { position, raw: this.raws[position] };
    }
  }
}

/** The composition that realises `metrics` (the accounting parts), with no injected corruption. */
export function compositionOf(metrics: RunMetrics, extraMsPerRecord = 0): TrialComposition {
  return { added: metrics.added, updated: metrics.updated, unchanged: metrics.unchanged, quarantined: metrics.quarantined, extraMsPerRecord };
}
