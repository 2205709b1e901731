#!/usr/bin/env node
// Runs Doyensec's electronegativity over the Electron shell and the renderer's HTML (its CLI
// exits 0 whatever it finds) and fails on any finding above LOW that the allowlist below does
// not explain. Usage: node scripts/security-gate.cjs [--json]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ELECTRON_VERSION = require(path.join(ROOT, 'node_modules/electron/package.json')).version;

/** Each entry: a check, the file it may fire in, and why it is acceptable here. */
const ALLOWLIST = [
  { check: 'PRELOAD_JS_CHECK', file: 'main.ts', why: 'the preload is ours: a sandboxed contextBridge exposing named API functions only' },
  { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'hardening.ts', why: 'only https:// links to allowlisted hosts (EXTERNAL_HOSTS) leave the app, in the system browser, never inside it' },
  { check: 'AUXCLICK_JS_CHECK', file: 'main.ts', why: 'lockDown (hardening.ts) gives every webContents a setWindowOpenHandler that denies new windows, which covers middle-click' },
];

/**
 * Electronegativity's own runner, called directly: its CLI writes the CSV header and the rows
 * with two racing async writes (the header can land on top of the first row), and it requires a
 * `commander` it does not declare. The runner returns the findings as objects instead.
 */
async function findings(input) {
  const run = require('@doyensec/electronegativity');
  // Its progress chatter (translations, Electron releases) goes to stderr: stdout is the report.
  const consoleLog = console.log;
  console.log = (...args) => process.stderr.write(`${args.join(' ')}\n`);
  let result;
  try {
    result = await run({ input, isSarif: false, isRelative: false, isVerbose: false, electronVersionOverride: ELECTRON_VERSION, parserPlugins: [] }, false);
  } finally {
    console.log = consoleLog;
  }
  return result.issues.map((issue) => ({
    check: issue.id,
    severity: issue.severity.name,
    confidence: issue.confidence.name,
    file: issue.file,
    location: `${issue.location.line}:${issue.location.column}`,
    sample: issue.sample,
    description: issue.description,
  }));
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

async function main() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-eneg-'));
  try {
    const target = gatherTarget(workspace);
    fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify({ name: 'gatehouse', devDependencies: { electron: ELECTRON_VERSION } }));
    const found = await findings(target);
    const serious = found.filter((f) => !['LOW', 'INFORMATIONAL'].includes(f.severity));
    const allowed = (f) => ALLOWLIST.some((a) => a.check === f.check && path.basename(f.file) === a.file);
    const failing = serious.filter((f) => !allowed(f));
    const report = { electron: ELECTRON_VERSION, findings: found.length, aboveLow: serious.length, allowed: serious.length - failing.length, failing };
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const f of failing) process.stderr.write(`${f.severity} ${f.check} ${path.basename(f.file)}:${f.location} — ${f.description}\n`);
    if (!process.argv.includes('--json')) {
      process.stdout.write(`electronegativity: ${found.length} findings, ${serious.length} above LOW, ${failing.length} not on the allowlist\n`);
    }
    process.exitCode = failing.length === 0 ? 0 : 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`security gate: ${error.message}\n`);
  process.exitCode = 2;
});
