import type { Store } from '../store/index.js';

/** A lock whose heartbeat is older than this is taken over (its holder is presumed dead). */
export const STALE_LOCK_MS = 2 * 60_000;

/** How often a held writer lock's heartbeat is refreshed: well inside STALE_LOCK_MS. */
export const HEARTBEAT_EVERY_MS = 10_000;

/**
 * Refreshes the held writer lock's heartbeat on a timer until the returned stop is called. Not at
 * batch boundaries only: a run waiting on its source (a Congress.gov Retry-After of up to 15
 * minutes, an hourly request quota), taking a large before-run snapshot or reconciling, and a
 * rollback or restore, commit nothing for minutes, and on SQLite a heartbeat older than
 * STALE_LOCK_MS lets the next writer take the lock over while its holder still writes. Best effort:
 * a heartbeat that fails (a busy file, a dropped connection) is tried again at the next tick.
 */
export function keepLockFresh(store: Store, clock: () => Date, runId: () => number | null): () => void {
  let inFlight = false;
  const timer = setInterval(() => {
    // One at a time: on PostgreSQL they share the lock's session with its release.
    if (inFlight) return;
    inFlight = true;
    // One try: on SQLite a heartbeat that waited out the busy timeout would stop the run's thread for it, beside the run's own wait.
    store.heartbeat(clock(), runId(), { waitIfBusy: false }).catch(() => {}).finally(() => (inFlight = false));
  }, HEARTBEAT_EVERY_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}
