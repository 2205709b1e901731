import { isUtf8 } from 'node:buffer';
import { GatehouseError } from '../../../shared/errors.js';
import { parseJsonNotingRepeatedKeys, type ParsedJson } from '../../../shared/json-repeated-keys.js';
import type { RejectionCode } from '../../../shared/record.js';
import type { RunWait } from '../../../shared/run.js';
import { redactKnownSecret, redactSecrets } from '../../../shared/redact.js';
import { logger } from '../../logging/index.js';
import { withoutByteOrderMark } from '../json-syntax.js';
import { formatBytes } from '../record-limits.js';
import { CircuitBreaker } from './breaker.js';
import { processRequestLimiter, type RequestRateLimiter } from './rate-limit.js';
import { realSleep, systemClock, type Sleep } from './timing.js';

export const DEFAULT_CONGRESS_BASE_URL = 'https://api.congress.gov/v3';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** A list page of 250 meetings is about 200 KB; a detail a few KB. Anything far past that is not an answer. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** A moved endpoint redirects once or twice; more is a loop, and each hop spends the hourly quota. */
export const MAX_REDIRECTS = 5;
/** A wait someone watching the run would take for a hang (Retry-After may ask for up to 15 minutes): it is said before it starts. */
export const WAIT_WORTH_SAYING_MS = 10_000;
/**
 * All the waits between one request's attempts together: each Retry-After of up to 15 minutes is
 * sat out, and four of them would keep a run silent for an hour over one meeting. Past this the run
 * stops, to be resumed once the server is willing again.
 */
export const DEFAULT_MAX_WAIT_PER_REQUEST_MS = 15 * 60_000;

const log = logger('congress');

export interface CongressClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Per attempt, headers and body together. */
  timeoutMs?: number;
  /** Further attempts after the first, for 429, 5xx, timeouts and network errors. */
  maxRetries?: number;
  /** Backoff before retry n (0-based) is retryBaseMs × 2ⁿ, capped at retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A Retry-After longer than this is not waited for: the request fails instead. */
  maxRetryAfterMs?: number;
  /** The waits between one request's attempts, together, may not pass this (default `DEFAULT_MAX_WAIT_PER_REQUEST_MS`). */
  maxWaitPerRequestMs?: number;
  /** A wait between attempts this long or longer is logged and told to `watchWaits` listeners (default `WAIT_WORTH_SAYING_MS`). */
  waitWorthSayingMs?: number;
  /** A body past this many bytes is refused (default `MAX_RESPONSE_BYTES`). */
  maxResponseBytes?: number;
  limiter?: RequestRateLimiter;
  breaker?: CircuitBreaker;
  clock?: () => Date;
  sleep?: Sleep;
  fetch?: typeof fetch;
}

/** Why a request failed; the source decides which failures end the run and which one record. */
export type FetchFailureReason = 'http' | 'timeout' | 'network' | 'malformed' | 'rate-limited' | 'circuit-open' | 'aborted';

export class CongressFetchError extends GatehouseError {
  readonly reason: FetchFailureReason;
  readonly status: number | null;
  /** Set when the answer itself is unusable (too large, not UTF-8): the code its record is quarantined with. */
  readonly rejection: RejectionCode | null;
  /** Set when the server's Retry-After asked for a longer wait than the client allows: no request should follow soon. */
  readonly askedToWaitMs: number | null;

  constructor(reason: FetchFailureReason, message: string, status: number | null = null, rejection: RejectionCode | null = null, askedToWaitMs: number | null = null) {
    super('SOURCE_FETCH_FAILED', redactSecrets(message));
    this.reason = reason;
    this.status = status;
    this.rejection = rejection;
    this.askedToWaitMs = askedToWaitMs;
  }
}

type Attempt =
  | { kind: 'ok'; body: ParsedJson }
  | { kind: 'retry'; error: CongressFetchError; waitMs: number | null; serverFault: boolean }
  | { kind: 'fail'; error: GatehouseError; serverFault: boolean };

/**
 * GET JSON from Congress.gov with everything a long unattended run needs: the shared hourly
 * request quota, a timeout per attempt, retries with backoff (honouring Retry-After), and a
 * circuit breaker. The API key travels only in the request URL; messages show the path without it.
 */
/** Why a quota wait follows another: the request that freed went to another run sharing the key's quota. */
const ANOTHER_TOOK_THE_FREED_REQUEST = 'another run sharing the quota took the request that freed';

export class CongressClient {
  readonly baseUrl: string;
  readonly breaker: CircuitBreaker;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxWaitPerRequestMs: number;
  private readonly maxResponseBytes: number;
  private readonly waitWorthSayingMs: number;
  private readonly waitListeners = new Set<(wait: RunWait | null) => void>();
  private readonly limiter: RequestRateLimiter;
  private readonly clock: () => Date;
  private readonly sleep: Sleep;
  private readonly fetch: typeof fetch;
  /** HTTP requests sent, retries included. */
  requestsSent = 0;

  constructor(options: CongressClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 1_000;
    this.retryMaxMs = options.retryMaxMs ?? 60_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 15 * 60_000;
    this.maxWaitPerRequestMs = options.maxWaitPerRequestMs ?? DEFAULT_MAX_WAIT_PER_REQUEST_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.waitWorthSayingMs = options.waitWorthSayingMs ?? WAIT_WORTH_SAYING_MS;
    this.limiter = options.limiter ?? processRequestLimiter;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.breaker = options.breaker ?? new CircuitBreaker({ clock: this.clock });
  }

  /**
   * The JSON body at `path` (relative to the base URL, e.g. `committee-meeting/119/house`), with the
   * objects of it that repeat a key. No reader gets the value without them: JSON.parse would keep the
   * last of a repeated key in silence (a list page's `next`, a detail's `title`).
   */
  async getParsedJson(path: string, query: Record<string, string | number> = {}, signal?: AbortSignal): Promise<ParsedJson> {
    const url = new URL(`${this.baseUrl}/${path}`);
    for (const [name, value] of Object.entries({ ...query, format: 'json' })) url.searchParams.set(name, String(value));
    const shown = `${url.pathname}${url.search}`;
    url.searchParams.set('api_key', this.apiKey);
    if (!this.breaker.allowRequest()) {
      throw new CongressFetchError(
        'circuit-open',
        `Congress.gov is failing: ${this.breaker.failures} requests in a row failed, so GET ${shown} was not sent (the circuit breaker retries after ${Math.round(this.breaker.coolDownMs / 1000)} s)`,
      );
    }
    let waitedMs = 0;
    // A backoff said to the console stays said through the attempt it leads to: that attempt may stall as the last did.
    let saidUntilAttemptEnds = false;
    try {
      for (let retry = 0; ; retry++) {
        waitedMs += await this.takeQuota(shown, waitedMs, signal);
        const sentAt = this.clock().getTime();
        const attempt = await this.attempt(url, shown, signal);
        if (saidUntilAttemptEnds) this.tellWait(null);
        saidUntilAttemptEnds = false;
        if (attempt.kind === 'ok') {
          this.breaker.recordSuccess();
          return attempt.body;
        }
        if (attempt.kind === 'fail' || retry >= this.maxRetries || exceeds(attempt.waitMs, this.maxRetryAfterMs)) {
          this.settleBreaker(attempt.serverFault, attempt.error);
          const error = withAttempts(attempt.error, retry + 1);
          if (attempt.kind === 'retry' && exceeds(attempt.waitMs, this.maxRetryAfterMs)) {
            const waitMs = attempt.waitMs!;
            throw new CongressFetchError(attempt.error.reason, `${error.message}; it asked to wait ${Math.ceil(waitMs / 1000)} s, longer than ${Math.round(this.maxRetryAfterMs / 1000)} s`, attempt.error.status, null, waitMs);
          }
          throw error;
        }
        // Retry-After is a least wait, never a reason to wait less than the backoff: an HTTP-date already
        // past (a server clock behind ours) reads as 0, and every attempt would go out within a second.
        const backoffMs = Math.min(this.retryBaseMs * 2 ** retry, this.retryMaxMs);
        const waitMs = Math.max(attempt.waitMs ?? 0, backoffMs);
        if (waitedMs + waitMs > this.maxWaitPerRequestMs) {
          this.settleBreaker(attempt.serverFault, attempt.error);
          throw this.pastWaitBudget(attempt.error, retry + 1, waitedMs, waitMs);
        }
        waitedMs += waitMs;
        saidUntilAttemptEnds = await this.retryAfter(attempt.error, waitMs === attempt.waitMs, { waitMs, silentMs: this.clock().getTime() - sentAt + waitMs, path: url.pathname, next: retry + 2 }, signal);
        if (signal?.aborted) throw aborted(shown);
      }
    } finally {
      if (saidUntilAttemptEnds) this.tellWait(null);
    }
  }

  /**
   * Says a retry and sits out its wait. Every retry is one line on the terminal (both output modes:
   * it is stderr), since an attempt that stalled after its headers already kept the run silent for
   * the whole timeout, however short the backoff after it. The console is told when the silence —
   * the failed attempt and the wait together — is worth saying: a Retry-After until it ends, a
   * backoff until the attempt it leads to ends (true: the caller clears it then), with `until` the
   * latest that attempt can end.
   */
  private async retryAfter(error: CongressFetchError, asked: boolean, at: { waitMs: number; silentMs: number; path: string; next: number }, signal: AbortSignal | undefined): Promise<boolean> {
    const { waitMs } = at;
    log.warn(`${error.message}; waiting ${formatSeconds(waitMs)}${asked ? ', as its Retry-After asked,' : ''} before attempt ${at.next} of ${this.maxRetries + 1}`, { path: at.path, waitMs });
    const worthSaying = at.silentMs >= this.waitWorthSayingMs;
    const until = this.clock().getTime() + waitMs + (asked ? 0 : this.timeoutMs);
    if (worthSaying) this.tellWait({ on: 'Congress.gov', until: new Date(until).toISOString(), reason: asked ? 'asked' : 'backoff', cause: failureInFewWords(error) });
    try {
      await this.sleep(waitMs, signal);
    } catch (stopped) {
      if (worthSaying) this.tellWait(null);
      throw stopped;
    }
    if (worthSaying && asked) this.tellWait(null);
    return worthSaying && !asked;
  }

  /**
   * One request's share of the hourly quota. A spent quota holds the request until its oldest request
   * is an hour old, up to an hour: said as a Retry-After's wait is, and counted against the same budget,
   * so a run allowed 15 min of waiting per request stops to be resumed rather than sit an hour unsaid.
   * Another run sharing the quota (the same process: the console's task run beside a staging trial's)
   * may take the request that freed first: the next wait is said and counted the same way, saying so.
   * Returns how long it waited.
   */
  private async takeQuota(shown: string, waitedMs: number, signal: AbortSignal | undefined): Promise<number> {
    let waited = 0;
    for (let takenByAnother = false; ; takenByAnother = true) {
      if (signal?.aborted) throw aborted(shown);
      if (this.limiter.tryAcquire()) return waited;
      const waitMs = this.limiter.msUntilFree();
      const lastHour = `${this.limiter.limit} requests in the last hour`;
      const cause = takenByAnother ? ANOTHER_TOOK_THE_FREED_REQUEST : lastHour;
      const spent = `the hourly quota of ${this.limiter.limit} Congress.gov requests is spent${takenByAnother ? ` (${ANOTHER_TOOK_THE_FREED_REQUEST})` : ''}`;
      if (waitedMs + waited + waitMs > this.maxWaitPerRequestMs) {
        const message = `${spent}, so GET ${shown} was not sent: waiting ${formatSeconds(waitMs)} for it would pass the ${formatSeconds(this.maxWaitPerRequestMs)} one request may wait`;
        throw new CongressFetchError('rate-limited', message, null, null, waitMs);
      }
      const worthSaying = waitMs >= this.waitWorthSayingMs;
      if (worthSaying) {
        const until = new Date(this.clock().getTime() + waitMs).toISOString();
        log.warn(`${spent}; waiting on Congress.gov until ${until} (${formatSeconds(waitMs)}) before GET ${shown}`, { waitMs });
        this.tellWait({ on: 'Congress.gov', until, reason: 'quota', cause });
      }
      try {
        await this.limiter.waitFor(waitMs, signal);
      } finally {
        if (worthSaying) this.tellWait(null);
      }
      waited += waitMs;
    }
  }

  /**
   * A request whose next wait would take its waits past the budget. `askedToWaitMs` is set, so the
   * source ends the run instead of asking for the next meeting at once, which the server just refused.
   */
  private pastWaitBudget(error: CongressFetchError, attempts: number, waitedMs: number, nextWaitMs: number): CongressFetchError {
    const budget = `would pass the ${formatSeconds(this.maxWaitPerRequestMs)} one request may wait`;
    const stopped = waitedMs === 0
      ? `stopped after 1 attempt: waiting ${formatSeconds(nextWaitMs)} ${budget}`
      : `stopped after ${attempts} attempts and ${formatSeconds(waitedMs)} of waiting between them: a further ${formatSeconds(nextWaitMs)} ${budget}`;
    const message = `${error.message}; ${stopped}`;
    return new CongressFetchError(error.reason, message, error.status, null, nextWaitMs);
  }

  /**
   * Tells `listener` of each wait worth saying as it starts, and `null` as it ends (the next attempt
   * goes out, or the run stopped): a console watching the run shows it instead of a run that looks
   * hung. Returns the unsubscribe.
   */
  watchWaits(listener: (wait: RunWait | null) => void): () => void {
    this.waitListeners.add(listener);
    return () => this.waitListeners.delete(listener);
  }

  private tellWait(wait: RunWait | null): void {
    // A broken listener must not turn a retry into a failed request.
    for (const listener of this.waitListeners) {
      try {
        listener(wait);
      } catch {
        /* ignored on purpose */
      }
    }
  }

  private settleBreaker(serverFault: boolean, error: GatehouseError): void {
    if (serverFault) this.breaker.recordFailure();
    else if (error instanceof CongressFetchError && (error.reason === 'rate-limited' || error.reason === 'aborted')) this.breaker.recordNeutral();
    // The server answered sensibly (a 404, a refused key): it is up.
    else this.breaker.recordSuccess();
  }

  private async attempt(url: URL, shown: string, signal: AbortSignal | undefined): Promise<Attempt> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const forwardAbort = () => controller.abort();
    signal?.addEventListener('abort', forwardAbort, { once: true });
    try {
      const response = await this.followRedirects(url, shown, controller.signal, signal);
      if ('kind' in response) return response;
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        return this.failedStatus(response, shown);
      }
      const body = await readBody(response, this.maxResponseBytes);
      if (body === null || !isUtf8(body)) {
        const [problem, code] = body === null ? [`a body larger than ${formatBytes(this.maxResponseBytes)}`, 'OVERSIZE_RECORD' as const] : ['bytes that are not UTF-8', 'INVALID_UTF8' as const];
        const error = new CongressFetchError('malformed', `Congress.gov sent ${problem} for GET ${shown}`, response.status, code);
        return { kind: 'fail', serverFault: true, error };
      }
      try {
        return { kind: 'ok', body: parseJsonNotingRepeatedKeys(withoutByteOrderMark(body.toString('utf8'))) };
      } catch {
        // A body cut short (a gzip stream that ends early) or a proxy's HTML page: asking again usually helps.
        return { kind: 'retry', serverFault: true, waitMs: null, error: new CongressFetchError('malformed', `Congress.gov sent ${notJson(response)} for GET ${shown}`, response.status) };
      }
    } catch (error) {
      if (signal?.aborted) return { kind: 'fail', serverFault: false, error: aborted(shown) };
      if (controller.signal.aborted) {
        return { kind: 'retry', serverFault: true, waitMs: null, error: new CongressFetchError('timeout', `GET ${shown} timed out after ${this.timeoutMs} ms`) };
      }
      const reason = describeNetworkError(error);
      return { kind: 'retry', serverFault: true, waitMs: null, error: new CongressFetchError('network', `GET ${shown} failed: ${reason}`) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  }

  /**
   * Follows redirects by hand: the API key rides in the URL, so fetch's own following would hand it
   * to whatever host a redirect names (it strips only an Authorization header). Each hop is a request
   * of the hourly quota (the first one's share is taken before the attempt's timeout starts). Throws
   * what fetch throws; a stop request while a hop waits for the quota throws `aborted`.
   */
  private async followRedirects(url: URL, shown: string, timeout: AbortSignal, signal: AbortSignal | undefined): Promise<Response | Attempt> {
    let target = url;
    for (let hops = 0; ; hops++) {
      if (hops > 0 && !(await this.limiter.acquire(signal))) throw aborted(shown);
      this.requestsSent++;
      const response = await this.fetch(target, { signal: timeout, headers: { accept: 'application/json' }, redirect: 'manual' });
      const location = isRedirect(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      await response.body?.cancel().catch(() => {});
      const refused = URL.canParse(location, target.href) ? redirectNotFollowed(new URL(location, target), url) : `to a Location that is no URL (${JSON.stringify(location.slice(0, 80))})`;
      if (refused !== null || hops >= MAX_REDIRECTS) {
        const why = refused !== null ? `was redirected ${refused}` : `was redirected more than ${MAX_REDIRECTS} times`;
        return { kind: 'fail', serverFault: true, error: new CongressFetchError('http', `GET ${shown} ${why}`, response.status) };
      }
      target = withApiKey(new URL(location, target), url);
    }
  }

  private failedStatus(response: Response, shown: string): Attempt {
    const status = response.status;
    if (status === 401 || status === 403) {
      return {
        kind: 'fail',
        serverFault: false,
        error: new GatehouseError('SOURCE_AUTH_REFUSED', `the API key was refused (HTTP ${status})`, {
          hint: 'check GATEHOUSE_CONGRESS_API_KEY (sign up at https://api.congress.gov/sign-up/)',
        }),
      };
    }
    if (status === 429) {
      const waitMs = retryAfterMs(response.headers.get('retry-after'), this.clock());
      return { kind: 'retry', serverFault: false, waitMs, error: new CongressFetchError('rate-limited', `Congress.gov is rate-limiting GET ${shown} (HTTP 429)`, status) };
    }
    // The reason phrase is the server's own text, which may name the key it was sent without `api_key=` before it.
    const reason = redactKnownSecret(response.statusText, this.apiKey);
    const error = new CongressFetchError('http', `GET ${shown} answered HTTP ${status}${reason ? ` ${reason}` : ''}`, status);
    if (status >= 500) return { kind: 'retry', serverFault: true, waitMs: retryAfterMs(response.headers.get('retry-after'), this.clock()), error };
    return { kind: 'fail', serverFault: false, error };
  }
}

/**
 * What a body that would not parse was: an error page served with 200 (a proxy's, a maintenance
 * notice) says what it is in its Content-Type, and an operator told "malformed JSON" looks for a bug
 * in the API's JSON instead of at the page.
 */
function notJson(response: Response): string {
  const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === '' || type === 'application/json' || type.endsWith('+json')) return 'malformed JSON';
  return `a ${type.slice(0, 60)} page (HTTP ${response.status}) instead of JSON`;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * Why a redirect from the API at `api` to `target` is not followed, or null when it is: the key
 * rides in the URL, so only the API's own origin gets it — or its host over https, an upgrade. A
 * same-host redirect that dropped the key would otherwise read as a refused key.
 */
function redirectNotFollowed(target: URL, api: URL): string | null {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return `to a ${target.protocol} URL, which is not HTTP`;
  if (target.hostname !== api.hostname) return `to another host (${target.origin}), which is not sent the API key`;
  if (target.protocol === 'http:' && api.protocol === 'https:') return `from https to plain http on the same host (${target.origin}), which would send the API key unencrypted`;
  if (target.origin === api.origin || (api.protocol === 'http:' && target.protocol === 'https:')) return null;
  return `to another port on the same host (${target.origin}), which is not sent the API key`;
}

/** The key is this client's, whatever the Location named: a server does not choose the key it is sent. */
function withApiKey(target: URL, api: URL): URL {
  const next = new URL(target);
  next.searchParams.set('api_key', api.searchParams.get('api_key') ?? '');
  return next;
}

/**
 * The body as bytes, or null once it passes `limit` (the rest is not read): decoding happens after a
 * strict UTF-8 check, so a broken byte fails the request instead of reaching a record as U+FFFD.
 */
async function readBody(response: Response, limit: number): Promise<Buffer | null> {
  if (response.body === null) return Buffer.alloc(0);
  // A body that says up front it is too large is refused before a byte of it is read: read, it would
  // spend the limit's worth of time and quota, and one sent slowly would be waited for until the timeout.
  if (Number(response.headers.get('content-length')) > limit) {
    await response.body.cancel().catch(() => {});
    return null;
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  // Leaving the loop early cancels the rest of the stream.
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    length += chunk.length;
    if (length > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable.
 * Seconds with a fraction are read as meant. Every HTTP-date names its month: without a letter the
 * text is no date, though Date.parse reads "1.5" or "-3" as days of 2001 — a wait of 0 that skipped
 * the backoff and retried at once.
 */
export function retryAfterMs(header: string | null, now: Date): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

function formatSeconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}

function exceeds(waitMs: number | null, limitMs: number): boolean {
  return waitMs !== null && waitMs > limitMs;
}

function withAttempts(error: GatehouseError, attempts: number): GatehouseError {
  if (!(error instanceof CongressFetchError) || attempts === 1) return error;
  // What the last answer said about the record (its rejection) and the server (its wait) stays with it.
  return new CongressFetchError(error.reason, `${error.message} (gave up after ${attempts} attempts)`, error.status, error.rejection, error.askedToWaitMs);
}

function aborted(shown: string): CongressFetchError {
  return new CongressFetchError('aborted', `GET ${shown} was stopped`);
}

/**
 * undici's "fetch failed" hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. A body that
 * failed while it was read says only "terminated": an operator reads what happened to it instead,
 * with the code for whoever looks deeper — a body cut short, or one its Content-Encoding lied about
 * (a zlib code: "gzip" declared over a plain body).
 */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : null;
  if (detail !== null && detail.startsWith('Z_')) return `the body could not be decoded as its Content-Encoding header declared (${detail})`;
  if (error.message === 'terminated') return `the connection closed part-way through the body${detail === null ? '' : ` (${detail})`}`;
  return detail === null ? error.message : `${error.message} (${detail})`;
}

/** What a failed attempt got, as a wait's cause: `HTTP 503`, `a timeout`, `a network error`. */
function failureInFewWords(error: CongressFetchError): string {
  // A body that is not JSON came with a 200: its status would say nothing went wrong.
  if (error.reason === 'malformed') return 'an answer that is not JSON';
  if (error.status !== null) return `HTTP ${error.status}`;
  if (error.reason === 'timeout') return 'a timeout';
  return 'a network error';
}
