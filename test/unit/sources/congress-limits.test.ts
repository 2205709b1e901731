import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CONGRESS_REQUESTS_PER_HOUR,
  congressDateTime,
  congressesSitting,
  currentCongress,
  noonEastern,
  RequestRateLimiter,
  retryAfterMs,
} from '../../../main/sources/index.js';

const HOUR = 3_600_000;

/** A clock that only moves when someone sleeps on it. */
function fakeTime(start = Date.parse('2025-03-10T12:00:00Z')) {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => new Date(now),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
    elapsed: () => now - start,
  };
}

describe('request rate limiter', () => {
  it('lets 5,000 requests through in an hour and holds the 5,001st until the first leaves the window', async () => {
    const time = fakeTime();
    const limiter = new RequestRateLimiter({ clock: time.clock, sleep: time.sleep });
    expect(limiter.limit).toBe(CONGRESS_REQUESTS_PER_HOUR);
    for (let i = 0; i < 5_000; i++) await limiter.acquire();
    expect(time.sleeps).toEqual([]);
    expect(limiter.inWindow()).toBe(5_000);

    await limiter.acquire();
    expect(time.elapsed()).toBe(HOUR);
    // The first 5,000 all started at 0 and left the window together.
    expect(limiter.inWindow()).toBe(1);
  });

  it('never starts more than the limit within any rolling hour', async () => {
    const time = fakeTime();
    const limiter = new RequestRateLimiter({ limit: 50, clock: time.clock, sleep: time.sleep });
    const starts: number[] = [];
    for (let i = 0; i < 400; i++) {
      await limiter.acquire();
      starts.push(time.elapsed());
      time.advance(i % 7 === 0 ? 90_000 : 1_000);
    }
    for (let i = 50; i < starts.length; i++) expect(starts[i]! - starts[i - 50]!).toBeGreaterThanOrEqual(HOUR);
  });

  it('stops waiting when the run is stopped', async () => {
    const time = fakeTime();
    const controller = new AbortController();
    const limiter = new RequestRateLimiter({
      limit: 1,
      clock: time.clock,
      sleep: async () => controller.abort(),
    });
    expect(await limiter.acquire(controller.signal)).toBe(true);
    expect(await limiter.acquire(controller.signal)).toBe(false);
  });
});

describe('circuit breaker', () => {
  it('opens after five consecutive failures, lets one trial through after the cool-down, and closes on success', () => {
    const time = fakeTime();
    const breaker = new CircuitBreaker({ clock: time.clock, coolDownMs: 60_000 });
    for (let i = 0; i < 4; i++) breaker.recordFailure();
    expect(breaker.allowRequest()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.allowRequest()).toBe(false);

    time.advance(60_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.allowRequest()).toBe(true);
    expect(breaker.allowRequest()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.allowRequest()).toBe(true);
  });

  it('goes back to open when the half-open trial fails', () => {
    const time = fakeTime();
    const breaker = new CircuitBreaker({ clock: time.clock, failureThreshold: 2, coolDownMs: 1_000 });
    breaker.recordFailure();
    breaker.recordFailure();
    time.advance(1_000);
    expect(breaker.allowRequest()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    time.advance(999);
    expect(breaker.allowRequest()).toBe(false);
  });

  it('forgets earlier failures after a success', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 4; i++) breaker.recordFailure();
    breaker.recordSuccess();
    for (let i = 0; i < 4; i++) breaker.recordFailure();
    expect(breaker.state).toBe('closed');
  });
});

describe('Congress.gov formats', () => {
  const now = new Date('2025-03-10T12:00:00Z');

  it.each([
    ['120', 120_000],
    ['0', 0],
    ['Mon, 10 Mar 2025 12:00:30 GMT', 30_000],
    ['Mon, 10 Mar 2025 11:00:00 GMT', 0],
    ['soon', null],
    ['1.5', 1_500],
    ['-3', null],
    ['2.5.1', null],
    [null, null],
  ])('reads Retry-After %s as %s ms', (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });

  it('formats dates to the second with a Z, never with milliseconds', () => {
    expect(congressDateTime(new Date('2025-03-10T12:34:56.789Z'))).toBe('2025-03-10T12:34:56Z');
  });

  // A Congress begins at noon Eastern Time on 3 January of an odd year (20th Amendment), not on
  // 1 January: the 118th sat until 17:00 UTC on 3 January 2025 (EST, UTC-5, in January). Before
  // 1935 Congresses began in March, and the calendar year is kept.
  it.each([
    ['2025-01-01T00:00:00Z', 118],
    ['2025-01-03T16:59:59Z', 118],
    ['2025-01-03T17:00:00Z', 119],
    ['2026-12-31T23:59:59Z', 119],
    ['2027-01-03T16:59:59Z', 119],
    ['2027-06-01T00:00:00Z', 120],
    ['1935-01-03T16:59:59Z', 73],
    ['1935-01-03T17:00:00Z', 74],
    ['1789-03-04T00:00:00Z', 1],
  ])('on %s the current Congress is the %ith', (date, congress) => {
    expect(currentCongress(new Date(date))).toBe(congress);
  });

  it('puts noon in Washington at 17:00 UTC under EST and 16:00 UTC under EDT', () => {
    expect(noonEastern(2025, 0, 3).toISOString()).toBe('2025-01-03T17:00:00.000Z');
    expect(noonEastern(2025, 6, 4).toISOString()).toBe('2025-07-04T16:00:00.000Z');
  });

  it('lists both Congresses for a lookback window across the noon a new one begins, one otherwise', () => {
    const across = { from: new Date('2024-12-29T12:00:00Z'), to: new Date('2025-01-05T12:00:00Z') };
    expect(congressesSitting(across)).toEqual([118, 119]);
    expect(congressesSitting({ from: new Date('2025-01-03T17:00:00Z'), to: new Date('2025-01-10T12:00:00Z') })).toEqual([119]);
  });
});
