import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 10 item 8: the evaluation is independent of what it measures. The harness (sampling,
 * placing injections, scoring) imports nothing but its own folder and Node's built-ins; the audit
 * world imports its own folder, the harness and Node — no main/validation (no calendar, no
 * injection code), no shared types, not the development world. ESLint holds the same lines
 * (eslint.config.js).
 */
const folder = (name: string) => path.join(import.meta.dirname, '../../../bench/validation', name);
const typescriptFiles = (name: string) => fs.readdirSync(folder(name)).filter((f) => f.endsWith('.ts'));

function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

const inOwnFolder = (specifier: string) => specifier.startsWith('./') && !specifier.slice(2).includes('/');
const inHarness = (specifier: string) => /^\.\.\/harness\/[^/]+$/.test(specifier);

describe('the evaluation harness', () => {
  it('has files to check', () => {
    expect(typescriptFiles('harness').length).toBeGreaterThanOrEqual(4);
  });

  it.each(typescriptFiles('harness'))('%s imports only its own folder and node: built-ins', (file) => {
    for (const specifier of importsOf(path.join(folder('harness'), file))) {
      expect(inOwnFolder(specifier) || specifier.startsWith('node:'), `${file} imports ${specifier}`).toBe(true);
    }
  });
});

describe('the audit world', () => {
  it('has files to check', () => {
    expect(typescriptFiles('audit').length).toBeGreaterThanOrEqual(3);
  });

  it.each(typescriptFiles('audit'))('%s imports only its own folder, the harness and node: built-ins', (file) => {
    for (const specifier of importsOf(path.join(folder('audit'), file))) {
      expect(inOwnFolder(specifier) || inHarness(specifier) || specifier.startsWith('node:'), `${file} imports ${specifier}`).toBe(true);
    }
  });
});
