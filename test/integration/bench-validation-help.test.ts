import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

/**
 * Every runnable bench/validation script answers `--help` with its usage and nothing else, and
 * refuses an option it does not take: `diagnose.js --help` once judged the whole development
 * harness for minutes and printed nothing.
 */

const SOURCE = path.join(REPO_ROOT, 'bench/validation');
const scripts = fs
  .readdirSync(SOURCE)
  .filter((name) => name.endsWith('.ts') && /import\.meta\.url === pathToFileURL\(process\.argv\[1\]/.test(fs.readFileSync(path.join(SOURCE, name), 'utf8')))
  .map((name) => name.replace(/\.ts$/, '.js'));

function runScript(script: string, args: string[]) {
  // A script that ignored its options would start its full run: minutes, not the second help takes.
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/bench/validation', script), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bench/validation scripts', () => {
  it('finds the runnable scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['diagnose.js', 'eval.js', 'live-agreement.js', 'speed.js']));
  });

  it.each(scripts)('%s answers --help with its usage and exit 0', (script) => {
    const help = runScript(script, ['--help']);
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(new RegExp(`^Usage: node dist/bench/validation/${script.replace('.', '\\.')}`));
  });

  it.each(scripts)('%s refuses an option it does not take, before any work', (script) => {
    const refused = runScript(script, ['--no-such-option']);
    expect(refused.code).not.toBe(0);
    expect(refused.code).not.toBeNull();
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/unknown option '?--no-such-option/i);
  });
});
