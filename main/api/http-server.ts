import http from 'node:http';
import { GatehouseError } from '../../shared/errors.js';
import { counted } from '../../shared/plural.js';
import { MAX_UPLOAD_BYTES, type ApiCaller, type ApiHandlers, type ConsoleEvent } from '../../shared/api.js';
import { osUserCaller } from './caller.js';
import { dispatch, httpStatusOf } from './dispatch.js';
import type { EngineHost } from './engine-host.js';
import { EventStreams } from './event-stream.js';
import { DEFAULT_SESSION_TTL_MS, randomSecret, sameSecret, SessionBook } from './http-sessions.js';
import { rendererFile, type RendererFile } from './renderer-files.js';

export interface HttpServerOptions {
  handlers: ApiHandlers;
  engine: EngineHost;
  /** The built renderer (renderer/dist); null serves the API only. */
  staticRoot: string | null;
  /** 0 picks a free port. */
  port?: number;
  /** The bearer secret of API clients (scripts, curl); otherwise 32 random bytes. */
  apiToken?: string;
  /** Who bearer-token clients act as in the audit: by default the OS user who started the server. */
  apiOperator?: string;
  /** How long a browser session lasts after sign-in (default 12 hours). */
  sessionTtlMs?: number;
  /** The clock sessions expire by (milliseconds); tests move it. */
  now?: () => number;
  /** Told when a sign-in link is spent, with a fresh link for the next browser. */
  onSignIn?: (nextSignInUrl: string) => void;
}

export interface RunningServer {
  port: number;
  /** The first sign-in link: it works once, then a browser has its own session. */
  url: string;
  /** The bearer secret for API clients; never the same as a sign-in token or a session secret. */
  apiToken: string;
  /** Another single-use sign-in link, for another browser. */
  signInUrl(): string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const COOKIE = 'gatehouse_session';
const MAX_BODY_BYTES = 1_000_000;
/** An upload's JSON body: the file's text with its escapes (NDJSON quotes double in JSON) and its name. */
const MAX_UPLOAD_BODY_BYTES = 2 * MAX_UPLOAD_BYTES + 10_000;
/** How much of an oversized body is read (and dropped) so its client still gets the 413. */
const DRAINED_BYTES_CAP = 4 * MAX_UPLOAD_BODY_BYTES;
const SSE_KEEPALIVE_MS = 15_000;
const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

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
 * `gatehouse serve`: the API table over HTTP on 127.0.0.1 only. A browser signs in once with a
 * single-use link and then carries its own session secret in an HttpOnly cookie; API clients send
 * `Authorization: Bearer` with a separate secret. Every request must also come from our own
 * origin. Run and operation events stream as SSE.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const apiToken = options.apiToken ?? randomSecret();
  const apiCaller: ApiCaller = { operator: options.apiOperator ?? osUserCaller().operator, identity: 'api-token' };
  const sessions = new SessionBook(options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, options.now ?? Date.now);
  const streams = new EventStreams();
  let port = 0;
  const server = http.createServer((request, response) => {
    void handle(request, response).catch(() => send(response, 500, TEXT, 'internal error'));
  });
  const signInUrl = () => `http://${HOST}:${port}/?token=${sessions.mintSignInToken()}`;

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${HOST}:${port}`);
    if (!fromOurOrigin(request, port)) return send(response, 403, TEXT, 'forbidden: requests must come from the Gatehouse console itself');
    if (request.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) return signIn(url.searchParams.get('token') ?? '', request, response);
    const caller = authenticate(request);
    if (typeof caller === 'string') return send(response, 401, TEXT, caller);
    if (url.pathname === '/api/events' && request.method === 'GET') return streams.open(response, lastEventId(request, url), SECURITY_HEADERS);
    if (url.pathname.startsWith('/api/')) return callApi(request, response, url.pathname.slice('/api/'.length), caller);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, TEXT, 'method not allowed');
    return serveStatic(options.staticRoot, url.pathname, response);
  }

  function signIn(token: string, request: http.IncomingMessage, response: http.ServerResponse): void {
    const session = sessions.redeem(token);
    if (!session) {
      // A browser that already has its session (the Back button, a bookmark) just goes to the console.
      if (typeof authenticate(request) !== 'string') return redirectHome(response, {});
      return send(response, 401, TEXT, 'unauthorized: this sign-in link was already used or is not valid; use a fresh one from the terminal running `gatehouse serve`');
    }
    options.onSignIn?.(signInUrl());
    // The token leaves the address bar at once; the session secret lives in a cookie scripts cannot read.
    redirectHome(response, { 'Set-Cookie': `${COOKIE}=${session.secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${session.maxAgeSeconds}` });
  }

  function redirectHome(response: http.ServerResponse, headers: Record<string, string>): void {
    response.writeHead(303, { ...SECURITY_HEADERS, Location: '/', 'Cache-Control': 'no-store', ...headers });
    response.end();
  }

  /** The caller a request proves it is, or the sentence a 401 says. */
  function authenticate(request: http.IncomingMessage): ApiCaller | string {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return sameSecret(bearer, apiToken) ? apiCaller : 'unauthorized: wrong API token';
    const secret = cookieValue(request.headers.cookie ?? '', COOKIE);
    if (secret === undefined) return 'unauthorized: this browser has not signed in; open the sign-in link that `gatehouse serve` printed';
    const caller = sessions.callerFor(secret);
    if (caller === 'expired') return 'unauthorized: this session has expired; sign in again with a fresh link from the terminal running `gatehouse serve`';
    // A secret the book never held, or no longer does: a restart forgets every session, and an expired one is forgotten once another browser signs in.
    if (caller === 'unknown') return 'unauthorized: this browser\'s session is not one this server knows (`gatehouse serve` restarted since, which signs every page out, or the session expired); sign in again with a fresh link from the terminal running `gatehouse serve`';
    return caller;
  }

  async function callApi(request: http.IncomingMessage, response: http.ServerResponse, method: string, caller: ApiCaller): Promise<void> {
    if (request.method !== 'POST') return send(response, 405, TEXT, 'use POST');
    let payload: unknown;
    try {
      const body = await readBody(request, method === 'sources.upload' ? MAX_UPLOAD_BODY_BYTES : MAX_BODY_BYTES);
      payload = body.trim() === '' ? undefined : JSON.parse(body);
    } catch (error) {
      const tooLarge = error instanceof BodyTooLarge;
      const message = tooLarge ? error.message : `the request body is not JSON: ${(error as Error).message}`;
      const result = { ok: false as const, error: { code: 'INPUT_INVALID' as const, message } };
      return send(response, tooLarge ? 413 : 400, JSON_TYPE, JSON.stringify(result));
    }
    const result = await dispatch(options.handlers, method, payload, caller);
    send(response, httpStatusOf(result), JSON_TYPE, JSON.stringify(result));
  }

  const broadcast = (name: 'run' | 'operation', event: ConsoleEvent) => streams.broadcast(name, event);
  const unsubscribe = [options.engine.subscribe((event) => broadcast('run', event)), options.engine.subscribeOperations((event) => broadcast('operation', event))];
  const keepalive = setInterval(() => streams.keepalive(), SSE_KEEPALIVE_MS);
  keepalive.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    port,
    url: signInUrl(),
    apiToken,
    signInUrl,
    async close() {
      unsubscribe.forEach((stop) => stop());
      clearInterval(keepalive);
      streams.close();
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

/**
 * The id of the last event a reconnecting EventSource saw: its own header first (newer), else the
 * `lastEventId` query of a page that opened a new EventSource after its old one closed for good.
 * Any text is passed on: one this server did not give is answered with a reset.
 */
function lastEventId(request: http.IncomingMessage, url: URL): string | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return header;
  return url.searchParams.get('lastEventId') || undefined;
}

function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

class BodyTooLarge extends Error {}

/**
 * The body as text, up to maxBytes. Past that it is read and dropped, so the client finishes
 * sending and reads the 413 that says why (a reset connection says nothing); a body past
 * DRAINED_BYTES_CAP is not worth reading to the end, and its connection is closed.
 */
function readBody(request: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => new BodyTooLarge(`the request body is larger than ${counted(maxBytes, 'byte')}`);
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > DRAINED_BYTES_CAP) {
        reject(tooLarge());
        request.destroy();
      }
    });
    request.on('end', () => (size > maxBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', reject);
  });
}

function serveStatic(root: string | null, pathname: string, response: http.ServerResponse): void {
  let file: RendererFile | null;
  try {
    file = root === null ? null : rendererFile(root, pathname, { fallbackToIndex: true });
  } catch (error) {
    if (error instanceof GatehouseError && error.code === 'INPUT_INVALID') return send(response, 400, TEXT, `bad request: ${error.message}`);
    throw error;
  }
  if (file === null) return send(response, 404, TEXT, 'no console build here: run npm run build:renderer');
  send(response, 200, file.contentType, file.body);
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(body);
}
