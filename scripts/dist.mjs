#!/usr/bin/env node
// `npm run dist [-- electron-builder options]`, e.g. `npm run dist -- --dir` for an unpacked app:
//   1. electron-vite build (out/);
//   2. better-sqlite3 rebuilt for Electron's ABI with @electron/rebuild, in a scratch copy, so
//      node_modules stays on Node's ABI for the tests and the CLI → out/native/;
//   3. electron-builder, whose afterPack hook (scripts/after-pack.cjs) puts that build in the app.
// Needs the network once (Electron's headers, and Electron itself unless node_modules/electron/dist
// holds the binary) and a C++ toolchain; never run it as a postinstall (DESIGN §6).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
/** better-sqlite3 and what it requires at run time; prebuild-install is left out so it is built from source. */
const NATIVE_PACKAGES = ['better-sqlite3', 'bindings', 'file-uri-to-path'];

function say(line) {
  process.stdout.write(`dist: ${line}\n`);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`dist: ${command} ${args.join(' ')} failed\n`);
    process.exit(result.status ?? 1);
  }
}

async function buildNativeForElectron() {
  const electronVersion = require('electron/package.json').version;
  const rebuildRequire = createRequire(require.resolve('@electron/rebuild'));
  const abi = Number(rebuildRequire('node-abi').getAbi(electronVersion, 'electron'));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-native-'));
  try {
    for (const name of NATIVE_PACKAGES) {
      fs.cpSync(path.join(root, 'node_modules', name), path.join(stage, 'node_modules', name), { recursive: true, filter: (source) => !source.includes(`${path.sep}build${path.sep}`) });
    }
    const version = require('better-sqlite3/package.json').version;
    fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ name: 'gatehouse-native', private: true, dependencies: { 'better-sqlite3': version } }));
    say(`building better-sqlite3 ${version} for Electron ${electronVersion} (ABI ${abi}, ${process.arch})…`);
    // A machine-wide npm `nodedir` (npm run passes it on as npm_config_nodedir) would make node-gyp
    // build against Node's own headers: a module for Node's ABI, which Electron cannot load.
    for (const name of Object.keys(process.env)) if (name.toLowerCase() === 'npm_config_nodedir') delete process.env[name];
    const { rebuild } = await import('@electron/rebuild');
    await rebuild({ buildPath: stage, electronVersion, arch: process.arch, onlyModules: ['better-sqlite3'], force: true });
    const built = path.join(stage, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const { abiOf } = require('./after-pack.cjs');
    if (abiOf(built) !== abi) throw new Error(`the rebuilt module is for ABI ${abiOf(built)}, not ${abi}`);
    const out = path.join(root, 'out/native');
    fs.mkdirSync(out, { recursive: true });
    fs.copyFileSync(built, path.join(out, 'better_sqlite3.node'));
    fs.writeFileSync(path.join(out, 'build.json'), `${JSON.stringify({ module: 'better-sqlite3', version, electronVersion, abi, arch: process.arch }, null, 2)}\n`);
    say(`out/native/better_sqlite3.node is for Electron ${electronVersion}`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

say('building the app (electron-vite)…');
run(npx, ['electron-vite', 'build']);
try {
  await buildNativeForElectron();
} catch (error) {
  process.stderr.write(`dist: could not build better-sqlite3 for Electron: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write('dist: packaging needs network access to Electron\'s headers and a C++ toolchain (python3, make, g++)\n');
  process.exit(1);
}
const builderArgs = process.argv.slice(2);
// An installed Electron binary saves electron-builder a download.
if (fs.existsSync(path.join(root, 'node_modules/electron/dist'))) builderArgs.push('-c.electronDist=node_modules/electron/dist');
say(`electron-builder ${builderArgs.join(' ')}`);
run(npx, ['electron-builder', ...builderArgs]);
