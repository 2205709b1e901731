import { VERDICTS, type HistoryEntry } from '../../shared/validation.js';
import type { QuarantineEntry } from '../../shared/record.js';
import { emptyBatchCounts, emptyMetrics, type BatchCounts, type BatchRecord, type RunSummary } from '../../shared/run.js';
import type { FlagEvent, ScheduledTask } from './operations-types.js';
import type { Checkpoint } from './types.js';
import type { RollbackEventRecord } from './undo-types.js';

/**
 * Row mappers shared by both backends, so a run reads the same whichever database answered:
 * dates as ISO strings, integers as numbers, JSON columns parsed.
 */
type Row = Record<string, unknown>;

function json<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

function int(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function intOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : int(value);
}

export const EMPTY_BATCH_COUNTS: BatchCounts = emptyBatchCounts();

export function runFromRow(row: Row): RunSummary {
  return {
    runId: int(row.id),
    status: row.status as RunSummary['status'],
    mode: row.mode as RunSummary['mode'],
    batchSize: int(row.batch_size),
    task: (row.task as string | null) ?? null,
    source: String(row.source),
    startedAt: iso(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    metrics: json(row.metrics_json, emptyMetrics()),
    batches: json(row.batch_counts_json, EMPTY_BATCH_COUNTS),
    validation: json(row.validation_json, null),
    flags: json(row.flags_json, {}),
    error: (row.error as string | null) ?? null,
    resumedFrom: intOrNull(row.resumed_from),
    backupId: (row.backup_id as string | null) ?? null,
  };
}

export function batchFromRow(row: Row): BatchRecord {
  return {
    runId: int(row.run_id),
    seq: int(row.seq),
    status: row.status as BatchRecord['status'],
    planned: int(row.planned),
    written: int(row.written),
    added: int(row.added),
    updated: int(row.updated),
    quarantined: int(row.quarantined),
    retries: int(row.retries),
    durationMs: int(row.duration_ms),
    error: (row.error as string | null) ?? null,
    firstPosition: int(row.first_position),
    lastPosition: int(row.last_position),
    finishedAt: iso(row.finished_at),
  };
}

export function quarantineFromRow(row: Row): QuarantineEntry {
  return {
    id: int(row.id),
    runId: int(row.run_id),
    batchSeq: intOrNull(row.batch_seq),
    eventId: (row.event_id as string | null) ?? null,
    sourcePosition: intOrNull(row.source_position),
    reasons: json(row.reasons_json, []),
    raw: json(row.raw_json, null),
    createdAt: iso(row.created_at),
  };
}

export function checkpointFromRow(row: Row): Checkpoint {
  return {
    runId: int(row.run_id),
    batchSeq: int(row.batch_seq),
    nextPosition: int(row.next_position),
    metrics: json(row.metrics_json, emptyMetrics()),
    batchCounts: json(row.batch_counts_json, EMPTY_BATCH_COUNTS),
    positionsDoneInBatch: json(row.positions_done_json, []),
    updatedAt: iso(row.updated_at),
  };
}

/** The parent of a subcommittee: hsif14 belongs to hsif00. */
export function parentCommitteeCode(systemCode: string): string | null {
  return systemCode.endsWith('00') ? null : `${systemCode.slice(0, 4)}00`;
}

export function committeeChamber(systemCode: string): string {
  return systemCode.startsWith('h') ? 'House' : systemCode.startsWith('s') ? 'Senate' : 'Joint';
}

/** A stored raw value must survive JSON even when the source gave something JSON cannot hold. */
export function rawToJson(raw: unknown): string {
  try {
    return JSON.stringify(raw === undefined ? null : raw);
  } catch {
    return JSON.stringify(String(raw));
  }
}

export function rollbackEventFromRow(row: Row): RollbackEventRecord {
  return {
    id: int(row.id),
    runId: Number(row.run_id),
    batchSeq: row.batch_seq === null || row.batch_seq === undefined ? null : Number(row.batch_seq),
    operator: String(row.operator),
    at: iso(row.at),
    reason: (row.reason as string | null) ?? null,
    onConflict: row.on_conflict as RollbackEventRecord['onConflict'],
    restored: Number(row.restored),
    deleted: Number(row.deleted),
    skipped: Number(row.skipped),
    forced: Number(row.forced),
    createdRowsDeleted: Number(row.created_rows_deleted),
    createdRowsKept: Number(row.created_rows_kept),
    runRolledBack: Boolean(row.run_rolled_back),
  };
}

export function flagEventFromRow(row: Row): FlagEvent {
  return {
    id: int(row.id),
    flag: String(row.flag),
    scope: String(row.scope),
    oldJson: (row.old_json as string | null) ?? null,
    newJson: (row.new_json as string | null) ?? null,
    actor: String(row.actor),
    reason: String(row.reason),
    at: iso(row.at),
  };
}

export function taskFromRow(row: Row): ScheduledTask {
  return {
    name: String(row.name),
    cron: String(row.cron),
    source: String(row.source),
    lookbackDays: int(row.lookback_days),
    // SQLite stores booleans as 0/1, PostgreSQL as booleans.
    enabled: row.enabled === true || Number(row.enabled) === 1,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    lastFiredAt: isoOrNull(row.last_fired_at),
    lastRunId: intOrNull(row.last_run_id),
  };
}

/** A run as the historical validator's history reads it (both backends' validationHistory). */
export interface HistoryRow {
  started_at: string;
  metrics_json: string;
  review: string | null;
  verdict: string | null;
  source: string | null;
}

/**
 * The history entry of a run, with what the validator learns from feedback: the review
 * (`expected` re-baselines; confirmed runs never get here), the verdict stored when it was judged
 * (an unreviewed anomaly teaches less) and its origin (trial runs realised on staging never train
 * a production judgement).
 */
export function historyEntryFromRow(row: Omit<HistoryRow, 'metrics_json'> & { metrics: HistoryEntry['metrics'] }): HistoryEntry {
  const review = row.review === 'expected' || row.review === 'confirmed' ? row.review : null;
  const verdict = (VERDICTS as readonly string[]).includes(row.verdict ?? '') ? (row.verdict as HistoryEntry['verdict']) : null;
  return { startedAt: row.started_at, metrics: row.metrics, review, verdict, origin: row.source?.startsWith('trial:') ? 'trial' : 'production' };
}
