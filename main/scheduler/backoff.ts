import { nextOccurrence } from './cron.js';

/** However many times in a row a task failed, it is tried again at its first scheduled time this long after the last failure. */
export const MAX_BACKOFF_MS = 6 * 60 * 60_000;

/**
 * The scheduled time a task tries next after `failures` failures in a row, the last at `failed`
 * (one of its scheduled times); null when it tries at its next time as usual. A first failure (a
 * blip) is retried at the next time; after that the task skips 1, 3, 7… of its times, the gap
 * doubling, but never waits past the first time MAX_BACKOFF_MS after the failure: a source that is
 * down for hours is not asked every minute, and one that is back is found within the cap.
 */
export function retryAfterFailures(cron: string, failed: Date, failures: number): Date | null {
  if (failures < 2) return null;
  // 2^(failures-1) − 1 times skipped; the exponent is bounded, the cap ends the walk long before.
  const skipped = 2 ** Math.min(failures - 1, 30) - 1;
  const cap = nextOccurrence(cron, new Date(failed.getTime() + MAX_BACKOFF_MS - 1));
  let retry: Date | null = failed;
  for (let step = 0; step <= skipped && retry !== null; step++) {
    retry = nextOccurrence(cron, retry);
    if (retry !== null && cap !== null && retry.getTime() >= cap.getTime()) {
      retry = cap;
      break;
    }
  }
  // Nothing skipped (a daily task under the cap): it simply tries at its next time.
  return retry?.getTime() === nextOccurrence(cron, failed)?.getTime() ? null : retry;
}
