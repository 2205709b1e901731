/** Contract-shaped answers for the fake client; each takes overrides for what a test cares about. */
import type { ApiOutput } from '../../../shared/api.js';
import type { FlagView, RollbackEventView, RollbackReportView } from '../../../shared/api-operations.js';
import type { AnomalousRunView } from '../../../shared/api-validation.js';
import type { QuarantineEntry } from '../../../shared/record.js';
import { withStatusReasons, type BatchRecord, type BatchStatus, type RunMetrics, type RunSummary } from '../../../shared/run.js';

export function metrics(overrides: Partial<RunMetrics> = {}): RunMetrics {
  return { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0, ...overrides };
}

export function batch(seq: number, status: BatchStatus = 'committed', overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    runId: 7,
    seq,
    status,
    planned: 50,
    written: status === 'failed' ? 0 : 50,
    added: status === 'failed' ? 0 : 40,
    updated: status === 'failed' ? 0 : 10,
    quarantined: status === 'isolated' ? 3 : 0,
    retries: 0,
    durationMs: 120,
    error: status === 'failed' ? 'constraint violation' : null,
    firstPosition: (seq - 1) * 50,
    lastPosition: seq * 50 - 1,
    finishedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

export function runSummary(runId: number, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId,
    status: 'success',
    mode: 'batch',
    batchSize: 50,
    task: null,
    source: 'synthetic:seed=1,count=150',
    startedAt: '2026-11-20T10:00:00.000Z',
    finishedAt: '2026-11-20T10:00:05.000Z',
    metrics: metrics({ fetched: 150, added: 120, updated: 30, durationMs: 5_000 }),
    batches: { total: 3, succeeded: 3, failed: 0, isolated: 0 },
    validation: null,
    error: null,
    ...overrides,
  };
}

export function runDetail(runId: number, batchList: BatchRecord[], overrides: Partial<RunSummary> = {}): ApiOutput<'runs.get'> {
  const summary = runSummary(runId, overrides);
  // As runs.get answers: why the run has its status, last.
  return withStatusReasons({ ...summary, batchList, resumable: summary.status === 'interrupted', rollbackRefusals: [] });
}

export function quarantined(id: number, batchSeq: number | null, message: string): QuarantineEntry {
  return {
    id,
    runId: 7,
    batchSeq,
    eventId: `EV-${id}`,
    sourcePosition: id,
    reasons: [{ code: 'BAD_DATE', message }],
    raw: { eventId: `EV-${id}` },
    createdAt: '2026-11-20T10:00:01.000Z',
  };
}

export function flagView(overrides: Partial<FlagView> = {}): FlagView {
  return {
    name: 'ENABLE_BATCH_PROCESSING',
    type: 'boolean',
    kind: 'release',
    description: 'Write in batches.',
    defaultValue: true,
    scopes: [],
    inForce: { value: true, reason: 'DEFAULT' },
    killedAt: null,
    ...overrides,
  };
}

export function rollbackReport(overrides: Partial<RollbackReportView> = {}): RollbackReportView {
  return {
    runId: 12,
    batchSeq: null,
    dryRun: true,
    onConflict: 'refuse',
    operator: 'ada',
    at: '2026-11-21T09:00:00.000Z',
    reason: null,
    nothingToDo: false,
    wouldRefuse: false,
    runRolledBack: false,
    eventId: null,
    message: 'Would restore 2 hearings and delete 1.',
    counts: { restored: 2, deleted: 1, skipped: 0, forced: 0, createdRowsDeleted: 0, createdRowsKept: 0 },
    conflicts: [],
    conflictsNotListed: 0,
    conflictSummary: { hearings: 0, laterRuns: [], changedOtherwise: 0, bringBackUndone: 0 },
    policies: [],
    hearings: [
      { eventId: 'EV-1', batchSeq: 1, action: 'restore', outcome: 'restored', conflict: null },
      { eventId: 'EV-2', batchSeq: 1, action: 'restore', outcome: 'restored', conflict: null },
      { eventId: 'EV-3', batchSeq: 2, action: 'delete', outcome: 'deleted', conflict: null },
    ],
    hearingsNotListed: 0,
    createdRows: [],
    runRowGone: false,
    ...overrides,
  };
}

export function rollbackEvent(overrides: Partial<RollbackEventView> = {}): RollbackEventView {
  return {
    id: 1,
    runId: 12,
    batchSeq: null,
    operator: 'ada',
    at: '2026-11-21T09:05:00.000Z',
    reason: 'bad source file',
    onConflict: 'refuse',
    restored: 2,
    deleted: 1,
    skipped: 0,
    forced: 0,
    createdRowsDeleted: 0,
    createdRowsKept: 0,
    runRolledBack: true,
    ...overrides,
  };
}

export function anomalousRun(overrides: Partial<AnomalousRunView> = {}): AnomalousRunView {
  return {
    runId: 31,
    task: 'nightly',
    status: 'success',
    startedAt: '2026-11-19T02:00:00.000Z',
    review: null,
    anomalies: [{ metric: 'fetched', rule: 'band', value: 900, expected: 150, low: 100, high: 200, score: 6.2, message: 'fetched 900 is far above the usual 100–200' }],
    reviews: [],
    runCount: 1,
    runIds: [31],
    lastRunId: 31,
    lastStartedAt: '2026-11-19T02:00:00.000Z',
    rolledBack: null,
    ...overrides,
  };
}

/** quarantine.list answered as the store does: filtered by run and batch, ordered by id, paged by keyset. */
export function quarantineAnswer(entries: QuarantineEntry[]): (query: { runId?: number; batchSeq?: number | null; limit: number; after?: number }) => QuarantineEntry[] {
  return ({ runId, batchSeq, limit, after }) =>
    entries
      .filter((e) => (runId === undefined || e.runId === runId) && (batchSeq === undefined || e.batchSeq === batchSeq) && (after === undefined || e.id > after))
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
}
