import { afterEach, describe, expect, it } from 'vitest';
import { GatehouseError } from '../../../shared/errors.js';
import {
  createCongressSource,
  openSource,
  RequestRateLimiter,
  type CongressSourceOptions,
  type SourceItem,
} from '../../../main/sources/index.js';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../../helpers/congress-server.js';
import { hearingRecord } from '../../helpers/records.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';

function meeting(eventId: number, chamber = 'House', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return hearingRecord(eventId, { chamber, updateDate: RECENT, ...overrides });
}

let fake: FakeCongress | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function serve(...args: Parameters<typeof startFakeCongress>): Promise<FakeCongress> {
  fake = await startFakeCongress(...args);
  return fake;
}

/** A source against the fake server whose waits are recorded instead of slept. */
function congressSource(server: FakeCongress, overrides: Partial<CongressSourceOptions> = {}) {
  const sleeps: number[] = [];
  const source = createCongressSource({
    baseUrl: server.baseUrl,
    apiKey: FAKE_API_KEY,
    description: `congress:${server.baseUrl}`,
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    limiter: new RequestRateLimiter({ clock: () => NOW }),
    timeoutMs: 5_000,
    ...overrides,
  });
  return { source, sleeps };
}

async function collect(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const found: SourceItem[] = [];
  for await (const item of items) found.push(item);
  return found;
}

async function failure(items: AsyncIterable<SourceItem>): Promise<GatehouseError> {
  const error = await collect(items).then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
}

const listRequests = (server: FakeCongress) => server.requests.filter((r) => r.path.split('/').length === 5);
const detailRequests = (server: FakeCongress) => server.requests.filter((r) => r.path.split('/').length === 6);

describe('congress: source against a congress.gov-shaped server', () => {
  it('pages through house, senate and nochamber and yields each meeting’s full detail', async () => {
    const server = await serve({
      house: [1, 2, 3, 4, 5].map((id) => meeting(115530 + id)),
      senate: [meeting(336001, 'Senate')],
      nochamber: [meeting(900001, 'NoChamber'), meeting(900002, 'NoChamber')],
    }, { pageSize: 2 });
    const { source } = congressSource(server);
    const items = await collect(source.items());

    expect(items.map((i) => i.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(items.every((i) => i.error === undefined)).toBe(true);
    expect(items.map((i) => (i.raw as { eventId: string }).eventId)).toEqual(['115531', '115532', '115533', '115534', '115535', '336001', '900001', '900002']);
    expect((items[6]!.raw as { title: string }).title).toBe('Oversight hearing number 900001');
    expect(listRequests(server).map((r) => `${r.path}@${r.query.offset}`)).toEqual([
      '/v3/committee-meeting/119/house@0',
      '/v3/committee-meeting/119/house@2',
      '/v3/committee-meeting/119/house@4',
      // A listing of more than one page is read again from its start for meetings that moved across a page boundary.
      '/v3/committee-meeting/119/house@0',
      '/v3/committee-meeting/119/house@2',
      '/v3/committee-meeting/119/house@4',
      '/v3/committee-meeting/119/senate@0',
      '/v3/committee-meeting/119/nochamber@0',
    ]);
    expect(detailRequests(server).map((r) => r.path)).toContain('/v3/committee-meeting/119/nochamber/900002');
    expect(source.expectedCount).toBeNull();
    expect(source.stats).toMatchObject({ listPages: 8, detailsFetched: 8, fetchErrors: 0, requests: 16, listedOnLaterPass: 0 });
  });

  it('asks for the lookback window as YYYY-MM-DDTHH:MM:SSZ, 250 a page, in JSON', async () => {
    const server = await serve({ house: [meeting(115538)] });
    const { source } = congressSource(server, { lookbackDays: 3 });
    await collect(source.items());
    for (const request of listRequests(server)) {
      expect(request.query).toMatchObject({
        fromDateTime: '2025-03-07T12:00:00Z',
        toDateTime: '2025-03-10T12:00:00Z',
        limit: '250',
        offset: '0',
        format: 'json',
        api_key: FAKE_API_KEY,
      });
    }
    expect(listRequests(server)).toHaveLength(3);
  });

  it('fetches details only for meetings updated inside the lookback window', async () => {
    const server = await serve({ house: [meeting(1001), meeting(1002, 'House', { updateDate: '2025-01-02T00:00:00Z' }), meeting(1003)] });
    const { source } = congressSource(server);
    const items = await collect(source.items());
    expect(items.map((i) => (i.raw as { eventId: string }).eventId)).toEqual(['1001', '1003']);
    expect(detailRequests(server).map((r) => r.path)).not.toContain('/v3/committee-meeting/119/house/1002');
    expect(source.stats.outsideWindow).toBe(1);
  });

  it('resumes past skipped positions without fetching their details', async () => {
    const server = await serve({ house: [1, 2, 3, 4].map((id) => meeting(2000 + id)) });
    const { source } = congressSource(server);
    const items = await collect(source.items({ skip: 3 }));
    expect(items.map((i) => i.position)).toEqual([3]);
    expect(detailRequests(server).map((r) => r.path)).toEqual(['/v3/committee-meeting/119/house/2004']);
  });

  it.each([
    ['delay-seconds', '7', 7_000],
    ['an HTTP-date', new Date(NOW.getTime() + 5_000).toUTCString(), 5_000],
  ])('waits out a 429 whose Retry-After is %s, then carries on', async (_form, retryAfter, waitedMs) => {
    const server = await serve({ house: [meeting(3001)] });
    let limited = false;
    server.override = (request) => {
      if (limited || !request.path.endsWith('/house')) return undefined;
      limited = true;
      return { status: 429, headers: { 'retry-after': retryAfter }, body: { error: 'slow down' } };
    };
    const { source, sleeps } = congressSource(server);
    const items = await collect(source.items());
    expect(items).toHaveLength(1);
    expect(items[0]!.error).toBeUndefined();
    expect(sleeps).toEqual([waitedMs]);
  });

  it('retries a 500 with growing backoff and fails the run honestly when the list never recovers', async () => {
    const server = await serve({ house: [meeting(4001)] });
    server.override = () => ({ status: 500, body: 'oops' });
    const { source, sleeps } = congressSource(server, { maxRetries: 3, retryBaseMs: 100 });
    const error = await failure(source.items());
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/GET \/v3\/committee-meeting\/119\/house\?.* answered HTTP 500.*gave up after 4 attempts/);
    expect(error.message).not.toContain(FAKE_API_KEY);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('opens the circuit after five details in a row fail, and stops asking, yielding none of the five: the server failed, not those meetings', async () => {
    const server = await serve({ house: [1, 2, 3, 4, 5, 6, 7].map((id) => meeting(5000 + id)) });
    server.override = (request) => (request.path.split('/').length === 6 ? { status: 503 } : undefined);
    const { source } = congressSource(server, { maxRetries: 1 });
    const yielded: SourceItem[] = [];
    const error = await (async () => {
      for await (const item of source.items()) yielded.push(item);
    })().then(() => undefined, (thrown: unknown) => thrown as GatehouseError);

    expect(yielded).toEqual([]);
    expect(source.stats.fetchErrors).toBe(0);
    expect(error?.code).toBe('SOURCE_FETCH_FAILED');
    expect(error?.message).toMatch(/circuit breaker/);
    expect(error?.message).toMatch(/5 requests in a row failed/);
    // Five details × two attempts each; the sixth never reached the server.
    expect(detailRequests(server)).toHaveLength(10);
  });

  it('gives up on a response that never comes after the per-request timeout', async () => {
    const server = await serve({ house: [meeting(6001)] });
    server.override = () => ({ hang: true });
    const { source } = congressSource(server, { timeoutMs: 150, maxRetries: 1 });
    const error = await failure(source.items());
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/timed out after 150 ms/);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on a detail whose body starts and never finishes after the per-request timeout, and quarantines that meeting alone', async () => {
    const server = await serve({ house: [meeting(6101), meeting(6102), meeting(6103)] });
    server.override = (request) => (request.path.endsWith('/6102') ? { body: JSON.stringify({ committeeMeeting: meeting(6102) }), stall: true } : undefined);
    // Long enough for the answers that do finish on a loaded machine: the stalled one costs two of it.
    const items = await collect(congressSource(server, { timeoutMs: 1_000, maxRetries: 1 }).source.items());

    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'FETCH_FAILED', 'ok']);
    expect(items[1]!.error!.message).toMatch(/^detail of meeting 6102 could not be fetched: GET \/v3\/committee-meeting\/119\/house\/6102\?format=json timed out after 1000 ms \(gave up after 2 attempts\)$/);
    expect(detailRequests(server).filter((request) => request.path.endsWith('/6102'))).toHaveLength(2);
  });

  it('fails with the URL path, not the key, when a list page is malformed JSON', async () => {
    const server = await serve({ house: [meeting(7001)] });
    server.override = (request) => (request.path.endsWith('/house') ? { body: '{"committeeMeetings": [' } : undefined);
    const { source } = congressSource(server);
    const error = await failure(source.items());
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/malformed JSON for GET \/v3\/committee-meeting\/119\/house\?/);
    expect(error.message).not.toContain(FAKE_API_KEY);
    expect(error.message).not.toContain('api_key');
  });

  it('fails a list page that has no committeeMeetings array instead of reading it as empty', async () => {
    const server = await serve({});
    server.override = () => ({ body: { error: 'changed shape' } });
    const error = await failure(congressSource(server).source.items());
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/without a committeeMeetings list/);
  });

  it('refuses the run when the key is refused, without retrying', async () => {
    const server = await serve({ house: [meeting(8001)] });
    const { source } = congressSource(server, { apiKey: 'wrong-key-123' });
    const error = await failure(source.items());
    expect(error.code).toBe('SOURCE_AUTH_REFUSED');
    expect(error.message).toBe('the API key was refused (HTTP 403)');
    expect(server.requests).toHaveLength(1);
  });

  it('turns a detail that fails into a FETCH_FAILED item carrying the list item, and keeps the others', async () => {
    const server = await serve({ house: [meeting(9001), meeting(9002), meeting(9003)] });
    server.override = (request) => (request.path.endsWith('/9002') ? { status: 500, body: 'detail broke' } : undefined);
    const { source } = congressSource(server, { maxRetries: 2 });
    const items = await collect(source.items());

    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'FETCH_FAILED', 'ok']);
    const failed = items[1]!;
    expect(failed.position).toBe(1);
    expect(failed.raw).toMatchObject({ eventId: '9002', chamber: 'House', updateDate: RECENT });
    expect(failed.raw).not.toHaveProperty('title');
    expect(failed.error?.message).toMatch(/detail of meeting 9002 could not be fetched: .*HTTP 500/);
    expect(failed.error?.message).not.toContain(FAKE_API_KEY);
    expect(source.stats.fetchErrors).toBe(1);
  });

  it('quarantines a detail that is not UTF-8 or is nested too deep as that record alone, keeping the others', async () => {
    const server = await serve({ house: [meeting(9201), meeting(9202), meeting(9203), meeting(9204)] });
    const detail = (eventId: number) => JSON.stringify({ committeeMeeting: meeting(eventId) });
    server.override = (request) => {
      if (request.path.endsWith('/9202')) {
        const [head, tail] = detail(9202).split('Oversight');
        return { body: Buffer.concat([Buffer.from(head!), Buffer.from([0x4f, 0xc3, 0x28]), Buffer.from(tail!)]) };
      }
      if (request.path.endsWith('/9203')) return { body: detail(9203).replace('"witnesses":', `"witnesses":${'['.repeat(5_000)}${']'.repeat(5_000)},"x":`) };
      return undefined;
    };
    const items = await collect(congressSource(server).source.items());
    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'INVALID_UTF8', 'TOO_DEEP', 'ok']);
    expect(items[1]!.error!.message).toMatch(/detail of meeting 9202 could not be fetched: Congress.gov sent bytes that are not UTF-8/);
    expect(items[1]!.raw).toMatchObject({ eventId: '9202' });
    expect(items[2]).toMatchObject({ position: 2, eventId: '9203', raw: expect.stringContaining('"…"') });
  });

  it('quarantines a detail as INVALID_UTF8 when its bad bytes come on a retry after a 503, not as a plain fetch failure', async () => {
    const server = await serve({ house: [meeting(9211), meeting(9212)] });
    const [head, tail] = JSON.stringify({ committeeMeeting: meeting(9212) }).split('Oversight');
    let asked = 0;
    server.override = (request) => {
      if (!request.path.endsWith('/9212')) return undefined;
      return ++asked === 1 ? { status: 503 } : { body: Buffer.concat([Buffer.from(head!), Buffer.from([0xff]), Buffer.from(tail!)]) };
    };
    const items = await collect(congressSource(server).source.items());
    expect(asked).toBe(2);
    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'INVALID_UTF8']);
    expect(items[1]!.error!.message).toMatch(/not UTF-8 .*\(gave up after 2 attempts\)/);
  });

  it('quarantines a detail answered with an HTML error page and status 200 as FETCH_FAILED, saying it was an HTML page, not malformed JSON', async () => {
    const server = await serve({ house: [meeting(9301), meeting(9302), meeting(9303)] });
    server.override = (request) => (request.path.endsWith('/9302') ? { body: '<html><body>Service unavailable</body></html>', headers: { 'content-type': 'text/html; charset=utf-8' } } : undefined);
    const items = await collect(congressSource(server, { maxRetries: 1 }).source.items());

    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'FETCH_FAILED', 'ok']);
    expect(items[1]!.error!.message).toBe('detail of meeting 9302 could not be fetched: Congress.gov sent a text/html page (HTTP 200) instead of JSON for GET /v3/committee-meeting/119/house/9302?format=json (gave up after 2 attempts)');
    expect(items[1]!.raw).toMatchObject({ eventId: '9302' });
  });

  it('counts a detail answered without a committeeMeeting object as a fetch error', async () => {
    const server = await serve({ house: [meeting(9101)] });
    server.override = (request) => (request.path.endsWith('/9101') ? { body: { request: {} } } : undefined);
    const items = await collect(congressSource(server).source.items());
    expect(items[0]!.error).toEqual({ code: 'FETCH_FAILED', message: 'the detail of meeting 9101 has no committeeMeeting object' });
  });

  it('passes a list item without an eventId on to the record rules instead of dropping it', async () => {
    const server = await serve({});
    server.override = (request) =>
      request.path.endsWith('/house') ? { body: { committeeMeetings: [{ chamber: 'House', updateDate: RECENT }], pagination: { count: 1 } } } : undefined;
    const items = await collect(congressSource(server).source.items());
    // Keyed by a digest of the entry, so a resume skips it once handled (it has no eventId to go by).
    expect(items).toEqual([{ position: 0, raw: { chamber: 'House', updateDate: RECENT }, key: expect.stringMatching(/^entry:[0-9a-f]{32}$/) }]);
    expect(detailRequests(server)).toHaveLength(0);
  });
});

describe('congress: spec and options', () => {
  it('keeps the API key out of the description and of every error', async () => {
    const server = await serve({ house: [meeting(1)] });
    const opened = await openSource(`congress:${server.baseUrl}`, { now: () => NOW, apiKey: 'spec-secret-42' });
    expect(opened.description).toBe(`congress:${server.baseUrl}`);
    const error = await failure(opened.items());
    expect(error.code).toBe('SOURCE_AUTH_REFUSED');
    expect(JSON.stringify({ message: error.message, hint: error.hint })).not.toContain('spec-secret-42');
  });

  it('reads the key from GATEHOUSE_CONGRESS_API_KEY and defaults to the public API', async () => {
    const saved = process.env.GATEHOUSE_CONGRESS_API_KEY;
    process.env.GATEHOUSE_CONGRESS_API_KEY = 'env-secret-99';
    try {
      const opened = await openSource('congress:', { now: () => NOW });
      expect(opened.description).toBe('congress:https://api.congress.gov/v3');
      expect(opened.description).not.toContain('env-secret-99');
      expect(opened).toMatchObject({ congress: 119 });
    } finally {
      if (saved === undefined) delete process.env.GATEHOUSE_CONGRESS_API_KEY;
      else process.env.GATEHOUSE_CONGRESS_API_KEY = saved;
    }
  });

  it('refuses to open without an API key', async () => {
    const saved = process.env.GATEHOUSE_CONGRESS_API_KEY;
    delete process.env.GATEHOUSE_CONGRESS_API_KEY;
    try {
      const error = await openSource('congress:https://api.congress.gov/v3').catch((thrown: unknown) => thrown as GatehouseError);
      expect(error).toMatchObject({ code: 'USAGE', message: 'congress: needs an API key', hint: 'set GATEHOUSE_CONGRESS_API_KEY' });
    } finally {
      if (saved !== undefined) process.env.GATEHOUSE_CONGRESS_API_KEY = saved;
    }
  });

  it.each([
    ['congress:ftp://example.com/v3', {}, /must be http or https/],
    ['congress:not a url', {}, /must be an http\(s\) URL/],
    ['congress:https://user:pw@example.com/v3', {}, /no query, fragment or credentials/],
    ['congress:https://example.com/v3?limit=5', {}, /no query, fragment or credentials/],
    ['congress:', { lookbackDays: 0 }, /lookback days must be a whole number from 1 to 90, got 0/],
    ['congress:', { lookbackDays: 91 }, /from 1 to 90, got 91/],
    ['congress:', { lookbackDays: 1.5 }, /from 1 to 90, got 1.5/],
    ['congress:', { congress: 0 }, /congress must be a whole number from 1 to 120, got 0/],
    ['congress:', { congress: 500 }, /got 500/],
  ])('refuses %s %o as a usage error', async (spec, options, message) => {
    const error = await openSource(spec, { apiKey: 'k', now: () => NOW, ...options }).catch((thrown: unknown) => thrown as GatehouseError);
    expect(error).toBeInstanceOf(GatehouseError);
    expect(error).toMatchObject({ code: 'USAGE' });
    expect((error as GatehouseError).message).toMatch(message);
  });

  it('lists the Congress it is asked for', async () => {
    const server = await serve({ house: [meeting(1)] });
    const { source } = congressSource(server, { congress: 118, lookbackDays: 90 });
    await collect(source.items());
    expect(listRequests(server)[0]!.path).toBe('/v3/committee-meeting/118/house');
    expect(listRequests(server)[0]!.query.fromDateTime).toBe('2024-12-10T12:00:00Z');
  });
});

describe('congress: retry limits', () => {
  it('does not sit out a Retry-After longer than it is allowed to wait', async () => {
    const server = await serve({ house: [meeting(1)] });
    server.override = () => ({ status: 429, headers: { 'retry-after': '7200' } });
    const { source, sleeps } = congressSource(server, { maxRetryAfterMs: 60_000 });
    const error = await failure(source.items());
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/HTTP 429.*asked to wait 7200 s, longer than 60 s/);
    expect(sleeps).toEqual([]);
  });

  it('stops a request once its Retry-After waits would add up past 15 minutes, saying how long it waited and why, instead of an hour of silence', async () => {
    const server = await serve({ house: [meeting(1)] });
    server.override = () => ({ status: 429, headers: { 'retry-after': '900' } });
    const { source, sleeps } = congressSource(server);
    const error = await failure(source.items());
    expect(error.message).toMatch(/^Congress\.gov is rate-limiting GET \/v3\/committee-meeting\/119\/house\?.* \(HTTP 429\); stopped after 2 attempts and 900 s of waiting between them: a further 900 s would pass the 900 s one request may wait$/);
    expect(sleeps).toEqual([900_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('keeps to a wait budget set in its options, backoff and Retry-After counted together', async () => {
    const server = await serve({ house: [meeting(1)] });
    server.override = () => ({ status: 503, headers: { 'retry-after': '30' }, body: 'busy' });
    const { source, sleeps } = congressSource(server, { maxWaitPerRequestMs: 100_000, maxRetries: 10 });
    const error = await failure(source.items());
    expect(error.message).toMatch(/answered HTTP 503 Service Unavailable; stopped after 4 attempts and 90 s of waiting between them: a further 30 s would pass the 100 s one request may wait$/);
    expect(sleeps).toEqual([30_000, 30_000, 30_000]);
  });
});

describe('congress: Retry-After that is not plain delay-seconds', () => {
  it.each([
    ['seconds with a fraction', '1.5', 1_500],
    ['a negative number (the backoff instead)', '-3', 250],
    // A server clock behind ours: waiting 0 would send every attempt within a second.
    ['an HTTP-date already past (the backoff instead)', new Date(NOW.getTime() - 60_000).toUTCString(), 250],
  ])('waits out a 503 whose Retry-After is %s before asking again', async (_form, retryAfter, waitedMs) => {
    const server = await serve({ house: [meeting(3101)] });
    let refused = false;
    server.override = (request) => {
      if (refused || !request.path.endsWith('/3101')) return undefined;
      refused = true;
      return { status: 503, headers: { 'retry-after': retryAfter }, body: 'busy' };
    };
    const { source, sleeps } = congressSource(server, { retryBaseMs: 250 });
    const items = await collect(source.items());
    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok']);
    expect(sleeps).toEqual([waitedMs]);
  });
});

describe('congress: redirects', () => {
  it('does not follow a detail redirected to another port of its host, whom the API key would reach in the URL', async () => {
    const elsewhere = await startFakeCongress({ house: [meeting(9302)] });
    try {
      const server = await serve({ house: [meeting(9301), meeting(9302), meeting(9303)] });
      server.override = (request) => (request.path.endsWith('/9302')
        ? { status: 302, headers: { location: `${elsewhere.baseUrl}/committee-meeting/119/house/9302?format=json&api_key=${FAKE_API_KEY}` } }
        : undefined);
      const { source } = congressSource(server, { maxRetries: 2 });
      const items = await collect(source.items());

      expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'FETCH_FAILED', 'ok']);
      expect(items[1]!.error?.message).toMatch(/redirected to another port on the same host \(http:\/\/127\.0\.0\.1:\d+\), which is not sent the API key/);
      expect(elsewhere.requests).toEqual([]);
      // Asking again would be redirected again.
      expect(detailRequests(server).filter((r) => r.path.endsWith('/9302'))).toHaveLength(1);
    } finally {
      await elsewhere.close();
    }
  });

  it('names a redirect to another host as one, and does not follow it', async () => {
    const elsewhere = await startFakeCongress({ house: [meeting(9332)] });
    try {
      const server = await serve({ house: [meeting(9331), meeting(9332)] });
      const otherHost = elsewhere.baseUrl.replace('127.0.0.1', 'localhost');
      server.override = (request) => (request.path.endsWith('/9332') ? { status: 301, headers: { location: `${otherHost}/committee-meeting/119/house/9332?format=json` } } : undefined);
      const { source } = congressSource(server);
      const items = await collect(source.items());

      expect(items[1]!.error?.message).toMatch(/redirected to another host \(http:\/\/localhost:\d+\), which is not sent the API key/);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('fails a detail at once on a Location that is no URL, instead of retrying it as a network error', async () => {
    const server = await serve({ house: [meeting(9341), meeting(9342)] });
    server.override = (request) => (request.path.endsWith('/9342') ? { status: 302, headers: { location: 'http://[::1' } } : undefined);
    const { source, sleeps } = congressSource(server, { maxRetries: 3 });
    const items = await collect(source.items());

    expect(items[1]!.error?.message).toMatch(/house\/9342\?format=json was redirected to a Location that is no URL \("http:\/\/\[::1"\)$/);
    expect(detailRequests(server).filter((r) => r.path.endsWith('/9342'))).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('sends its own key after a same-host redirect whose Location names another', async () => {
    const server = await serve({ house: [meeting(9351)] });
    server.override = (request) => (request.path.endsWith('/9351') && request.query.moved === undefined
      ? { status: 308, headers: { location: `${request.path}?format=json&moved=1&api_key=someone-elses-key` } }
      : undefined);
    const { source } = congressSource(server);
    await collect(source.items());

    expect(server.requests.filter((r) => r.query.moved === '1').map((r) => r.query.api_key)).toEqual([FAKE_API_KEY]);
  });

  it('gives up on a list page that redirects to itself after a few hops, without retrying the loop', async () => {
    const server = await serve({ house: [meeting(9311)] });
    server.override = (request) => ({ status: 301, headers: { location: `${request.path}?${new URLSearchParams(request.query).toString()}` } });
    const { source, sleeps } = congressSource(server, { maxRetries: 3 });
    const error = await failure(source.items());

    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/committee-meeting\/119\/house\?.* was redirected more than 5 times/);
    expect(error.message).not.toContain(FAKE_API_KEY);
    expect(server.requests).toHaveLength(6);
    expect(sleeps).toEqual([]);
    expect(source.stats.requests).toBe(6);
  });

  it('follows a redirect on the same host that drops the key, sending the key again instead of reading a refusal', async () => {
    const server = await serve({ house: [meeting(9321), meeting(9322)] });
    server.override = (request) => (request.path.endsWith('/9322') && request.query.moved === undefined
      ? { status: 307, headers: { location: `${request.path}?format=json&moved=1` } }
      : undefined);
    const { source } = congressSource(server);
    const items = await collect(source.items());

    expect(items.map((i) => i.error?.code ?? (i.raw as { eventId: string }).eventId)).toEqual(['9321', '9322']);
    expect(server.requests.filter((r) => r.query.moved === '1').map((r) => r.query.api_key)).toEqual([FAKE_API_KEY]);
  });
});

describe('congress: Retry-After as an HTTP-date', () => {
  it('stops instead of waiting for a date decades away, saying how long it was asked to wait', async () => {
    const server = await serve({ house: [meeting(3211), meeting(3212)] });
    server.override = (request) => (request.path.endsWith('/3211') ? { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2099 00:00:00 GMT' }, body: 'busy' } : undefined);
    const { source, sleeps } = congressSource(server);
    const error = await failure(source.items());
    expect(error.message).toMatch(/^GET \/v3\/committee-meeting\/119\/house\/3211\?format=json answered HTTP 503 Service Unavailable; it asked to wait \d{10} s, longer than 900 s$/);
    expect(sleeps).toEqual([]);
    expect(detailRequests(server).map((r) => r.path)).toEqual(['/v3/committee-meeting/119/house/3211']);
  });
});

describe('congress: pagination it is handed', () => {
  const listEntry = (eventId: number, updateDate = RECENT) => ({ eventId: String(eventId), congress: 119, chamber: 'House', updateDate });

  it('pages by its own offset, never by the next link: one naming another host is sent nothing, the key least of all', async () => {
    const elsewhere = await startFakeCongress({ house: [meeting(3301)] });
    try {
      const server = await serve({ house: [3301, 3302, 3303].map((id) => meeting(id)) });
      server.override = (request) => {
        if (!request.path.endsWith('/house')) return undefined;
        if (request.query.offset !== '0') return { body: { committeeMeetings: [listEntry(3303)], pagination: { count: 3 } } };
        return { body: { committeeMeetings: [listEntry(3301), listEntry(3302)], pagination: { count: 3, next: `${elsewhere.baseUrl}/committee-meeting/119/house?offset=0&limit=250` } } };
      };
      const items = await collect(congressSource(server).source.items());

      expect(items.map((i) => (i.raw as { eventId: string }).eventId)).toEqual(['3301', '3302', '3303']);
      expect(elsewhere.requests).toEqual([]);
      expect(listRequests(server).filter((r) => r.path.endsWith('/house')).map((r) => r.query.offset)).toEqual(['0', '2', '0', '2']);
    } finally {
      await elsewhere.close();
    }
  });

  it('fetches a meeting listed on two pages with different updateDates once, and says it was listed twice', async () => {
    const server = await serve({ house: [3311, 3312, 3313, 3314].map((id) => meeting(id)) });
    server.override = (request) => {
      if (!request.path.endsWith('/house')) return undefined;
      // Updated again between the two pages, it moved down the list and is listed a second time.
      const page = request.query.offset === '0' ? [listEntry(3311), listEntry(3312)] : [listEntry(3312, '2025-03-09T18:00:00Z'), listEntry(3313), listEntry(3314)];
      return { body: { committeeMeetings: page, pagination: { count: 5 } } };
    };
    const { source } = congressSource(server);
    const items = await collect(source.items());

    expect(items.map((i) => i.error?.code ?? (i.raw as { eventId: string }).eventId)).toEqual(['3311', '3312', '3313', '3314']);
    expect(detailRequests(server).filter((r) => r.path.endsWith('/3312'))).toHaveLength(1);
    expect(source.warnings?.()).toEqual([{ code: 'LISTED_TWICE', count: 1, message: expect.stringMatching(/^Congress\.gov listed 1 meeting twice/) }]);
  });
});
