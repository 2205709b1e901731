import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, startHttpServer, type EngineHost, type RunningServer } from '../../main/api/index.js';
import { openStore, type Store } from '../../main/store/index.js';

let folder: string;
let store: Store;
let engine: EngineHost;
let server: RunningServer;

beforeEach(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-http-'));
  const location = path.join(folder, 'gatehouse.db');
  const staticRoot = path.join(folder, 'dist');
  fs.mkdirSync(staticRoot);
  fs.writeFileSync(path.join(staticRoot, 'index.html'), '<!doctype html><title>Gatehouse</title>');
  store = await openStore(location);
  engine = createInProcessEngineHost({ location });
  server = await startHttpServer({ handlers: createApi({ store, engine, transport: 'http' }), engine, staticRoot });
});

afterEach(async () => {
  await server.close();
  await engine.close();
  await store.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathname, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const bearer = () => ({ Authorization: `Bearer ${server.token}` });
const post = (method: string, body: unknown, headers: Record<string, string> = bearer()) =>
  request(`/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('gatehouse serve over HTTP', () => {
  it('prints a loopback URL carrying a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
  });

  it('refuses API calls and pages without the token (401)', async () => {
    expect((await post('runs.list', {}, {})).status).toBe(401);
    expect((await request('/')).status).toBe(401);
    expect((await post('runs.list', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await request('/?token=wrong')).status).toBe(401);
  });

  it('refuses requests from another origin or host even with the token (403)', async () => {
    expect((await post('runs.list', {}, { ...bearer(), Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('runs.list', {}, { ...bearer(), Host: 'evil.example:80' })).status).toBe(403);
    expect((await post('runs.list', {}, { ...bearer(), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
  });

  it('answers with the token (200) and trades the URL token for an HttpOnly SameSite=Strict cookie', async () => {
    const list = await post('runs.list', {}, { ...bearer(), Origin: `http://127.0.0.1:${server.port}` });
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual({ ok: true, data: [] });
    const landing = await request(`/?token=${server.token}`);
    expect(landing.status).toBe(303);
    const cookie = String(landing.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await request('/', { headers: { Cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('Gatehouse');
  });

  it('returns the error envelope for bad JSON and bad input', async () => {
    const broken = await request('/api/runs.list', { method: 'POST', headers: bearer(), body: '{not json' });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    const bad = await post('runs.get', { runId: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });

  it('streams batch events of a started run as Server-Sent Events', async () => {
    const frames: string[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: bearer() }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const parts = buffer.split('\n\n');
          buffer = parts.pop() ?? '';
          frames.push(...parts.filter((part) => part.startsWith('event: run')));
          if (frames.some((frame) => frame.includes('"run-finished"'))) {
            req.destroy();
            resolve();
          }
        });
        void post('runs.start', { source: 'synthetic:seed=9,count=25', batchSize: 10 });
      });
      req.on('error', (error) => (frames.some((f) => f.includes('run-finished')) ? resolve() : reject(error)));
      req.end();
    });
    await finished;
    const events = frames.map((frame) => JSON.parse(frame.split('\ndata: ')[1]!) as { type: string });
    expect(events.filter((event) => event.type === 'batch-finished')).toHaveLength(3);
    expect(events[0]?.type).toBe('run-started');
  });
});
