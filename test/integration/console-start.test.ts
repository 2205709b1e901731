import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { request } from '../helpers/console-http.js';

/**
 * Issue 13, defect 14: `npm start` (scripts/start.mjs) must not leave its server behind when what
 * started it is stopped by pid. Real processes: `sh -c` → start.mjs → `gatehouse serve`. Runs the
 * built CLI and console (`npm test` builds both first).
 */
const START = path.resolve('scripts/start.mjs');
const built = fs.existsSync('dist/main/cli.js') && fs.existsSync('renderer/dist/index.html');

let dataFolder: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  dataFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-start-'));
  // A demo database that already holds runs: `serve --demo` then starts at once instead of seeding 90 days.
  await seedDemoDatabase(path.join(dataFolder, 'demo.db'), { days: 2 });
});

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of descendantsOf(process.pid)) if (commandOf(pid).includes(dataFolder)) process.kill(pid, 'SIGKILL');
});

afterAll(() => fs.rmSync(dataFolder, { recursive: true, force: true }));

/** Parent pid and state of a process from /proc, or null once it is gone. */
function statOf(pid: number): { ppid: number; state: string } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((candidate) => statOf(candidate)?.ppid === pid);
}

function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

/** Gone, or a zombie nobody has reaped yet: either way it no longer runs. */
function isRunning(pid: number): boolean {
  const stat = statOf(pid);
  return stat !== null && stat.state !== 'Z';
}

/** Starts a command, waits for the sign-in URL the server prints, and finds the server's pid. */
async function startConsole(command: string, args: string[]): Promise<{ child: ChildProcess; serverPid: number; url: string }> {
  const child = spawn(command, args, { env: { ...process.env, GATEHOUSE_DATA: dataFolder, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await expect.poll(() => /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.test(output), { timeout: 60_000, interval: 100 }).toBe(true);
  const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output)![0];
  const serverPid = descendantsOf(child.pid!).find((pid) => commandOf(pid).includes(' serve '));
  expect(serverPid, output).toBeDefined();
  return { child, serverPid: serverPid!, url };
}

describe.skipIf(!built || process.platform !== 'linux')('npm start stops with whatever started it', () => {
  it('stops the server when the shell that ran npm start is killed by pid', async () => {
    // `; true` keeps sh from exec-ing node: sh stays the parent, as npm's shell does.
    const { child, serverPid, url } = await startConsole('sh', ['-c', `"${process.execPath}" "${START}"; true`]);
    const startPid = statOf(serverPid)!.ppid;
    expect(commandOf(startPid)).toContain('start.mjs');
    const signIn = new URL(url);
    expect((await request(Number(signIn.port), `/${signIn.search}`)).status).toBe(303);

    process.kill(child.pid!, 'SIGKILL');
    await expect.poll(() => isRunning(serverPid), { timeout: 30_000, interval: 100 }).toBe(false);
    await expect.poll(() => isRunning(startPid), { timeout: 30_000, interval: 100 }).toBe(false);
  });

  it('stops the server when start.mjs itself is killed outright', async () => {
    const { child, serverPid } = await startConsole(process.execPath, [START]);
    process.kill(child.pid!, 'SIGKILL');
    await expect.poll(() => isRunning(serverPid), { timeout: 30_000, interval: 100 }).toBe(false);
  });
});
