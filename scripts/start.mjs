#!/usr/bin/env node
// `npm start`: the Electron app when its binary and a display exist; otherwise browser mode —
// `gatehouse serve` on a demo database — after one line saying why. Plain Node, no build step.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

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
  if (isStale(path.join(root, 'out/main/index.cjs'), 'main', 'shared', 'renderer/src') && !run(npx, ['electron-vite', 'build'])) process.exit(1);
  supervise(spawn(binary, [path.join(root, 'out/main/index.cjs')], { cwd: root, stdio: 'inherit' }));
}

function startBrowserMode() {
  const cli = path.join(root, 'dist/main/cli.js');
  // tsc exits non-zero on any type error but still emits; the CLI file is what matters here.
  if (isStale(cli, 'main', 'shared')) run(npx, ['tsc', '-p', 'tsconfig.json']);
  if (!fs.existsSync(cli)) {
    process.stderr.write('gatehouse: could not build the CLI (npm run build)\n');
    process.exit(1);
  }
  if (isStale(path.join(root, 'renderer/dist/index.html'), 'renderer/src', 'shared') && !run(npx, ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'])) process.exit(1);
  const dataFolder = process.env.GATEHOUSE_DATA ?? path.join(os.homedir(), '.gatehouse');
  fs.mkdirSync(dataFolder, { recursive: true });
  const db = path.join(dataFolder, 'demo.db');
  const args = [path.join(root, 'bin/gatehouse.js'), 'serve', '--db', db, '--demo'];
  if (process.env.PORT) args.push('--port', process.env.PORT);
  // The IPC channel is the server's line to this process: when it closes, the server stops.
  supervise(spawn(process.execPath, args, { cwd: root, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] }));
}

const binary = electronBinary();
if (binary && hasDisplay()) {
  startElectron(binary);
} else {
  const why = binary ? 'no display found (DISPLAY/WAYLAND_DISPLAY unset)' : 'no Electron binary installed (node_modules/electron has types only)';
  process.stdout.write(`gatehouse: ${why}; starting browser mode instead — open the URL below\n`);
  startBrowserMode();
}
