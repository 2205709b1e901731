import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 10 item 8: the audit harness is independent of what it measures. Its files import nothing
 * but each other and Node's built-ins — no main/validation (no calendar, no injection code), no
 * shared types, not the development harness. ESLint holds the same line (eslint.config.js).
 */
describe('the audit harness', () => {
  const folder = path.join(import.meta.dirname, '../../../bench/validation/audit');
  const files = fs.readdirSync(folder).filter((f) => f.endsWith('.ts'));

  it('has files to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s imports only its own folder and node: built-ins', (file) => {
    const source = fs.readFileSync(path.join(folder, file), 'utf8');
    const specifiers = [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
    for (const specifier of specifiers) {
      const ownFolder = specifier.startsWith('./') && !specifier.slice(2).includes('/');
      expect(ownFolder || specifier.startsWith('node:'), `${file} imports ${specifier}`).toBe(true);
    }
  });
});
