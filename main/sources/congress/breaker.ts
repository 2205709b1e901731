import { systemClock } from './timing.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failed requests (after their retries) that open the circuit. */
  failureThreshold?: number;
  /** How long the circuit stays open before one trial request is let through. */
  coolDownMs?: number;
  clock?: () => Date;
}

/**
 * Stops hammering a server that keeps failing: after `failureThreshold` consecutive failures
 * requests fail fast until `coolDownMs` has passed; then one trial request decides whether the
 * circuit closes again or stays open for another cool-down.
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  private readonly clock: () => Date;
  private consecutiveFailures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  get state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.clock().getTime() - this.openedAt >= this.coolDownMs ? 'half-open' : 'open';
  }

  get failures(): number {
    return this.consecutiveFailures;
  }

  /** True when a request may go out now; in half-open state only one trial at a time may. */
  allowRequest(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.consecutiveFailures++;
    const failedTrial = this.trialInFlight;
    this.trialInFlight = false;
    if (failedTrial || this.consecutiveFailures >= this.failureThreshold) this.openedAt = this.clock().getTime();
  }

  /** A request that ended without telling anything about the server's health (e.g. a 404). */
  recordNeutral(): void {
    this.trialInFlight = false;
  }
}
