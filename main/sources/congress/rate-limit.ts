import { realSleep, systemClock, type Sleep } from './timing.js';

/** Congress.gov (api.data.gov) allows 5,000 requests per hour per key. */
export const CONGRESS_REQUESTS_PER_HOUR = 5_000;
const HOUR_MS = 3_600_000;

export interface RateLimiterOptions {
  limit?: number;
  windowMs?: number;
  clock?: () => Date;
  sleep?: Sleep;
}

/**
 * A sliding-window request limiter: at most `limit` requests start within any `windowMs`.
 * A sliding log rather than a token bucket because the API's quota is a rolling hour, and a
 * bucket refilled at limit/hour would still let a full bucket plus the refill through in one hour.
 */
export class RequestRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly clock: () => Date;
  private readonly sleep: Sleep;
  /** Start times of the requests inside the window, oldest first. */
  private readonly started: number[] = [];

  constructor(options: RateLimiterOptions = {}) {
    this.limit = options.limit ?? CONGRESS_REQUESTS_PER_HOUR;
    this.windowMs = options.windowMs ?? HOUR_MS;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Resolves once one more request may start, and counts it; returns false if `signal` aborted first. */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = this.clock().getTime();
      this.forgetBefore(now - this.windowMs);
      if (this.started.length < this.limit) {
        this.started.push(now);
        return true;
      }
      // The oldest request leaving the window frees the next slot.
      await this.sleep(this.started[0]! + this.windowMs - now, signal);
    }
  }

  /** Counts one more request if it may start now; false when the window is full (msUntilFree says for how long). */
  tryAcquire(): boolean {
    const now = this.clock().getTime();
    this.forgetBefore(now - this.windowMs);
    if (this.started.length >= this.limit) return false;
    this.started.push(now);
    return true;
  }

  /** Waits `ms` on this limiter's clock (tryAcquire's caller, until a request frees); ends early, quietly, when `signal` aborts. */
  waitFor(ms: number, signal?: AbortSignal): Promise<void> {
    return this.sleep(ms, signal);
  }

  /** How long until one more request may start (0: at once), for a caller that says a long wait before it. */
  msUntilFree(): number {
    const now = this.clock().getTime();
    this.forgetBefore(now - this.windowMs);
    return this.started.length < this.limit ? 0 : this.started[0]! + this.windowMs - now;
  }

  /** Requests counted inside the current window. */
  inWindow(): number {
    this.forgetBefore(this.clock().getTime() - this.windowMs);
    return this.started.length;
  }

  private forgetBefore(cutoff: number): void {
    let expired = 0;
    while (expired < this.started.length && this.started[expired]! <= cutoff) expired++;
    if (expired > 0) this.started.splice(0, expired);
  }
}

/** One limiter for the whole process: every congress: source shares the key's hourly quota. */
export const processRequestLimiter = new RequestRateLimiter();
