import type { Store } from '../store/index.js';

/** Runs database work with the transient retries of the run it belongs to. */
export type Retry = <T>(work: () => Promise<T>) => Promise<T>;

const TRANSIENT_RETRY_LIMIT = 5;
const MAX_BACKOFF_MS = 5_000;

export interface RetryPolicy {
  store: Pick<Store, 'classifyError'>;
  warn: (message: string) => void;
  sleep: (ms: number) => Promise<void>;
}

/**
 * The one retry of the engine: a dropped connection or a busy database is retried with bounded
 * exponential backoff (100 ms doubling, at most 5 s, 5 retries) wherever the run touches the
 * database — batches, planning lookups, checkpoints, opening and finishing the run. Anything else,
 * or a fault that outlasts the retries, is thrown to the caller.
 */
export async function retryTransient<T>(policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (policy.store.classifyError(error) !== 'transient' || attempt >= TRANSIENT_RETRY_LIMIT) throw error;
      const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt);
      policy.warn(`database error (${(error as Error).message}); retrying in ${delay} ms`);
      await policy.sleep(delay);
    }
  }
}
