import crypto from 'node:crypto';
import http from 'node:http';
import type { ApiHandlers } from '../../shared/api.js';
import type { RunEvent } from '../../shared/run.js';
import { rendererFile } from './renderer-files.js';
import { dispatch, httpStatusOf } from './dispatch.js';
import type { EngineHost } from './engine-host.js';

export interface HttpServerOptions {
  handlers: ApiHandlers;
  engine: EngineHost;
  /** The built renderer (renderer/dist); null serves the API only. */
  staticRoot: string | null;
  /** 0 picks a free port. */
  port?: number;
  /** Tests pass a fixed token; otherwise 32 random bytes. */
  token?: string;
}

export interface RunningServer {
  port: number;
  token: string;
  /** The one URL that carries the token; printed once. */
  url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const COOKIE = 'gatehouse_token';
const MAX_BODY_BYTES = 1_000_000;
const SSE_KEEPALIVE_MS = 15_000;

/** The same policy as the CSP meta tag in renderer/index.html, plus what only a header can say. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * `gatehouse serve`: the API table over HTTP on 127.0.0.1 only. Every request must carry the token
 * (cookie or `Authorization: Bearer`) and come from our own origin; run events stream as SSE.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
  const streams = new Set<http.ServerResponse>();
  let port = 0;
  const server = http.createServer((request, response) => {
    void handle(request, response).catch(() => send(response, 500, 'text/plain; charset=utf-8', 'internal error'));
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${HOST}:${port}`);
    if (!fromOurOrigin(request, port)) return send(response, 403, 'text/plain; charset=utf-8', 'forbidden: requests must come from the Gatehouse console itself');
    if (request.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) return acceptToken(url, response);
    if (!carriesToken(request, token)) return send(response, 401, 'text/plain; charset=utf-8', 'unauthorized: open the URL that `gatehouse serve` printed');
    if (url.pathname === '/api/events' && request.method === 'GET') return openEventStream(response);
    if (url.pathname.startsWith('/api/')) return callApi(request, response, url.pathname.slice('/api/'.length));
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed');
    return serveStatic(options.staticRoot, url.pathname, response);
  }

  function acceptToken(url: URL, response: http.ServerResponse): void {
    if (!sameSecret(url.searchParams.get('token') ?? '', token)) return send(response, 401, 'text/plain; charset=utf-8', 'unauthorized: wrong token');
    // The token leaves the address bar at once and lives on in a cookie scripts cannot read.
    response.writeHead(303, { ...SECURITY_HEADERS, Location: '/', 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`, 'Cache-Control': 'no-store' });
    response.end();
  }

  async function callApi(request: http.IncomingMessage, response: http.ServerResponse, method: string): Promise<void> {
    if (request.method !== 'POST') return send(response, 405, 'text/plain; charset=utf-8', 'use POST');
    let payload: unknown;
    try {
      const body = await readBody(request);
      payload = body.trim() === '' ? undefined : JSON.parse(body);
    } catch (error) {
      const result = { ok: false as const, error: { code: 'INPUT_INVALID' as const, message: `the request body is not JSON: ${(error as Error).message}` } };
      return send(response, 400, 'application/json', JSON.stringify(result));
    }
    const result = await dispatch(options.handlers, method, payload);
    send(response, httpStatusOf(result), 'application/json', JSON.stringify(result));
  }

  function openEventStream(response: http.ServerResponse): void {
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    response.write(': connected\n\n');
    streams.add(response);
    response.on('close', () => streams.delete(response));
  }

  const unsubscribe = options.engine.subscribe((event: RunEvent) => {
    const frame = `event: run\ndata: ${JSON.stringify(event)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });
  const keepalive = setInterval(() => {
    for (const stream of streams) stream.write(': keepalive\n\n');
  }, SSE_KEEPALIVE_MS);
  keepalive.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    async close() {
      unsubscribe();
      clearInterval(keepalive);
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * DNS-rebinding and cross-site defence: the Host must be our loopback address and port, and a
 * browser's Origin (when sent) must be exactly our origin.
 */
function fromOurOrigin(request: http.IncomingMessage, port: number): boolean {
  const allowedHosts = [`${HOST}:${port}`, `localhost:${port}`];
  if (!allowedHosts.includes(request.headers.host ?? '')) return false;
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedHosts.some((host) => origin === `http://${host}`)) return false;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

function carriesToken(request: http.IncomingMessage, token: string): boolean {
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return sameSecret(bearer, token);
  const cookie = (request.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === COOKIE)?.[1];
  return cookie !== undefined && sameSecret(cookie, token);
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function serveStatic(root: string | null, pathname: string, response: http.ServerResponse): void {
  const file = root === null ? null : rendererFile(root, pathname, { fallbackToIndex: true });
  if (file === null) return send(response, 404, 'text/plain; charset=utf-8', 'no console build here: run npm run build:renderer');
  send(response, 200, file.contentType, file.body);
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(body);
}
