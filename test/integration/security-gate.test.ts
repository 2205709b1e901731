import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const GATE = path.join(REPO_ROOT, 'scripts/security-gate.cjs');

function gate(args: string[]) {
  return spawnSync(process.execPath, [GATE, '--json', ...args], { encoding: 'utf8' });
}

describe('electronegativity security gate', () => {
  it('passes the Electron shell: nothing above LOW outside the commented allowlist', () => {
    const result = gate([]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.failing).toEqual([]);
    expect(report.findings).toBeGreaterThan(0);
  });

  it('fails a shell without context isolation, sandbox or navigation limits', () => {
    const result = gate(['--input', path.join(REPO_ROOT, 'test/fixtures/insecure-shell')]);
    expect(result.status).toBe(1);
    const checks = JSON.parse(result.stdout).failing.map((f: { check: string }) => f.check);
    expect(checks).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']));
  });
});
