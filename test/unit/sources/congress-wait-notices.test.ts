import { describe, expect, it } from 'vitest';
import { CongressClient, CongressFetchError, RequestRateLimiter } from '../../../main/sources/index.js';
import type { RunWait } from '../../../shared/run.js';

const START = Date.parse('2025-03-10T12:00:00Z');

/** A client on a stopped clock whose fetch answers from `replies` in turn, and whose sleeps move the clock. */
function clientAnswering(replies: ((advance: (ms: number) => void) => Response)[], options: { retryBaseMs?: number; stopDuringSleep?: AbortController } = {}) {
  let now = START;
  const clock = () => new Date(now);
  const client = new CongressClient({
    baseUrl: 'http://127.0.0.1:9/v3',
    apiKey: 'k',
    maxRetries: replies.length - 1,
    retryBaseMs: options.retryBaseMs ?? 1,
    clock,
    limiter: new RequestRateLimiter({ clock }),
    sleep: async (ms) => {
      options.stopDuringSleep?.abort();
      now += ms;
    },
    fetch: async () => replies.shift()!((ms) => (now += ms)),
  });
  const waits: (RunWait | null)[] = [];
  client.watchWaits((wait) => void waits.push(wait));
  return { client, waits };
}

const busy = (retryAfter: string) => () => new Response('busy', { status: 503, headers: { 'Retry-After': retryAfter } });
const fine = () => new Response('{"committeeMeeting":{}}', { status: 200, headers: { 'Content-Type': 'application/json' } });

describe('waits the Congress.gov client tells its watchers (the console shows them on the run)', () => {
  it('tells a Retry-After of 10 s as asked, with the status and when it ends, then null once the next attempt goes out', async () => {
    const { client, waits } = clientAnswering([busy('10'), fine]);
    await client.getParsedJson('committee-meeting/119/house/1');
    expect(waits).toEqual([{ on: 'Congress.gov', until: new Date(START + 10_000).toISOString(), reason: 'asked', cause: 'HTTP 503' }, null]);
  });

  it('tells nothing of a wait under 10 s: a Retry-After of 9 s is no hang', async () => {
    const { client, waits } = clientAnswering([busy('9'), fine]);
    await client.getParsedJson('committee-meeting/119/house/1');
    expect(waits).toEqual([]);
  });

  it('tells its own backoff as a backoff when it is longer than what the server asked, until the attempt after it has had its whole timeout', async () => {
    const { client, waits } = clientAnswering([busy('1'), fine], { retryBaseMs: 20_000 });
    await client.getParsedJson('committee-meeting/119/house/1');
    expect(waits).toEqual([expect.objectContaining({ reason: 'backoff', cause: 'HTTP 503', until: new Date(START + 20_000 + 30_000).toISOString() }), null]);
  });

  it('tells a 1 s backoff after an attempt that hung 30 s, and keeps it told until the next attempt ends', async () => {
    let toldDuringNextAttempt: (RunWait | null)[] = [];
    const { client, waits } = clientAnswering([
      (advance) => {
        advance(30_000);
        throw new TypeError('fetch failed');
      },
      () => {
        toldDuringNextAttempt = [...waits];
        return fine();
      },
    ], { retryBaseMs: 1_000 });
    await client.getParsedJson('committee-meeting/119/house/1');
    const told = { on: 'Congress.gov', until: new Date(START + 30_000 + 1_000 + 30_000).toISOString(), reason: 'backoff', cause: 'a network error' };
    expect(toldDuringNextAttempt).toEqual([told]);
    expect(waits).toEqual([told, null]);
  });

  it('clears the wait when the run is stopped during it, and no request follows', async () => {
    const stop = new AbortController();
    const { client, waits } = clientAnswering([busy('30'), fine], { stopDuringSleep: stop });
    await expect(client.getParsedJson('committee-meeting/119/house/1', {}, stop.signal)).rejects.toSatisfy((error) => error instanceof CongressFetchError && error.reason === 'aborted');
    expect(waits).toEqual([expect.objectContaining({ reason: 'asked' }), null]);
  });

  it('a listener that throws neither fails the request nor stops the others hearing of the wait', async () => {
    const { client, waits } = clientAnswering([busy('10'), fine]);
    client.watchWaits(() => {
      throw new Error('a closed stream');
    });
    await expect(client.getParsedJson('committee-meeting/119/house/1')).resolves.toBeDefined();
    expect(waits).toHaveLength(2);
  });

  it('says nothing to a watcher that stopped watching', async () => {
    const { client, waits } = clientAnswering([busy('10'), fine]);
    const told: (RunWait | null)[] = [];
    client.watchWaits((wait) => void told.push(wait))();
    await client.getParsedJson('committee-meeting/119/house/1');
    expect(told).toEqual([]);
    expect(waits).toHaveLength(2);
  });
});

describe('a spent hourly quota, said and counted as a wait', () => {
  /** A client whose limiter allows `limit` requests per hour on a clock that its sleeps move. */
  function clientOnQuota(limit: number, maxWaitPerRequestMs?: number) {
    let now = START;
    const clock = () => new Date(now);
    const sleep = async (ms: number) => void (now += ms);
    let sent = 0;
    const client = new CongressClient({
      baseUrl: 'http://127.0.0.1:9/v3',
      apiKey: 'k',
      clock,
      sleep,
      maxWaitPerRequestMs,
      limiter: new RequestRateLimiter({ limit, windowMs: 3_600_000, clock, sleep }),
      fetch: async () => (sent++, fine()),
    });
    const waits: (RunWait | null)[] = [];
    client.watchWaits((wait) => void waits.push(wait));
    return { client, waits, advance: (ms: number) => void (now += ms), sent: () => sent };
  }

  it('tells the wait for the quota to free a request, until the oldest request is an hour old, then null', async () => {
    const { client, waits, advance } = clientOnQuota(2);
    await client.getParsedJson('committee-meeting/119/house/1');
    advance(3_000_000);
    await client.getParsedJson('committee-meeting/119/house/2');
    await client.getParsedJson('committee-meeting/119/house/3');
    expect(waits).toEqual([{ on: 'Congress.gov', until: new Date(START + 3_600_000).toISOString(), reason: 'quota', cause: '2 requests in the last hour' }, null]);
  });

  it('stops the request unsent when the quota wait would pass the wait budget, asking the source to end the run', async () => {
    const { client, waits, advance, sent } = clientOnQuota(1, 15 * 60_000);
    await client.getParsedJson('committee-meeting/119/house/1');
    advance(60_000);
    const refused = await client.getParsedJson('committee-meeting/119/house/2').then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(CongressFetchError);
    expect(refused).toMatchObject({ reason: 'rate-limited', askedToWaitMs: 3_540_000 });
    expect((refused as Error).message).toBe('the hourly quota of 1 Congress.gov requests is spent, so GET /v3/committee-meeting/119/house/2?format=json was not sent: waiting 3540 s for it would pass the 900 s one request may wait');
    expect(sent()).toBe(1);
    expect(waits).toEqual([]);
  });
});

/**
 * Two runs in one process (the console's task run beside a staging trial's) share the key's hourly
 * quota. The one that waited less long took the request that freed; the other waited on, another
 * hour, unsaid and uncounted against its wait budget.
 */
describe('a quota request that another source sharing the quota took first', () => {
  /** Two clients on one limiter of `limit` an hour; their sleeps end at the time they aimed for, so both wake at once. */
  function twoClientsOnOneQuota(limit: number, maxWaitPerRequestMs?: number) {
    let now = START;
    const clock = () => new Date(now);
    const sleep = async (ms: number) => {
      const until = now + ms;
      await Promise.resolve();
      now = Math.max(now, until);
    };
    const limiter = new RequestRateLimiter({ limit, windowMs: 3_600_000, clock, sleep });
    const client = () => {
      const made = new CongressClient({ baseUrl: 'http://127.0.0.1:9/v3', apiKey: 'k', clock, sleep, maxWaitPerRequestMs, limiter, fetch: async () => fine() });
      const waits: (RunWait | null)[] = [];
      made.watchWaits((wait) => void waits.push(wait));
      return { client: made, waits };
    };
    return { first: client(), second: client() };
  }

  it('says the second wait as it says the first, with why, and counts it', async () => {
    const { first, second } = twoClientsOnOneQuota(1, 3 * 3_600_000);
    await first.client.getParsedJson('committee-meeting/119/house/1');
    await Promise.all([first.client.getParsedJson('committee-meeting/119/house/2'), second.client.getParsedJson('committee-meeting/119/house/3')]);
    const hourLater = new Date(START + 3_600_000).toISOString();
    expect(first.waits).toEqual([{ on: 'Congress.gov', until: hourLater, reason: 'quota', cause: '1 requests in the last hour' }, null]);
    expect(second.waits).toEqual([
      { on: 'Congress.gov', until: hourLater, reason: 'quota', cause: '1 requests in the last hour' },
      null,
      { on: 'Congress.gov', until: new Date(START + 7_200_000).toISOString(), reason: 'quota', cause: 'another run sharing the quota took the request that freed' },
      null,
    ]);
  });

  it('stops the request unsent when the second wait would pass the wait budget', async () => {
    const { first, second } = twoClientsOnOneQuota(1, 90 * 60_000);
    await first.client.getParsedJson('committee-meeting/119/house/1');
    const [, refused] = await Promise.all([
      first.client.getParsedJson('committee-meeting/119/house/2'),
      second.client.getParsedJson('committee-meeting/119/house/3').then(() => null, (error: unknown) => error),
    ]);
    expect(refused).toBeInstanceOf(CongressFetchError);
    expect((refused as Error).message).toBe('the hourly quota of 1 Congress.gov requests is spent (another run sharing the quota took the request that freed), so GET /v3/committee-meeting/119/house/3?format=json was not sent: waiting 3600 s for it would pass the 5400 s one request may wait');
  });
});
