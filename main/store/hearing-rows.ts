import type { NormalizedHearing, Witness } from '../../shared/record.js';
import { storedContent } from './hearing-content.js';
import type { KnownRows } from './known-rows.js';
import { columnsOf, snakeCase, TABLES, type TableName } from './schema.js';
import type { BatchRuleViolation, PlannedChange } from './types.js';

/**
 * What both bulk hearing writers write, built once: the hearing row, its related rows, and the
 * batch rules' verdicts on what the database says was written. The writers differ only in how
 * they send these to their database.
 */
export type HearingColumn = keyof (typeof TABLES)['hearings']['columns'];

export const HEARING_COLUMNS = columnsOf('hearings') as HearingColumn[];

export type HearingRow = Record<HearingColumn, string | number | null> & { contentHash: string };

/**
 * The hearings row of a planned change, keyed by column. The stored JSON is built here, as the row
 * is written, not when the change is planned: held from planning to commit, a growing batch's
 * 5,000 strings outlived every scavenge, and a 100k run's young-generation GC was ≈ 0.45 s, not ≈ 0.28 s.
 */
export function hearingRow({ hearing, contentHash, position }: PlannedChange, runId: number, batchSeq: number): HearingRow {
  const content = storedContent(hearing, contentHash);
  return {
    eventId: hearing.eventId, congress: hearing.congress, chamber: hearing.chamber, meetingType: hearing.type, meetingStatus: hearing.meetingStatus,
    title: hearing.title, startsAt: hearing.date, updateDate: hearing.updateDate, room: hearing.location?.room ?? null,
    building: hearing.location?.building ?? null, address: hearing.location?.address ?? null, contentHash: content.hash, contentJson: content.json,
    firstRunId: runId, lastRunId: runId, lastBatchSeq: batchSeq, lastPosition: position,
  };
}

/** The related tables, as the writers and the undo journal name them. */
export type RelatedTable = 'hearing_committees' | 'appearances' | 'videos' | 'transcripts';
type RelatedValue = string | number | null;
/** Receives one related row: every related table has four columns, passed in column order. */
export type RelatedRowSink = (table: RelatedTable, a: RelatedValue, b: RelatedValue, c: RelatedValue, d: RelatedValue) => void;

/** A hearing's committee links, appearances, videos and transcripts, as value lists in column order. */
export function relatedRows(hearing: NormalizedHearing, witnessId: (witness: Witness) => number): Record<RelatedTable, RelatedValue[][]> {
  const rows: Record<RelatedTable, RelatedValue[][]> = { hearing_committees: [], appearances: [], videos: [], transcripts: [] };
  eachRelatedRow(hearing, witnessId, (table, ...values) => rows[table].push(values));
  return rows;
}

/**
 * The rows of relatedRows, table by table, handed over value by value: SQLite's writer gathers
 * them into its multi-row statements anyway, and an array per row (≈ 1.2 KB of garbage a hearing)
 * only added to the scavenges that copy a growing batch's hearings.
 */
export function eachRelatedRow(hearing: NormalizedHearing, witnessId: (witness: Witness) => number, row: RelatedRowSink): void {
  const id = hearing.eventId;
  const { committees, witnesses, videos, transcripts } = hearing;
  for (let i = 0; i < committees.length; i++) row('hearing_committees', id, committees[i]!.systemCode, i === 0 ? 1 : 0, i);
  for (let i = 0; i < witnesses.length; i++) row('appearances', id, witnessId(witnesses[i]!), i, witnesses[i]!.position);
  for (let i = 0; i < videos.length; i++) row('videos', id, i, videos[i]!.name, videos[i]!.url);
  for (let i = 0; i < transcripts.length; i++) row('transcripts', id, i, transcripts[i]!.jacketNumber, transcripts[i]!.url);
}

/**
 * Per related table, the rows a set of hearings' records list, and the same rows weighted by their
 * hearing's source position + 1. The cross-batch reconciliation compares the weighted sums with the
 * stored rows': a row lost from one hearing and one gained by another leave the plain count
 * unchanged, but not the weighted sum (hearings.last_position holds the position).
 */
export type RelatedTotals = Record<RelatedTable, { rows: number; weighted: number }>;

export function noRelatedTotals(): RelatedTotals {
  return Object.fromEntries(RELATED_TABLES.map(({ table }) => [table, { rows: 0, weighted: 0 }])) as RelatedTotals;
}

/** `totals` plus what the records of `changes` list: counted from each record as planned, not from what a writer inserted. */
export function withPlannedRelated(totals: RelatedTotals, changes: readonly PlannedChange[]): RelatedTotals {
  const sum = structuredClone(totals);
  for (const { hearing, position } of changes) {
    for (const { table, member } of RELATED_TABLES) {
      sum[table].rows += hearing[member].length;
      sum[table].weighted += hearing[member].length * (position + 1);
    }
  }
  return sum;
}

/** The members of a hearing's record that each become rows of a related table. */
type RelatedMember = 'committees' | 'witnesses' | 'videos' | 'transcripts';

/**
 * Each table of relatedRows with its columns (camelCase, in the order of the values there), from
 * the schema, the key its rows have in a hearing's before-image in the undo journal, and the
 * member of the hearing's record its rows come from (one row per element).
 */
export const RELATED_TABLES = (
  [
    ['committees', 'hearingCommittees', 'committees'],
    ['appearances', 'appearances', 'witnesses'],
    ['videos', 'videos', 'videos'],
    ['transcripts', 'transcripts', 'transcripts'],
  ] as const satisfies [string, TableName, RelatedMember][]
).map(([imageKey, name, member]) => ({ imageKey, name, member, table: snakeCase(name) as RelatedTable, columns: columnsOf(name) }));

/** The parent of a subcommittee: hsif14 belongs to hsif00. */
export function parentCommitteeCode(systemCode: string): string | null {
  return systemCode.endsWith('00') ? null : `${systemCode.slice(0, 4)}00`;
}

function committeeChamber(systemCode: string): string {
  return systemCode.startsWith('h') ? 'House' : systemCode.startsWith('s') ? 'Senate' : 'Joint';
}

/**
 * The committees of `named` to create, in the order named, as both writers create them: those
 * `exists` does not find, a subcommittee linked to its parent only when the parent exists by the
 * time the subcommittee is reached. Each becomes known once the caller has handled it.
 */
export function* committeesToCreate(named: readonly NormalizedHearing['committees'][number][], exists: (code: string) => boolean, known: KnownRows) {
  for (const { systemCode, name } of named) {
    if (exists(systemCode)) continue;
    const parent = parentCommitteeCode(systemCode);
    yield { code: systemCode, name, chamber: committeeChamber(systemCode), parent: parent !== null && exists(parent) ? parent : null };
    known.addCommittee(systemCode);
  }
}

/** Batch rule before writing: an eventId this run already committed is a duplicate. */
export function earlierWriteViolations(eventIds: string[]): BatchRuleViolation[] {
  return eventIds.map((eventId) => ({
    eventId,
    reason: { code: 'DUPLICATE_EVENT_ID', message: `eventId ${eventId} was already written by an earlier batch of this run` },
  }));
}

/**
 * Batch rule after writing: the rows written are the rows planned. The statements' own row counts
 * prove it, with no query to read them back; a dangling committee or witness cannot get this far,
 * since both backends enforce the foreign keys on the insert itself.
 */
export function writtenCountViolations(changes: PlannedChange[], found: { hearings: number; related: number }): BatchRuleViolation[] {
  const plannedRelated = changes.reduce((sum, { hearing }) => sum + RELATED_TABLES.reduce((n, { member }) => n + hearing[member].length, 0), 0);
  if (found.hearings === changes.length && found.related === plannedRelated) return [];
  const message = `wrote ${found.hearings} hearings and ${found.related} related rows; planned ${changes.length} and ${plannedRelated}`;
  return [{ eventId: null, reason: { code: 'WRITE_FAILED', message } }];
}

/**
 * What the test fault seam throws: shaped like the driver's own error for a row the database
 * refuses (a failed CHECK), so the engine cannot tell the difference. Not a disk or I/O error:
 * those are the environment's fault and stop the run instead of isolating a record.
 */
export function injectedWriteFault(eventId: string, backend: 'sqlite' | 'postgres'): Error {
  const error = new Error(`CHECK constraint failed (injected fault writing eventId ${eventId})`);
  // Shaped as each database's own refusal, so isolation (and the bench) meet what they would meet:
  // PostgreSQL names the failing row in the detail; SQLite names no row at all.
  if (backend === 'sqlite') return Object.assign(error, { code: 'SQLITE_CONSTRAINT_CHECK' });
  return Object.assign(error, { code: '23514', detail: `Failing row contains (${eventId}, …).` });
}
