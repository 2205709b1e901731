import http from 'node:http';
import os from 'node:os';
import { afterEach, beforeEach, expect } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, startHttpServer, type EngineHost, type HttpServerOptions, type RunningServer } from '../../main/api/index.js';
import type { Store } from '../../main/store/index.js';
import type { ApiHandlers, ApiInput, ApiMethod, ApiOutput } from '../../shared/api.js';
import type { RunSummary } from '../../shared/run.js';
import type { TestBackend } from './backends.js';
import { tester } from './callers.js';

/** A real HTTP client for `gatehouse serve` tests: what a browser or curl would send, nothing more. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request on a connection of its own: Node's global agent keeps connections alive, and a test
 * that blocks its own event loop (runCli waits synchronously) outlasts the in-process server's
 * keep-alive timeout, so the next request met a socket the server had closed (ECONNRESET).
 */
export function request(port: number, pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a sign-in link as a browser would and returns the session cookie it was given ("name=value"). */
export async function signIn(server: RunningServer, link: string = server.signInUrl()): Promise<string> {
  const url = new URL(link);
  const landing = await request(server.port, `${url.pathname}${url.search}`);
  if (landing.status !== 303) throw new Error(`sign-in failed with HTTP ${landing.status}: ${landing.body}`);
  return String(landing.headers['set-cookie']).split(';')[0]!;
}

/** POST /api/METHOD with a JSON body; `auth` is a cookie ("name=value") or headers of its own. */
export async function callApi<T = unknown>(server: RunningServer, method: string, body: unknown, auth: string | Record<string, string>): Promise<{ status: number; result: { ok: true; data: T } | { ok: false; error: { code: string; message: string } } }> {
  const headers = typeof auth === 'string' ? { Cookie: auth } : auth;
  const reply = await request(server.port, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: reply.status, result: JSON.parse(reply.body) };
}

/** The data of a successful call; a failure throws with its code and message. */
export async function data<T>(server: RunningServer, method: string, body: unknown, auth: string | Record<string, string>): Promise<T> {
  const { status, result } = await callApi<T>(server, method, body, auth);
  if (!result.ok) throw new Error(`${method} failed (HTTP ${status}): ${result.error.code} ${result.error.message}`);
  return result.data;
}

/**
 * Reads the SSE stream of a server: every `event: NAME` frame as { id, name, data }, in order;
 * `lastEventId` reconnects as an EventSource does (`via` 'query': as the console's new EventSource
 * after one closed for good). `closed` says whether the server ended it;
 * `stop()` closes the connection.
 */
export function openEventStream(server: RunningServer, cookie: string, lastEventId?: string, via: 'header' | 'query' = 'header'): { frames: { id: string | null; name: string; data: unknown }[]; ready: Promise<void>; readonly closed: boolean; stop(): void } {
  const frames: { id: string | null; name: string; data: unknown }[] = [];
  let req: http.ClientRequest | null = null;
  let closed = false;
  const headers: Record<string, string> = { Cookie: cookie, ...(lastEventId === undefined || via === 'query' ? {} : { 'Last-Event-ID': lastEventId }) };
  const path = lastEventId !== undefined && via === 'query' ? `/api/events?lastEventId=${encodeURIComponent(lastEventId)}` : '/api/events';
  const ready = new Promise<void>((resolve, reject) => {
    req = http.request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split('\n\n');
        buffer = parts.pop() ?? '';
        for (const part of parts) {
          const id = /^id: (.+)$/m.exec(part)?.[1] ?? null;
          const name = /^event: (.+)$/m.exec(part)?.[1];
          const payload = /^data: (.+)$/m.exec(part)?.[1];
          if (name !== undefined && payload !== undefined) frames.push({ id, name, data: JSON.parse(payload) });
        }
      });
      res.on('close', () => (closed = true));
      resolve();
    });
    req.on('error', (error) => reject(error));
    req.end();
  });
  return { frames, ready, get closed() { return closed; }, stop: () => req?.destroy() };
}

/**
 * Starts a run over HTTP and waits for its summary and for the writer lock to be free again:
 * run-finished comes just before the engine lets go of the lock, and rollback and restore need it.
 */
export async function runToTheEnd(context: { server: RunningServer; engine: EngineHost; store: Store; cookie: string }, source: string, batchSize = 10): Promise<RunSummary> {
  const finished = new Promise<RunSummary>((resolve) => {
    const stop = context.engine.subscribe((event) => {
      if (event.type !== 'run-finished') return;
      stop();
      resolve(event.summary);
    });
  });
  await data(context.server, 'runs.start', { source, batchSize }, context.cookie);
  const summary = await finished;
  await expect.poll(async () => {
    const attempt = await context.store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
    if (attempt.acquired) await context.store.releaseWriterLock();
    return attempt.acquired;
  }).toBe(true);
  return summary;
}

/** A fresh store of the backend and the in-process engine over it, as `gatehouse serve` opens them. */
interface OpenedStore {
  location: string;
  store: Store;
  engine: EngineHost;
}

/** Opens a fresh store and its engine before each test of the calling block, `then` adds to them; all is closed after. */
function openedPerTest<T extends OpenedStore>(backend: TestBackend, then: (opened: T) => Promise<void> | void, close: (opened: T) => Promise<void> = async () => {}): T {
  const opened = {} as T;
  beforeEach(async () => {
    opened.location = await backend.freshLocation();
    opened.store = await backend.open(opened.location);
    opened.engine = createInProcessEngineHost({ location: opened.location });
    await then(opened);
  });
  afterEach(async () => {
    await close(opened);
    await opened.engine.close();
    await opened.store.close();
    await backend.cleanup();
  });
  return opened;
}

/** What `servedPerTest` opens for each test: a fresh store, its in-process engine and `gatehouse serve`'s HTTP server over them. */
export interface ServedStore extends OpenedStore {
  server: RunningServer;
}

/**
 * Opens a fresh served store before each test of the calling block and closes it after; read its parts inside the tests.
 * `serverOptions`: what a test's server has beyond `gatehouse serve`'s defaults (a console build to
 * serve, its own clock, an API operator, an engine stream it feeds itself), given the store and engine just opened.
 */
export function servedPerTest(backend: TestBackend, serverOptions: (opened: OpenedStore) => Partial<HttpServerOptions> = () => ({})): ServedStore {
  return openedPerTest<ServedStore>(
    backend,
    async (served) => {
      served.server = await startHttpServer({ handlers: createApi({ store: served.store, engine: served.engine, transport: 'http' }), engine: served.engine, staticRoot: null, ...serverOptions(served) });
    },
    (served) => served.server.close(),
  );
}

/** What `dispatchedPerTest` opens for each test: the HTTP transport's API handlers over a fresh store, called without a socket. */
export interface DispatchedStore extends OpenedStore {
  api: ApiHandlers;
  /** Calls a method as the tester would; a refusal throws with its code and message. */
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
}

/** Opens a fresh store with its engine and API before each test of the calling block and closes them after. */
export function dispatchedPerTest(backend: TestBackend): DispatchedStore {
  return openedPerTest<DispatchedStore>(backend, (opened) => {
    opened.api = createApi({ store: opened.store, engine: opened.engine, transport: 'http', databaseLocation: opened.location });
    opened.call = async (method, input) => {
      const result = await dispatch(opened.api, method, input, tester);
      if (!result.ok) throw new Error(`${method} refused: ${result.error.code} ${result.error.message}`);
      return result.data as ApiOutput<typeof method>;
    };
  });
}

/** Every page of a keyset list, walked with `after` as the console does, until a page comes back short. */
export async function walkPages<T>(readPage: (after: number | undefined) => Promise<T[]>, cursorOf: (page: T[]) => number, pageSize: number): Promise<T[]> {
  const items: T[] = [];
  for (let after: number | undefined; ; ) {
    const page = await readPage(after);
    items.push(...page);
    if (page.length < pageSize) return items;
    after = cursorOf(page);
  }
}
