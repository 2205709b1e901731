import http from 'node:http';
import os from 'node:os';
import { afterEach, beforeEach, expect } from 'vitest';
import { createApi, createInProcessEngineHost, startHttpServer, type EngineHost, type RunningServer } from '../../main/api/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import type { TestBackend } from './backends.js';

/** A real HTTP client for `gatehouse serve` tests: what a browser or curl would send, nothing more. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: options.headers }, (res) => {
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
 * Reads the SSE stream of a server: every `event: NAME` frame as { name, data }, in order.
 * `stop()` closes the connection.
 */
export function openEventStream(server: RunningServer, cookie: string): { frames: { name: string; data: unknown }[]; ready: Promise<void>; stop(): void } {
  const frames: { name: string; data: unknown }[] = [];
  let req: http.ClientRequest | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Cookie: cookie } }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split('\n\n');
        buffer = parts.pop() ?? '';
        for (const part of parts) {
          const name = /^event: (.+)$/m.exec(part)?.[1];
          const payload = /^data: (.+)$/m.exec(part)?.[1];
          if (name !== undefined && payload !== undefined) frames.push({ name, data: JSON.parse(payload) });
        }
      });
      resolve();
    });
    req.on('error', (error) => reject(error));
    req.end();
  });
  return { frames, ready, stop: () => req?.destroy() };
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

/** What `servedPerTest` opens for each test: a fresh store, its in-process engine and `gatehouse serve`'s HTTP server over them. */
export interface ServedStore {
  store: Store;
  engine: EngineHost;
  server: RunningServer;
}

/** Opens a fresh served store before each test of the calling block and closes it after; read its parts inside the tests. */
export function servedPerTest(backend: TestBackend): ServedStore {
  const served = {} as ServedStore;
  beforeEach(async () => {
    const location = await backend.freshLocation();
    served.store = await backend.open(location);
    served.engine = createInProcessEngineHost({ location });
    served.server = await startHttpServer({ handlers: createApi({ store: served.store, engine: served.engine, transport: 'http' }), engine: served.engine, staticRoot: null });
  });
  afterEach(async () => {
    await served.server.close();
    await served.engine.close();
    await served.store.close();
    await backend.cleanup();
  });
  return served;
}
