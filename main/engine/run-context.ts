import { GatehouseError } from '../../shared/errors.js';
import type { DatabaseFault, Store, WriteTx } from '../store/index.js';
import type { CommittedState } from './run-state.js';
import { writtenOnce, type Retry } from './transient-retry.js';

/**
 * What the parts of one run share: the store, the committed state, the clock. State changes
 * made inside a transaction are applied only once it has committed, so memory never runs
 * ahead of the database.
 */
export class RunContext {
  private pendingEffects: (() => void)[] | null = null;

  constructor(
    readonly store: Store,
    readonly runId: number,
    readonly state: CommittedState,
    readonly clock: () => Date,
    /** ENABLE_RECORD_ISOLATION; a kill that reaches the run turns it off at a batch boundary. */
    public isolate: boolean,
    /** The run's one retry (its TransientBudget shared with the rest of the run). */
    private readonly retry: Retry,
    /** The run's duration so far, earlier segments of a resumed run included. */
    readonly elapsedMs: () => number,
  ) {}

  /**
   * `work` in one transaction; its effects applied once it has committed. `unanswered` is told how
   * to take the try as committed when the transaction failed only after `work` was done: at its
   * COMMIT, whose answer a lost connection may have taken after the server ran it.
   */
  async transaction<T>(work: (tx: WriteTx) => Promise<T>, unanswered?: (taken: () => T) => void): Promise<T> {
    const effects: (() => void)[] = [];
    const committed = (result: T) => {
      for (const effect of effects) effect();
      return result;
    };
    // Set inside the transaction's callback: a cast, so that TypeScript does not take it as null still.
    let done = null as { result: T } | null;
    this.pendingEffects = effects;
    try {
      return committed(await this.store.transaction(async (tx) => (done = { result: await work(tx) }).result));
    } catch (failure) {
      const finished = done;
      if (finished !== null) unanswered?.(() => committed(finished.result));
      throw failure;
    } finally {
      this.pendingEffects = null;
    }
  }

  /**
   * `work` in a transaction, retried on a transient fault, and committed at most once: a try whose
   * transaction failed past its work is taken as committed — its result and its effects — when the
   * run's checkpoint shows it went through (checkpointMoved), not written again. Every transaction
   * of a batch moves the checkpoint.
   */
  transactionOnce<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    let unanswered: (() => T) | null = null;
    const write = () => {
      unanswered = null;
      return this.transaction(work, (taken) => (unanswered = taken));
    };
    return writtenOnce(this.retry, write, async () => {
      const taken: (() => T) | null = unanswered;
      return taken !== null && (await this.checkpointMoved()) ? { value: taken() } : null;
    });
  }

  /**
   * Whether the run's stored checkpoint is past the committed state this process holds. Only the
   * run writes its checkpoint, with every batch, so it moved only when a transaction of the run
   * committed without this process hearing so.
   */
  async checkpointMoved(): Promise<boolean> {
    const stored = await this.store.getCheckpoint(this.runId);
    return stored !== null && (stored.nextPosition !== this.state.nextPosition || stored.batchSeq !== this.state.batchSeq);
  }

  afterCommit(effect: () => void): void {
    if (this.pendingEffects === null) throw new Error('afterCommit called outside a transaction');
    this.pendingEffects.push(effect);
  }

  /** A dropped connection or a busy database is retried with bounded backoff; no record is blamed. */
  withTransientRetry<T>(work: () => Promise<T>): Promise<T> {
    return this.retry(work);
  }

  /** A dropped connection or a busy database: what withTransientRetry retries. */
  isTransient(error: unknown): boolean {
    return faultOf(this.store, error) === 'transient';
  }

  /** Not the records' fault (transient beyond its retries, the environment's, the source's): the run stops, nothing is isolated. */
  isRunFault(error: unknown): boolean {
    return faultOf(this.store, error) !== 'record';
  }
}

/**
 * Whose fault a failure is. `source`: the source failed as a whole — a list page unreachable after
 * its retries, an open circuit, a server asking to be left alone for longer than we wait, a file
 * that opened at the start and could not be read mid-run (moved away, its permission taken) —
 * which, like a lost database connection, is never a record's and passes: the run stops
 * interrupted, and its resume, over the same file once it is back (open-run.ts checks its
 * fingerprint), goes on. A refused key (SOURCE_AUTH_REFUSED) is configuration, not an outage: it
 * fails the run. A file unreadable before the run starts is refused then, with no run.
 */
export function faultOf(store: Store, error: unknown): DatabaseFault | 'source' {
  return error instanceof GatehouseError && SOURCE_OUTAGES.has(error.code) ? 'source' : store.classifyError(error);
}

const SOURCE_OUTAGES = new Set<string>(['SOURCE_FETCH_FAILED', 'SOURCE_UNREADABLE']);
