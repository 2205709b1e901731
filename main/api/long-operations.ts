import type { OperationEvent, OperationView } from '../../shared/api.js';
import { endOf, toErrorPayload } from '../../shared/errors.js';
import {
  createSnapshotOnRequest,
  restoreSnapshot,
  rollback,
  verifySnapshots,
  type ConflictPolicy,
  type RestoreReport,
  type RollbackReport,
  type Snapshot,
  type SnapshotCheck,
} from '../backup/index.js';
import { holdForGood, openStore, type StoreOptions } from '../store/index.js';
import { runTrials, type CopyFindings, type TrialOutcome, type TrialProgress, type TrialRequest, type TrialResult } from '../trials/index.js';

/**
 * Work that can take seconds to minutes — rollback (and its dry run), restore, snapshots and their
 * verification, staging trials — described as plain data, so it can be posted to a worker thread
 * and run there instead of on the thread that answers requests (issue 13, defect 13).
 */
interface RollbackTarget {
  operator: string | null;
  runId: number;
  batchSeq: number | null;
  onConflict: ConflictPolicy;
  reason: string | null;
}

export type OperationRequest =
  | ({ kind: 'rollback-preview' } & RollbackTarget)
  | ({ kind: 'rollback'; previewedAfterEvent?: number | null } & RollbackTarget)
  | { kind: 'restore'; operator: string; snapshotId: string; reason: string }
  | { kind: 'snapshot'; operator: string | null; reason?: string }
  | { kind: 'verify'; operator: string | null; snapshotId?: string }
  | { kind: 'trials'; operator: string; trial: Omit<TrialRequest, 'open' | 'onProgress' | 'signal'> };

export type OperationKind = OperationRequest['kind'];
export type OperationRequestOf<K extends OperationKind> = Extract<OperationRequest, { kind: K }>;

export interface OperationResults {
  'rollback-preview': RollbackReport;
  rollback: RollbackReport;
  restore: RestoreReport;
  snapshot: Snapshot;
  verify: SnapshotCheck[];
  trials: TrialOutcome;
}

export interface OperationProgress {
  phase: string;
  done: number;
  total: number | null;
  /** Trials only: the trial that just finished. */
  latest?: TrialResult | null;
  /** Trials only: what the staging copy found, on the step right after it was taken (TrialProgress.copied). */
  copied?: CopyFindings;
}

/** What an operation works on, as people say it. */
export function operationTarget(request: OperationRequest): string {
  switch (request.kind) {
    case 'rollback-preview':
    case 'rollback':
      return request.batchSeq === null ? `run ${request.runId}` : `batch ${request.batchSeq} of run ${request.runId}`;
    case 'restore':
      return `snapshot ${request.snapshotId}`;
    case 'snapshot':
      return 'the database';
    case 'verify':
      return request.snapshotId === undefined ? 'all snapshots' : `snapshot ${request.snapshotId}`;
    case 'trials':
      return `staging ${request.trial.staging}`;
  }
}

/**
 * A console's runs and operations write to the database the console opened: they never create one.
 * A SQLite file deleted (or moved) while `gatehouse serve` ran was created again, empty, by the next
 * run, whose run id 1 repeated one the console still showed (DESIGN §4: run ids are never reused).
 * A PostgreSQL schema dropped under it is refused in the words every other console call meets it with.
 */
export function consoleStoreOptions(storeOptions: StoreOptions = {}): StoreOptions {
  return { mustExist: true, openedBefore: true, ...storeOptions };
}

/**
 * Runs one operation on its own connection to the database at `location`. The engine worker calls
 * this off the request thread; the in-process host calls it directly. `signal`: the host closing —
 * a trial session stops at its run's next batch boundary (stopsWhenAsked), its run and its session
 * ended with the stop as their reason; the other kinds do not listen.
 */
export async function performOperation(location: string, storeOptions: StoreOptions, request: OperationRequest, report: (progress: OperationProgress) => void, signal?: AbortSignal): Promise<unknown> {
  const progress = throttled(holdingPartWay(report));
  if (request.kind === 'trials') {
    const onProgress = (step: TrialProgress) =>
      progress({ phase: step.phase, done: step.done, total: step.total, latest: step.latest, ...(step.copied ? { copied: step.copied } : {}) }, step.latest !== null || step.copied !== undefined);
    return runTrials({ ...request.trial, operator: request.operator, onProgress, ...(signal ? { signal } : {}) });
  }
  // A restore opens a store not all there all the same, as `gatehouse restore` does: restoring a snapshot is what mends it.
  const store = await openStore(location, consoleStoreOptions(request.kind === 'restore' ? { ...storeOptions, forRestore: true } : storeOptions));
  try {
    switch (request.kind) {
      case 'rollback-preview':
      case 'rollback': {
        const { runId, batchSeq, onConflict, reason } = request;
        const previewedAfterEvent = request.kind === 'rollback' ? request.previewedAfterEvent : undefined;
        return await rollback(store, { runId, batchSeq, onConflict, reason, previewedAfterEvent, operator: request.operator, dryRun: request.kind === 'rollback-preview', onProgress: (step) => progress(step), surface: 'console' });
      }
      case 'restore':
        progress({ phase: 'verifying, then restoring', done: 0, total: null });
        return await restoreSnapshot(store, { snapshotId: request.snapshotId, operator: request.operator, reason: request.reason });
      case 'snapshot':
        progress({ phase: 'copying and checking', done: 0, total: null });
        return await createSnapshotOnRequest(store, { operator: request.operator ?? undefined, ...(request.reason === undefined ? {} : { reason: request.reason }) });
      case 'verify':
        progress({ phase: 'checking checksums and integrity', done: 0, total: null });
        return await verifySnapshots(store, request.snapshotId);
    }
  } finally {
    await store.close();
  }
}

/**
 * Test seam (GATEHOUSE_TEST_FAULTS=1, GATEHOUSE_HANG_PROGRESS=PHASE): the operation stops for good
 * once it has reported part of PHASE — inside a rollback's transaction for "undoing hearings" — so a
 * test can kill -9 `gatehouse serve` mid-operation, at a step it waits for, not at a time.
 */
function holdingPartWay(report: (progress: OperationProgress) => void): (progress: OperationProgress) => void {
  const phase = process.env.GATEHOUSE_TEST_FAULTS === '1' ? process.env.GATEHOUSE_HANG_PROGRESS : undefined;
  if (!phase) return report;
  return (progress) => {
    report(progress);
    if (progress.phase === phase && progress.done > 0) holdForGood(`${phase} (${progress.done} done)`);
  };
}

/**
 * Passes on a step when its phase changes, at each whole percent, at the end, or when `always`
 * (a finished trial): a 20,000-hearing rollback reports about a hundred steps, not 20,000.
 */
function throttled(report: (progress: OperationProgress) => void): (progress: OperationProgress, always?: boolean) => void {
  let last: { phase: string; percent: number } | null = null;
  return (progress, always = false) => {
    const percent = progress.total ? Math.floor((progress.done / progress.total) * 100) : -1;
    if (!always && last !== null && last.phase === progress.phase && last.percent === percent) return;
    last = { phase: progress.phase, percent };
    report(progress);
  };
}

/** Running operations and their event stream, shared by the in-process and worker hosts. */
export class OperationBook {
  private readonly running = new Map<string, OperationView>();
  private readonly listeners = new Set<(event: OperationEvent) => void>();
  private nextId = 1;

  constructor(private readonly clock: () => Date) {}

  begin(request: OperationRequest): OperationView {
    const operation: OperationView = {
      operationId: `op-${this.nextId++}`,
      kind: request.kind,
      target: operationTarget(request),
      runId: 'runId' in request ? request.runId : null,
      operator: request.operator,
      status: 'running',
      phase: 'starting',
      done: 0,
      total: null,
      startedAt: this.clock().toISOString(),
      finishedAt: null,
      error: null,
    };
    this.running.set(operation.operationId, operation);
    this.emit('operation-started', operation);
    return operation;
  }

  progress(operation: OperationView, progress: OperationProgress): void {
    Object.assign(operation, { phase: progress.phase, done: progress.done, total: progress.total });
    this.emit('operation-progress', operation);
  }

  /** `error`: what the work threw, or null when it finished; a stop (INTERRUPTED) reads `stopped`, as the trial job says. */
  finish(operation: OperationView, error: unknown): void {
    const status = error === null ? 'done' : endOf(error);
    Object.assign(operation, { status, phase: 'finished', finishedAt: this.clock().toISOString(), error: error === null ? null : toErrorPayload(error).message });
    this.running.delete(operation.operationId);
    this.emit('operation-finished', operation);
  }

  list(): OperationView[] {
    return [...this.running.values()].map((operation) => ({ ...operation }));
  }

  subscribe(listener: (event: OperationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(type: OperationEvent['type'], operation: OperationView): void {
    for (const listener of this.listeners) {
      try {
        listener({ type, operation: { ...operation } });
      } catch {
        /* a closed stream must not stop the operation */
      }
    }
  }
}
