import { redactedMessage } from '../../shared/redact.js';
import type { RunEvent, RunStatus, RunStop, RunSummary, RunWait } from '../../shared/run.js';
import { NOT_RETRIED_PART_WAY, runAllOrNothing, UpdateTriedOnce } from './all-or-nothing.js';
import { runBatches } from './batch-loop.js';
import { BatchCommitter } from './batch-commit.js';
import { BatchSizes } from './batch-sizes.js';
import { continuation, elapsedMs, failureMessage, faultStop, finishOrLeaveToNextWriter, lostTheLock, nothingStored, recordedByNextWriter, retakeLock, runFault, statusFromCounts, stopAskedOf, stoppedBy } from './finish-run.js';
import type { OpenedRun } from './open-run.js';
import type { StoredHearing } from '../store/index.js';
import { RunPlanner } from './planner.js';
import { faultOf, RunContext } from './run-context.js';
import { RunRules } from './run-rules.js';
import type { UpdateOptions } from './run-update.js';
import { retryTransient, type Retry, type TransientBudget } from './transient-retry.js';

export interface Execution extends OpenedRun {
  clock: () => Date;
  emit: (event: RunEvent) => void;
  sleep: (ms: number) => Promise<void>;
  retry: Retry;
  /** Shared by `retry` and the run's batches: once one series of retries ran out, the rest get one try. */
  transientBudget: TransientBudget;
}

const MINIMUM_WINDOW = 256;
const MAXIMUM_WINDOW = 10_000;

/**
 * The run from its row's creation (or a resume's reopening) to its end. `beforeFirstBatch` (what
 * runUpdate writes once the run exists: its snapshot, the lock's heartbeat) and a resume's reading of
 * what its run took are the run's like its batches: a database that stays busy there ends it as
 * interrupted, resumable, not as an unexpected error leaving its row `running`.
 */
export async function executeRun(options: UpdateOptions, run: Execution, beforeFirstBatch: () => Promise<void> = async () => {}): Promise<RunSummary> {
  const { store, source } = options;
  const warn = (message: string) => run.emit({ type: 'warning', runId: run.runId, message });
  const retry: Retry = (work) => retryTransient({ store, sleep: run.sleep, warn, budget: run.transientBudget, signal: options.signal }, work);
  const context = new RunContext(store, run.runId, run.state, run.clock, options.isolate ?? true, retry, () => elapsedMs(run));
  /**
   * False when no hearing was stored as the run began (a first load): every lookup could then find
   * only a hearing this run wrote, whose eventId the run's rules refuse again before it is looked
   * up, so none is asked (≈ 400 reads at 100,000 records). Read under the writer lock, which every
   * writer of hearings takes; a run that loses it stops before it writes again (the lock's fence).
   */
  let anyStored = true;
  const lookup = async (eventIds: string[]) => (anyStored ? context.withTransientRetry(() => store.loadHearings(eventIds)) : new Map<string, StoredHearing>());
  const committer = new BatchCommitter(context);
  // Said as soon as the run exists: the console's Stop reaches it from here, and a run that ends before its first batch still started.
  run.emit({ type: 'run-started', runId: run.runId, mode: run.mode, batchSize: run.batchSize, expectedRecords: source.expectedCount });

  let status: RunStatus;
  let error: string | null = null;
  // What stopped it short, as data beside `error`'s words (RunSummary.stop).
  let stop: RunStop | null = null;
  let lockLost = false;
  let databaseFault = false;
  let planner: RunPlanner | null = null;
  try {
    await beforeFirstBatch();
    const taken = (await run.readWhatItTook?.()) ?? {};
    const knownCommittees = taken.knownCommittees ?? (await run.retry(() => store.knownCommitteeCodes()));
    anyStored = await run.retry(() => store.holdsHearings());
    planner = new RunPlanner(lookup, new RunRules(knownCommittees, run.eventIdsInRun));
    // A re-listed source (congress) skips by identity on a resume (`taken.resume`), a file or synthetic one by position.
    const onWait = (wait: RunWait | null) => run.emit({ type: 'waiting', runId: run.runId, wait });
    const items = source.items({ skip: run.state.nextPosition, signal: options.signal, resume: taken.resume, onWait });
    const windowSize = Math.min(MAXIMUM_WINDOW, Math.max(run.batchSize, MINIMUM_WINDOW));
    const sizes = new BatchSizes(run.batchSize, options.batchCeiling ?? null);
    if (run.mode === 'all-or-nothing') {
      const result = await runAllOrNothing(context, planner, committer, items, { windowSize, chunkSize: run.batchSize, signal: options.signal, continuation: continuation(options, run.runId), beforeCommitting: options.beforeCommitting, stopAsked: options.stopAsked });
      if (result.batch) run.emit({ type: 'batch-finished', runId: run.runId, batch: result.batch, metrics: run.state.metrics });
      status = result.outcome === 'committed' ? statusFromCounts(run.state) : result.outcome;
      error = result.error;
      if (status === 'interrupted') stop = stopAskedOf(options.signal);
    } else {
      const finished = await runBatches(context, planner, committer, items, { ...run, windowSize, sizes, signal: options.signal, recordsHandled: source.listing !== undefined, betweenBatches: options.betweenBatches, stopAsked: options.stopAsked, resumed: options.resumeRunId !== undefined });
      status = finished ? statusFromCounts(run.state) : 'interrupted';
      if (!finished) {
        error = `stopped ${stoppedBy(options.signal)} after the last committed batch ${continuation(options, run.runId)}`;
        stop = stopAskedOf(options.signal);
      }
    }
  } catch (thrown) {
    const failure = thrown instanceof UpdateTriedOnce ? thrown.failure : thrown;
    lockLost = lostTheLock(failure);
    const fault = runFault(options, failure, run.runId, thrown instanceof UpdateTriedOnce ? NOT_RETRIED_PART_WAY : undefined);
    status = fault === null ? 'failed' : 'interrupted';
    error = fault ?? failureMessage(store, failure);
    stop = fault === null ? null : faultStop(store, failure);
    // A stop asked for is the run's reason even when it cut a wait for the database (below).
    databaseFault = fault !== null && !options.signal?.aborted && (lockLost || faultOf(store, failure) !== 'source');
    // A stop that ended the wait for a busy database (transient-retry.ts) is the run's reason, the fault it waited on beside it.
    if (fault !== null && options.signal?.aborted && faultOf(store, failure) === 'transient') {
      error = `stopped ${stoppedBy(options.signal)} while waiting: ${fault}`;
      stop = stopAskedOf(options.signal);
    }
  }
  if (status === 'failed' && error === null) error = nothingStored(run.state, planner!);
  const repeated = planner?.repeatedEntries() ?? null;
  if (repeated !== null) warn(repeated);
  // Read after the last batch, so the name each committee was stored with is the one a warning names; only when the run's changes were kept.
  if (planner !== null && (status === 'success' || status === 'partial')) {
    const unread = (failure: unknown) => [`the committee names the run's records give were not compared with the stored ones: ${redactedMessage(failure)}`];
    for (const conflict of await planner.committeeNames.conflicts(store).catch(unread)) warn(conflict);
  }
  if (lockLost && !(await retakeLock(options, run))) return recordedByNextWriter(options, run, error!, stop);
  return finishOrLeaveToNextWriter(options, run, { status, error, stop, databaseFault });
}
