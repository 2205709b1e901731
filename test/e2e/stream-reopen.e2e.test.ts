import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, openEventStream, runToTheEnd, signIn } from '../helpers/console-http.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, seedStore, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * What a console page's live stream carried, seen from a proxy between the browser and `gatehouse
 * serve` (a reverse proxy, or a server restarting behind one): while `failing`, the stream is
 * answered 502, which closes an EventSource for good, so the page opens a new one.
 */
interface StreamProxy {
  port: number;
  failing: boolean;
  /** Every SSE frame the browser was sent, over all its connections, in order. */
  frames: { id: string | null; name: string }[];
  /** Stream requests answered 502, and the live streams now open. */
  refused: number;
  readonly open: Set<http.ServerResponse>;
  close(): Promise<void>;
}

function recordFrames(upstream: http.IncomingMessage, frames: StreamProxy['frames']): void {
  let buffer = '';
  upstream.setEncoding('utf8');
  upstream.on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) {
      const name = /^event: (.+)$/m.exec(part)?.[1];
      if (name !== undefined) frames.push({ id: /^id: (.+)$/m.exec(part)?.[1] ?? null, name });
    }
  });
}

async function startStreamProxy(target: number): Promise<StreamProxy> {
  const proxy: StreamProxy = { port: 0, failing: false, frames: [], refused: 0, open: new Set(), close: async () => {} };
  const server = http.createServer((request, response) => {
    const isStream = (request.url ?? '').startsWith('/api/events');
    if (isStream && proxy.failing) {
      proxy.refused++;
      response.writeHead(502, { 'Content-Type': 'text/plain' }).end('bad gateway');
      return;
    }
    // As a reverse proxy does: the server sees its own host and origin.
    const headers = { ...request.headers, host: `127.0.0.1:${target}`, ...(request.headers.origin ? { origin: `http://127.0.0.1:${target}` } : {}) };
    const upstream = http.request({ host: '127.0.0.1', port: target, path: request.url, method: request.method, headers, agent: false }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      if (isStream && reply.statusCode === 200) {
        recordFrames(reply, proxy.frames);
        proxy.open.add(response);
        response.on('close', () => proxy.open.delete(response));
        reply.on('data', (chunk: string) => response.write(chunk));
      } else reply.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  proxy.close = () => {
    // The browser keeps its connections alive: they would hold close() open.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    return closed;
  };
  return proxy;
}

/**
 * A console page watching runs while its stream is cut and then answered with an error (a proxy's
 * 502 while `gatehouse serve` restarts): the page opens a new stream, and that one must carry what
 * was sent meanwhile — the old EventSource's Last-Event-ID is gone with it.
 */
describe.skipIf(executablePath === null)('the console page\'s live stream reopened after an error answer (browser mode)', () => {
  let app: ConsoleInBrowser;
  let proxy: StreamProxy;
  let cookie: string;

  beforeAll(async () => {
    app = await openConsoleInBrowser({ executablePath: executablePath!, seed: seedStore(async () => {}) });
    proxy = await startStreamProxy(app.server.port);
    cookie = await signIn(app.server);
    await data(app.server, 'session.name', { name: 'e2e-watcher' }, cookie);
    // The page's session cookie (set on 127.0.0.1) goes to the proxy too.
    await app.page.goto(`http://127.0.0.1:${proxy.port}/`);
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await proxy?.close();
    await app?.close();
  });

  it('gets every run event sent while its stream was down, once each and in order', async () => {
    const context = { server: app.server, engine: app.engine, store: app.store, cookie };
    const everything = openEventStream(app.server, cookie);
    await everything.ready;
    await expect.poll(() => proxy.open.size, { timeout: 30_000 }).toBe(1);

    await runToTheEnd(context, 'synthetic:seed=172,count=20', 5);
    await expect.poll(() => proxy.frames.length, { timeout: 30_000 }).toBe(everything.frames.length);
    proxy.failing = true;
    for (const response of proxy.open) response.destroy();
    // The EventSource's own reconnect is refused: it is closed, and the page tries a new one.
    await expect.poll(() => proxy.refused, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await runToTheEnd(context, 'synthetic:seed=173,count=20', 5);
    proxy.failing = false;
    await expect.poll(() => proxy.open.size, { timeout: 30_000 }).toBe(1);

    await runToTheEnd(context, 'synthetic:seed=174,count=20', 5);
    const sent = everything.frames.map((frame) => frame.id);
    await expect.poll(() => proxy.frames.map((frame) => frame.id).includes(sent.at(-1)!), { timeout: 30_000 }).toBe(true);
    const seen = proxy.frames.map((frame) => frame.id).filter((id) => sent.includes(id));
    expect(seen).toEqual(sent);
    everything.stop();
  }, 120_000);
});
