import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runUpdate } from '../../main/engine/index.js';
import { createCongressSource, RequestRateLimiter, type CongressSource, type CongressSourceOptions } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { canonicalEventId } from '../../shared/record.js';
import type { RunSummary } from '../../shared/run.js';

/** One request as the fake Congress.gov saw it. */
export interface SeenRequest {
  path: string;
  query: Record<string, string>;
}

export interface FakeReply {
  status?: number;
  /** An object is sent as JSON; a string or Buffer is sent as is (e.g. malformed JSON, bytes that are not UTF-8). */
  body?: unknown;
  headers?: Record<string, string>;
  /** The reason phrase after the status code (Node's default for the status when absent). */
  statusMessage?: string;
  /** Never answer: for timeout tests. */
  hang?: boolean;
  /** Drop the connection without an answer: a connection lost. */
  drop?: boolean;
  /** Send the headers (with the full Content-Length) and half the body, then drop the connection. */
  cutShort?: boolean;
  /** Send the headers (with the full Content-Length) and half the body, then nothing more: a body that never finishes. */
  stall?: boolean;
}

export type FakeHandler = (request: SeenRequest) => FakeReply | undefined;

export interface FakeCongress {
  baseUrl: string;
  requests: SeenRequest[];
  /** Replies returned by `override` win over the feed; return undefined to fall through. */
  override: FakeHandler | null;
  close(): Promise<void>;
}

export const FAKE_API_KEY = 'test-key-7f3a9c';
const CONGRESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * A congress.gov-shaped server on 127.0.0.1 (random port) serving `meetings` (full detail
 * records, keyed by chamber path) as list pages of `pageSize` and detail documents. Like the real
 * API it refuses a wrong key with 403; unlike it, it answers 400 to a date it cannot read (the
 * real one silently ignores it, which is the bug these tests guard against).
 */
export async function startFakeCongress(
  meetings: Partial<Record<'house' | 'senate' | 'nochamber', Record<string, unknown>[]>>,
  /** `byCongress`: list and detail only the meetings whose `congress` is the one in the path, as the real API does. */
  options: { pageSize?: number; byteOrderMark?: boolean; byCongress?: boolean; honourDates?: boolean } = {},
): Promise<FakeCongress> {
  const pageSize = options.pageSize ?? 250;
  const prefix = options.byteOrderMark ? '\uFEFF' : '';
  const requests: SeenRequest[] = [];
  const fake: FakeCongress = { baseUrl: '', requests, override: null, close: async () => {} };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const seen = { path: url.pathname, query: Object.fromEntries(url.searchParams) };
    requests.push(seen);
    const reply = fake.override?.(seen) ?? feedReply(seen, meetings, pageSize, fake.baseUrl, options.byCongress ?? false, options.honourDates ?? false);
    if (reply.hang) return;
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    const body = typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : prefix + JSON.stringify(reply.body ?? {});
    const partly = reply.cutShort === true || reply.stall === true;
    res.writeHead(reply.status ?? 200, reply.statusMessage, { 'content-type': 'application/json', ...(partly ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...reply.headers });
    if (partly) {
      res.write(body.slice(0, body.length >> 1), () => {
        if (reply.cutShort) res.destroy();
      });
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `http://127.0.0.1:${port}/v3`;
  fake.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return fake;
}

function feedReply(
  seen: SeenRequest,
  meetings: Partial<Record<string, Record<string, unknown>[]>>,
  pageSize: number,
  baseUrl: string,
  byCongress: boolean,
  /** List only meetings whose updateDate lies within fromDateTime…toDateTime, as the real API does. */
  honourDates = false,
): FakeReply {
  if (seen.query.api_key !== FAKE_API_KEY) return { status: 403, body: { error: { code: 'API_KEY_INVALID' } } };
  if (seen.query.format !== 'json') return { status: 400, body: { error: 'format=json expected' } };
  const [, , congress, chamber, eventId] = seen.path.split('/').slice(1);
  const records = (meetings[chamber ?? ''] ?? []).filter((r) => !byCongress || r.congress === Number(congress));
  if (eventId !== undefined) {
    // Like the real API, a meeting is found by its number: a record's eventId may be a JSON number or carry
    // leading zeros ("061"), and the client asks for it canonically spelt (/61).
    const record = records.find((r) => canonicalEventId(String(r.eventId)) === canonicalEventId(eventId));
    return record ? { body: { committeeMeeting: record } } : { status: 404, body: { error: 'not found' } };
  }
  const { fromDateTime = '', toDateTime = '' } = seen.query;
  if (!CONGRESS_DATE_TIME.test(fromDateTime) || !CONGRESS_DATE_TIME.test(toDateTime)) {
    return { status: 400, body: { error: `bad date: ${fromDateTime} / ${toDateTime}` } };
  }
  const listed = honourDates ? records.filter((r) => updatedWithin(r.updateDate, fromDateTime, toDateTime)) : records;
  const offset = Number(seen.query.offset ?? 0);
  const limit = Math.min(Number(seen.query.limit ?? 20), pageSize);
  const page = listed.slice(offset, offset + limit).map((r) => ({
    chamber: r.chamber,
    congress: Number(congress),
    eventId: r.eventId,
    updateDate: r.updateDate,
    url: `${baseUrl}/committee-meeting/${congress}/${chamber}/${String(r.eventId)}?format=json`,
  }));
  const next = offset + limit < listed.length
    ? `${baseUrl}/committee-meeting/${congress}/${chamber}?offset=${offset + limit}&limit=${limit}&format=json`
    : undefined;
  return { body: { committeeMeetings: page, pagination: { count: listed.length, ...(next ? { next } : {}) } } };
}

function updatedWithin(updateDate: unknown, from: string, to: string): boolean {
  const at = Date.parse(String(updateDate));
  return at >= Date.parse(from) && at <= Date.parse(to);
}

/** A request for one meeting's detail (`/v3/committee-meeting/119/house/115538`), not a list page. */
export function isDetailRequest(request: SeenRequest): boolean {
  return request.path.split('/').length === 6;
}

/**
 * Calls `stop` when the fake is asked for the `nth` meeting detail from now on, and leaves that
 * request unanswered: a run stopped by it has fetched exactly `nth - 1` details, whether it runs in
 * this process or is a child signalled from here. Any override already set still answers the other
 * requests; the returned function puts it back.
 */
export function stopAtDetail(fake: FakeCongress, nth: number, stop: () => void): () => void {
  const before = fake.override;
  let asked = 0;
  fake.override = (request) => {
    if (!isDetailRequest(request) || ++asked !== nth) return before?.(request);
    stop();
    return { hang: true };
  };
  return () => {
    fake.override = before;
  };
}

/**
 * A Congress.gov source reading the fake on a stopped clock, never sleeping between retries: what the
 * source tests share, so each names only what it varies (retries, lookback, congress).
 */
export function fakeCongressSource(fake: FakeCongress, clock: () => Date, overrides: Partial<CongressSourceOptions> = {}): CongressSource {
  return createCongressSource({
    baseUrl: fake.baseUrl,
    apiKey: FAKE_API_KEY,
    description: `congress:${fake.baseUrl}`,
    now: clock,
    sleep: async () => {},
    limiter: new RequestRateLimiter({ clock }),
    maxRetries: 1,
    ...overrides,
  });
}

/** An update (or, with `resumeRunId`, its resume) from the fake server, the clock stopped at `now`. */
export function updateFromFakeCongress(store: Store, fake: FakeCongress, now: Date, resumeRunId?: number): Promise<RunSummary> {
  return runUpdate({ store, source: fakeCongressSource(fake, () => now), clock: () => now, ...(resumeRunId === undefined ? {} : { resumeRunId }) });
}
