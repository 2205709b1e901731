import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEFAULT_PORT = 4280;

/** Holds a port on 127.0.0.1 the way another program would; port 0 takes any free one. */
async function occupy(port: number): Promise<net.Server | null> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

interface Started {
  child: ChildProcess;
  lines: string[];
  errors: string[];
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>, dataFolder: string): Started {
  const child = spawn(process.execPath, ['scripts/start.mjs', '--browser', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '', GATEHOUSE_DATA: dataFolder, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const errors: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  readline.createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, errors, exit };
}

/** Resolves with the first printed line matching `pattern`; rejects if the process ends first. */
function printed(started: Started, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => started.lines.find((line) => pattern.test(line));
    const poll = setInterval(() => {
      const line = check();
      if (line) {
        clearInterval(poll);
        resolve(line);
      }
    }, 50);
    void started.exit.then((code) => {
      clearInterval(poll);
      const line = check();
      if (line) resolve(line);
      else reject(new Error(`start.mjs exited (${code}) before printing ${pattern}:\n${[...started.lines, ...started.errors].join('\n')}`));
    });
  });
}

describe('npm start on a fresh data folder (browser mode)', () => {
  let dataFolder: string;
  let held: net.Server[] = [];
  let running: Started | null = null;

  beforeEach(() => {
    dataFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-first-start-'));
    held = [];
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGTERM');
      await running.exit;
    }
    running = null;
    for (const server of held) await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dataFolder, { recursive: true, force: true });
  });

  it('says how far seeding got, falls back to a free port when 4280 is taken, and prints the URL last', async () => {
    const blocker = await occupy(DEFAULT_PORT);
    if (blocker) held.push(blocker);
    running = start([], {}, dataFolder);
    const url = await printed(running, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const port = Number(new URL(url).port);

    expect(port).not.toBe(DEFAULT_PORT);
    expect(running.lines).toContain(`gatehouse: port ${DEFAULT_PORT} is in use; using port ${port} instead`);
    expect(running.lines).toContain(`gatehouse: seeding a demo history of 90 days into ${path.join(dataFolder, 'demo.db')} (first start only)`);
    expect(running.lines.filter((line) => /^gatehouse: seeding day \d+ of 90$/.test(line)).map((line) => Number(line.split(' ')[3]))).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(running.lines.at(-2)).toBe(`gatehouse: ready on port ${port}; Ctrl+C stops the console. Open:`);
    expect(running.lines.at(-1)).toBe(url);
    expect(running.errors).toEqual([]);

    // The URL trades its token for a cookie, as a browser opening it would.
    const opened = await fetch(url, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    const page = await fetch(new URL('/', url), { headers: { cookie: opened.headers.get('set-cookie')!.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });

  it('starts on the port given and finds the demo already seeded the second time', async () => {
    const probe = await occupy(0);
    const free = (probe!.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe!.close(resolve));
    running = start(['--port', String(free)], {}, dataFolder);
    await printed(running, /^http:/);
    running.child.kill('SIGTERM');
    await running.exit;

    running = start([], { PORT: String(free) }, dataFolder);
    const url = await printed(running, /^http:/);
    expect(new URL(url).port).toBe(String(free));
    expect(running.lines.some((line) => line.includes('seeding'))).toBe(false);
  });

  it.each([
    ['PORT', (port: number) => ({ args: [], env: { PORT: String(port) } })],
    ['--port', (port: number) => ({ args: ['--port', String(port)], env: {} })],
  ])('refuses in one clear line when %s names a port already in use', async (source, given) => {
    const blocker = (await occupy(0))!;
    held.push(blocker);
    const port = (blocker.address() as net.AddressInfo).port;
    const { args, env } = given(port);
    running = start(args, env, dataFolder);
    expect(await running.exit).toBe(2);
    expect(running.errors).toEqual([
      `gatehouse: port ${port} (from ${source}) is already in use on 127.0.0.1; choose another (PORT=N npm start, or npm start -- --port N) or stop what is using it`,
    ]);
    expect(fs.existsSync(path.join(dataFolder, 'demo.db'))).toBe(false);
  });

  it('refuses a port that is not a number', async () => {
    running = start(['--port=eighty'], {}, dataFolder);
    expect(await running.exit).toBe(2);
    expect(running.errors).toEqual(['gatehouse: --port must be a port number from 1 to 65535, got "eighty"']);
  });
});
