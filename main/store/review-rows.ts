import type { RunReview, TrialRecord } from './review-types.js';

/** Row mappers for reviews and trials, shared by both backends. */
type Row = Record<string, unknown>;

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

export function reviewFromRow(row: Row): RunReview {
  return {
    id: Number(row.id),
    runId: Number(row.run_id),
    action: row.action as RunReview['action'],
    reasonKind: (row.reason_kind as string | null) ?? null,
    reason: String(row.reason),
    operator: String(row.operator),
    at: iso(row.at),
  };
}

export function trialFromRow(row: Row): TrialRecord {
  const caughtBy = typeof row.caught_by_json === 'string' ? (JSON.parse(row.caught_by_json) as string[]) : ((row.caught_by_json as string[] | null) ?? []);
  return {
    id: Number(row.id),
    session: String(row.session),
    at: iso(row.at),
    source: String(row.source),
    label: String(row.label),
    kind: String(row.kind),
    level: row.level as TrialRecord['level'],
    magnitude: row.magnitude === null || row.magnitude === undefined ? null : Number(row.magnitude),
    runId: row.run_id === null || row.run_id === undefined ? null : Number(row.run_id),
    caught: Boolean(row.caught),
    caughtBy,
    verdict: (row.verdict as string | null) ?? null,
    detail: (row.detail as string | null) ?? null,
  };
}
