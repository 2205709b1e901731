#!/usr/bin/env node
// `npm start`: the Electron app when its binary and a display exist; otherwise browser mode —
// `gatehouse serve` on a demo database — after one line saying why. Plain Node, no build step.
// It says what it is doing (building, seeding n of 90 days) and prints the console's URL last.
// Port: PORT=N or `npm start -- --port N` (refused in one line when taken); otherwise 4280, or
// any free port when 4280 is taken. `npm start -- --browser` skips Electron.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import readline from 'node:readline';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const DEFAULT_PORT = 4280;

function say(line) {
  process.stdout.write(`gatehouse: ${line}\n`);
}

function fail(line, exitCode = 2) {
  process.stderr.write(`gatehouse: ${line}\n`);
  process.exit(exitCode);
}

function electronBinary() {
  try {
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

/** A build step with a line before it and its time after: a first start takes a minute or more. */
function build(what, command, args) {
  say(`building ${what}…`);
  const started = Date.now();
  const ok = run(command, args);
  if (ok) say(`built ${what} in ${Math.round((Date.now() - started) / 1_000)} s`);
  return ok;
}

function newestMtime(folder) {
  let newest = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(output, ...sourceFolders) {
  if (!fs.existsSync(output)) return true;
  const built = fs.statSync(output).mtimeMs;
  return sourceFolders.some((folder) => newestMtime(path.join(root, folder)) > built);
}

const PARENT_CHECK_MS = 500;

/**
 * The child (the app or the server) lives only as long as whoever started `npm start`: stopped by
 * pid, npm or the shell does not pass the signal on, so this process watches its parent and stops
 * the child when the parent is gone. The server also watches this process through its IPC channel,
 * in case this one is killed outright.
 */
function supervise(child) {
  const parentAtStart = process.ppid;
  const stop = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGTERM'));
  const watch = setInterval(() => {
    // Orphaned: the parent died and this process was handed to init or a subreaper.
    if (process.ppid !== parentAtStart) stop('SIGTERM');
  }, PARENT_CHECK_MS);
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exit(code ?? (signal ? 1 : 0));
  });
}

function startElectron(binary) {
  if (isStale(path.join(root, 'out/main/index.cjs'), 'main', 'shared', 'renderer/src') && !build('the desktop app (electron-vite)', npx, ['electron-vite', 'build'])) process.exit(1);
  supervise(spawn(binary, [path.join(root, 'out/main/index.cjs')], { cwd: root, stdio: 'inherit' }));
}

async function startBrowserMode() {
  const port = await choosePort();
  // bin/gatehouse.js runs the bundle of tsc's output (scripts/bundle-cli.mjs).
  const cli = path.join(root, 'dist/cli/cli.js');
  // tsc exits non-zero on any type error but still emits; the CLI file is what matters here.
  if (isStale(cli, 'main', 'shared')) {
    build('the command line (tsc)', npx, ['tsc', '-p', 'tsconfig.json']);
    build('the command line (bundle)', process.execPath, [path.join(root, 'scripts/bundle-cli.mjs')]);
  }
  if (!fs.existsSync(cli)) fail('could not build the CLI (npm run build)', 1);
  if (isStale(path.join(root, 'renderer/dist/index.html'), 'renderer/src', 'shared') && !build('the console (vite)', npx, ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'])) process.exit(1);
  const dataFolder = process.env.GATEHOUSE_DATA ?? path.join(os.homedir(), '.gatehouse');
  fs.mkdirSync(dataFolder, { recursive: true });
  const db = path.join(dataFolder, 'demo.db');
  await seedDemo(db);
  const args = [path.join(root, 'bin/gatehouse.js'), 'serve', '--db', db, '--port', String(port)];
  // The IPC channel is the server's line to this process: when it closes, the server stops.
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['inherit', 'pipe', 'pipe', 'ipc'] });
  relayServeOutput(child, port);
  supervise(child);
}

/** Seeds an empty demo database, one line per 10 days (one rewritten line on a terminal). */
async function seedDemo(db) {
  const { seedDemoDatabase } = await import(pathToFileURL(path.join(root, 'dist/main/api/index.js')).href);
  const started = Date.now();
  const { seeded, runs } = await seedDemoDatabase(db, {
    onProgress: (done, total) => {
      if (done === 1) say(`seeding a demo history of ${total} days into ${db} (first start only)`);
      if (process.stdout.isTTY) process.stdout.write(`\rgatehouse: seeding day ${done} of ${total}${done === total ? '\n' : ''}`);
      else if (done % 10 === 0 || done === total) say(`seeding day ${done} of ${total}`);
    },
  });
  if (seeded) say(`seeded ${runs.length} runs in ${Math.round((Date.now() - started) / 1_000)} s`);
}

/** serve prints its URL on stdout; it is what a person needs, so it comes last, after how to stop. */
function relayServeOutput(child, port) {
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (!/^https?:\/\//.test(line)) return process.stdout.write(`${line}\n`);
    say(`ready on port ${port}; Ctrl+C stops the console. Open:`);
    process.stdout.write(`${line}\n`);
  });
  // Between the check and serve's listen another process can take the port: say it plainly.
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    if (/EADDRINUSE/.test(line)) process.stderr.write(`gatehouse: port ${port} was taken just now by another process; start again\n`);
    else process.stderr.write(`${line}\n`);
  });
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function anyFreePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** `--port N` / `--port=N`, else PORT; undefined when neither was given. */
function askedPort() {
  const argv = process.argv.slice(2);
  const index = argv.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  if (index >= 0) return { text: argv[index].includes('=') ? argv[index].split('=')[1] : argv[index + 1], source: '--port' };
  if (process.env.PORT !== undefined && process.env.PORT !== '') return { text: process.env.PORT, source: 'PORT' };
  return undefined;
}

/** A port given explicitly must be free (one clear line if not); otherwise 4280, or any free one. */
async function choosePort() {
  const asked = askedPort();
  if (asked) {
    const port = Number(asked.text);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`${asked.source} must be a port number from 1 to 65535, got ${JSON.stringify(asked.text ?? '')}`);
    if (!(await portIsFree(port))) fail(`port ${port} (from ${asked.source}) is already in use on 127.0.0.1; choose another (PORT=N npm start, or npm start -- --port N) or stop what is using it`);
    return port;
  }
  if (await portIsFree(DEFAULT_PORT)) return DEFAULT_PORT;
  const port = await anyFreePort();
  say(`port ${DEFAULT_PORT} is in use; using port ${port} instead`);
  return port;
}

const binary = electronBinary();
const browserAsked = process.argv.includes('--browser');
if (binary && hasDisplay() && !browserAsked) {
  startElectron(binary);
} else {
  const why = browserAsked ? 'browser mode asked for (--browser)' : binary ? 'no display found (DISPLAY/WAYLAND_DISPLAY unset)' : 'no Electron binary installed (node_modules/electron has types only)';
  say(`${why}; starting browser mode instead — the URL comes last`);
  startBrowserMode().catch((error) => fail(`could not start: ${error instanceof Error ? error.message : String(error)}`, 1));
}
