#!/usr/bin/env node
// Runs Doyensec's electronegativity over the Electron shell and the renderer's HTML, parses its
// CSV (it exits 0 whatever it finds), and fails on any finding above LOW that the allowlist
// below does not explain. Usage: node scripts/security-gate.cjs [--json]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const ELECTRON_VERSION = require(path.join(ROOT, 'node_modules/electron/package.json')).version;

/** Each entry: a check, the file it may fire in, and why it is acceptable here. */
const ALLOWLIST = [
  { check: 'PRELOAD_JS_CHECK', file: 'main.ts', why: 'the preload is ours: a sandboxed contextBridge exposing named API functions only' },
  { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'main.ts', why: 'only https:// links leave the app, in the system browser, never inside it' },
  { check: 'AUXCLICK_JS_CHECK', file: 'main.ts', why: 'setWindowOpenHandler denies every new window, which covers middle-click' },
];

function runElectronegativity(input, output) {
  // electronegativity requires `commander` without declaring it; give it the version it was written for.
  const hook = path.join(os.tmpdir(), `eneg-hook-${process.pid}.cjs`);
  fs.writeFileSync(hook, `
const Module = require('module');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'commander' && parent && /electronegativity/.test(parent.filename)) request = 'electronegativity-commander';
  return original.call(this, request, parent, ...rest);
};`);
  try {
    const entry = path.join(ROOT, 'node_modules/@doyensec/electronegativity/dist/index.js');
    execFileSync(process.execPath, ['--require', hook, entry, '-i', input, '-o', output, '-e', ELECTRON_VERSION], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
    });
  } finally {
    fs.rmSync(hook, { force: true });
  }
}

function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const cells = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i += 1) {
      const ch = line[i];
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        cells.push(cell.trim());
        cell = '';
      } else cell += ch;
    }
    cells.push(cell.trim());
    const [check, severity, confidence, file, location, sample, description] = cells;
    rows.push({ check, severity, confidence, file, location, sample, description });
  }
  return rows;
}

/** The shell and the page it loads, gathered in one folder; `--input DIR` scans another (for tests). */
function gatherTarget(workspace) {
  const inputFlag = process.argv.indexOf('--input');
  const sources = inputFlag > 0
    ? fs.readdirSync(process.argv[inputFlag + 1]).map((file) => path.join(process.argv[inputFlag + 1], file))
    : [...fs.readdirSync(path.join(ROOT, 'main/electron')).map((file) => path.join(ROOT, 'main/electron', file)), path.join(ROOT, 'renderer/index.html')];
  const target = path.join(workspace, 'app');
  fs.mkdirSync(target);
  for (const source of sources) fs.copyFileSync(source, path.join(target, path.basename(source)));
  return target;
}

function main() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-eneg-'));
  try {
    const target = gatherTarget(workspace);
    fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify({ name: 'gatehouse', devDependencies: { electron: ELECTRON_VERSION } }));
    const output = path.join(workspace, 'findings.csv');
    runElectronegativity(target, output);
    const findings = parseCsv(fs.readFileSync(output, 'utf8'));
    const serious = findings.filter((f) => !['LOW', 'INFORMATIONAL'].includes(f.severity));
    const allowed = (f) => ALLOWLIST.some((a) => a.check === f.check && path.basename(f.file) === a.file);
    const failing = serious.filter((f) => !allowed(f));
    const report = { electron: ELECTRON_VERSION, findings: findings.length, aboveLow: serious.length, allowed: serious.length - failing.length, failing };
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const f of failing) process.stderr.write(`${f.severity} ${f.check} ${path.basename(f.file)}:${f.location} — ${f.description}\n`);
    if (!process.argv.includes('--json')) {
      process.stdout.write(`electronegativity: ${findings.length} findings, ${serious.length} above LOW, ${failing.length} not on the allowlist\n`);
    }
    process.exitCode = failing.length === 0 ? 0 : 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main();
