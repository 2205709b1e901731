import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { HTTP_STATUS_BY_ERROR } from '../../main/api/index.js';
import { sqliteBackend } from '../helpers/backends.js';
import { callApi, data, openEventStream, request, servedPerTest, signIn } from '../helpers/console-http.js';

/** The sessions' clock: tests move it to expire a session. */
let nowMs: number;
const signInLinks: string[] = [];

/** A console build of two files beside the database, for the server to serve. */
function consoleBuildIn(folder: string): string {
  const staticRoot = path.join(folder, 'dist');
  fs.mkdirSync(path.join(staticRoot, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticRoot, 'index.html'), '<!doctype html><title>Gatehouse</title>');
  fs.writeFileSync(path.join(staticRoot, 'assets', 'app.js'), 'console.log(1)');
  return staticRoot;
}

const served = servedPerTest(sqliteBackend(), ({ location }) => ({ staticRoot: consoleBuildIn(path.dirname(location)), now: () => nowMs, onSignIn: (next) => signInLinks.push(next) }));
/** The folder of the test's database, its console build in `dist/` beside it. */
const folder = () => path.dirname(served.location);

beforeEach(() => {
  nowMs = Date.parse('2026-11-28T12:00:00Z');
  signInLinks.length = 0;
});

const bearer = () => ({ Authorization: `Bearer ${served.server.apiToken}` });
const pathOf = (link: string) => `${new URL(link).pathname}${new URL(link).search}`;
const post = (method: string, body: unknown, headers: Record<string, string> = bearer()) =>
  request(served.server.port, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('gatehouse serve over HTTP', () => {
  it('prints a loopback sign-in URL carrying a long random token', () => {
    expect(served.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
  });

  it('refuses API calls and pages without a session or the API token (401)', async () => {
    expect((await post('runs.list', {}, {})).status).toBe(401);
    expect((await request(served.server.port, '/')).status).toBe(401);
    expect((await post('runs.list', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await request(served.server.port, '/?token=wrong')).status).toBe(401);
    expect((await request(served.server.port, '/', { headers: { Cookie: 'gatehouse_session=made-up' } })).status).toBe(401);
  });

  it('refuses requests from another origin or host even with the token (403)', async () => {
    expect((await post('runs.list', {}, { ...bearer(), Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('runs.list', {}, { ...bearer(), Host: 'evil.example:80' })).status).toBe(403);
    expect((await post('runs.list', {}, { ...bearer(), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
  });

  it('answers API clients with the bearer token and trades the sign-in link for an HttpOnly SameSite=Strict session cookie', async () => {
    const list = await post('runs.list', {}, { ...bearer(), Origin: `http://127.0.0.1:${served.server.port}` });
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual({ ok: true, data: [] });
    const landing = await request(served.server.port, pathOf(served.server.url));
    expect(landing.status).toBe(303);
    expect(landing.headers.location).toBe('/');
    const cookie = String(landing.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=43200/);
    const page = await request(served.server.port, '/', { headers: { Cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('Gatehouse');
  });

  it('returns the error envelope for bad JSON and bad input', async () => {
    const broken = await request(served.server.port, '/api/runs.list', { method: 'POST', headers: bearer(), body: '{not json' });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    const bad = await post('runs.get', { runId: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });

  it('streams batch events of a started run as Server-Sent Events', async () => {
    const cookie = await signIn(served.server);
    // Starting a run is a write: the session names its operator first.
    await data(served.server, 'session.name', { name: 'Ada' }, cookie);
    const stream = openEventStream(served.server, cookie);
    await stream.ready;
    const started = await callApi<{ runId: number }>(served.server, 'runs.start', { source: 'synthetic:seed=9,count=25', batchSize: 10 }, cookie);
    expect(started.status).toBe(200);
    await expect.poll(() => stream.frames.some((frame) => (frame.data as { type: string }).type === 'run-finished'), { timeout: 30_000 }).toBe(true);
    stream.stop();
    const events = stream.frames.filter((frame) => frame.name === 'run').map((frame) => frame.data as { type: string });
    // ADAPTIVE_BATCHES (on by default): 10, then 20 of which 15 are left.
    expect(events.filter((event) => event.type === 'batch-finished')).toHaveLength(2);
    expect(events[0]?.type).toBe('run-started');
  });
});

describe('sign-in links and sessions (issue 13, defect 9)', () => {
  it('a sign-in link works once: opened again it is refused and signs nobody in', async () => {
    expect((await request(served.server.port, pathOf(served.server.url))).status).toBe(303);
    const again = await request(served.server.port, pathOf(served.server.url));
    expect(again.status).toBe(401);
    expect(again.body).toMatch(/already used/);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('sends a browser that already has its session on to the console when it opens a spent link again (Back button)', async () => {
    const cookie = await signIn(served.server, served.server.url);
    const back = await request(served.server.port, pathOf(served.server.url), { headers: { Cookie: cookie } });
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/');
    expect(back.headers['set-cookie']).toBeUndefined();
  });

  it('gives the session a secret of its own: not the link token, not the API token, and the link token is no bearer', async () => {
    const linkToken = new URL(served.server.url).searchParams.get('token')!;
    const cookie = await signIn(served.server, served.server.url);
    const secret = cookie.split('=')[1]!;
    expect(secret).not.toBe(linkToken);
    expect(secret).not.toBe(served.server.apiToken);
    expect(linkToken).not.toBe(served.server.apiToken);
    expect((await post('runs.list', {}, { Authorization: `Bearer ${linkToken}` })).status).toBe(401);
    expect((await post('runs.list', {}, { Authorization: `Bearer ${secret}` })).status).toBe(401);
    expect((await request(served.server.port, '/', { headers: { Cookie: `gatehouse_session=${linkToken}` } })).status).toBe(401);
    expect((await post('runs.list', {}, { Cookie: cookie })).status).toBe(200);
  });

  it('ends a session when its lifetime is over, and says how to sign in again', async () => {
    const cookie = await signIn(served.server);
    nowMs += 12 * 60 * 60 * 1000 - 1;
    expect((await post('runs.list', {}, { Cookie: cookie })).status).toBe(200);
    nowMs += 1;
    const expired = await post('runs.list', {}, { Cookie: cookie });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatch(/session has expired/);
    expect((await post('runs.list', {}, { Cookie: await signIn(served.server) })).status).toBe(200);
  });

  it('says why a browser is refused — never signed in, a session a restart forgot — and how to sign in, once', async () => {
    const never = await post('runs.list', {}, {});
    expect(never.body).toBe('unauthorized: this browser has not signed in; open the sign-in link that `gatehouse serve` printed');
    const forgotten = await request(served.server.port, '/', { headers: { Cookie: 'gatehouse_session=from-before-a-restart' } });
    expect(forgotten.body).toContain('`gatehouse serve` restarted since, which signs every page out');
    for (const body of [never.body, forgotten.body]) expect(body.match(/sign-in link|sign in again/g)).toHaveLength(1);
  });

  it('offers the next browser a fresh link of its own each time one is spent', async () => {
    await signIn(served.server, served.server.url);
    expect(signInLinks).toHaveLength(1);
    expect(signInLinks[0]).not.toBe(served.server.url);
    const second = await signIn(served.server, signInLinks[0]);
    expect((await post('runs.list', {}, { Cookie: second })).status).toBe(200);
    expect(signInLinks).toHaveLength(2);
  });
});

describe('serving the console build (issue 13, defect 9)', () => {
  it('refuses a symlink inside the build that points outside it', async () => {
    const secret = path.join(folder(), 'secret.txt');
    fs.writeFileSync(secret, 'not for the browser');
    fs.symlinkSync(secret, path.join(folder(), 'dist', 'assets', 'leak.js'));
    fs.symlinkSync(folder(), path.join(folder(), 'dist', 'outside'));
    const cookie = await signIn(served.server);
    for (const pathname of ['/assets/leak.js', '/outside/secret.txt']) {
      const reply = await request(served.server.port, pathname, { headers: { Cookie: cookie } });
      expect(reply.body).not.toContain('not for the browser');
    }
    expect((await request(served.server.port, '/assets/app.js', { headers: { Cookie: cookie } })).body).toBe('console.log(1)');
  });

  it.each(['/%E0%A4%A', '/assets/%ZZ.js', '/%'])('answers the malformed percent-encoding %s with 400, not 500', async (pathname) => {
    const reply = await request(served.server.port, pathname, { headers: { Cookie: await signIn(served.server) } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatch(/percent-encoding/);
  });
});

describe('HTTP statuses of API errors (issue 13, defect 9)', () => {
  it('answers an unreachable database with 503, not 500', async () => {
    const reply = await post('settings.testConnection', { location: 'postgres://ops@127.0.0.1:1/none' });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'DB_UNREACHABLE' } });
    expect(reply.status).toBe(503);
  });

  it('maps every error code in one table: a refused write 409, an unreachable database 503, an unsupported action 501', () => {
    expect(HTTP_STATUS_BY_ERROR).toMatchObject({ DB_NOT_WRITABLE: 409, DB_UNREACHABLE: 503, UNSUPPORTED: 501, LOCK_HELD: 409, NOT_FOUND: 404, INPUT_INVALID: 400, INTERNAL: 500 });
    expect(Object.values(HTTP_STATUS_BY_ERROR).filter((status) => status === 401 || status === 403)).toEqual([]);
  });
});
