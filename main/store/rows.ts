import type { Selectable } from 'kysely';
import { NOT_JUDGED } from '../../shared/api-validation.js';
import type { QuarantineEntry } from '../../shared/record.js';
import type { RunStop, RunSummary, SourceWarning } from '../../shared/run.js';
import type { TrialRecord } from './repositories/trials.js';
import type { Database } from './schema.js';
import type { Checkpoint, ReportedRun } from './types.js';

/**
 * Rows as the shared types describe them. Both drivers already hand back the same values
 * (numbers, ISO strings, JSON as text, booleans as 0/1); what is left is parsing JSON columns and
 * naming a few fields as the contracts name them.
 */
type Row<T extends keyof Database> = Selectable<Database[T]>;

function parsed<T>(text: string | null, fallback: T): T {
  return text === null ? fallback : (JSON.parse(text) as T);
}

export function runFromRow(row: Row<'runs'>): RunSummary {
  const sourceWarnings = parsed<SourceWarning[]>(row.sourceWarningsJson, []);
  const stop = parsed<RunStop | null>(row.stopJson, null);
  return {
    runId: row.id,
    status: row.status as RunSummary['status'],
    mode: row.mode as RunSummary['mode'],
    batchSize: row.batchSize,
    task: row.task,
    source: row.source,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    metrics: JSON.parse(row.metricsJson),
    batches: JSON.parse(row.batchCountsJson),
    validation: parsed(row.validationJson, null),
    flags: JSON.parse(row.flagsJson),
    error: row.error,
    resumedFrom: row.resumedFrom,
    backupId: row.backupId,
    snapshot: parsed(row.snapshotJson, null),
    reconciliation: parsed(row.reconciliationJson, null),
    sourceFingerprint: parsed(row.sourceFingerprintJson, null),
    sourceWindow: parsed(row.sourceWindowJson, null),
    flagChanges: parsed(row.flagChangesJson, []),
    // Before the source's warnings, which are there only when there are some: the last key a run always has.
    startedBy: row.startedBy,
    // Only when the source noticed something: a clean run reads back as `update --json` printed it, key for key.
    ...(sourceWarnings.length === 0 ? {} : { sourceWarnings }),
    // Only on a run stopped short, last (migration 040): every other run reads back as before it was kept.
    ...(stop === null ? {} : { stop }),
  };
}

export function reportedRunFromRow(row: Row<'runs'>): ReportedRun {
  return { ...runFromRow(row), review: row.review };
}

/** Keys in the contract's order (quarantineEntrySchema), as the API answers: `quarantine list --json` prints this. */
export function quarantineFromRow(row: Row<'quarantine'>): QuarantineEntry {
  const { id, runId, batchSeq, eventId, sourcePosition, reasonsJson, rawJson, createdAt } = row;
  return { id, runId, batchSeq, eventId, sourcePosition, reasons: JSON.parse(reasonsJson), raw: JSON.parse(rawJson), createdAt };
}

export function checkpointFromRow(row: Row<'checkpoints'>): Checkpoint {
  const { metricsJson, batchCountsJson, positionsDoneJson, plannedRelatedJson, ...keys } = row;
  return {
    ...keys,
    metrics: JSON.parse(metricsJson),
    batchCounts: JSON.parse(batchCountsJson),
    positionsDoneInBatch: JSON.parse(positionsDoneJson),
    plannedRelated: parsed(plannedRelatedJson, null),
  };
}

export function trialFromRow({ caughtByJson, caught, firstAlertRun, firstAlertRunId, alertVerdict, windowRuns, ...rest }: Row<'trials'>): TrialRecord {
  const notJudged = rest.verdict === NOT_JUDGED ? (rest.detail ?? NOT_JUDGED) : null;
  return { ...rest, level: rest.level as TrialRecord['level'], caught: caught === 1, caughtBy: JSON.parse(caughtByJson), notJudged, firstAlertRun, firstAlertRunId, alertVerdict, windowRuns };
}

/** A JSON column's text; null stays SQL NULL, and undefined stays undefined: Kysely leaves such a column out. */
export function jsonOrNull<T>(value: T): string | Extract<T, null | undefined> {
  return value === null || value === undefined ? (value as Extract<T, null | undefined>) : JSON.stringify(value);
}

/** A stored raw value must survive JSON even when the source gave something JSON cannot hold. */
export function rawToJson(raw: unknown): string {
  try {
    return JSON.stringify(raw === undefined ? null : raw);
  } catch {
    return JSON.stringify(String(raw));
  }
}

/**
 * PostgreSQL text cannot hold U+0000, which bad input can put into an eventId or an error message;
 * it becomes U+FFFD on both backends, so the entry is still written and reads the same anywhere.
 * So does a lone UTF-16 surrogate (an eventId of "\ud800"): PostgreSQL's driver wrote it as one
 * U+FFFD, SQLite's as the bytes ED A0 80, which are not UTF-8 and read back as three.
 */
export function textSafe(value: string | null): string | null {
  return value === null ? null : value.replaceAll('\u0000', '\uFFFD').toWellFormed();
}
