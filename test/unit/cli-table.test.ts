import { afterEach, describe, expect, it, vi } from 'vitest';
import { printTable } from '../../main/cli/output.js';

/** The CLI's terminal tables: columns as wide as their widest cell, and any number of rows. */
describe('printTable', () => {
  afterEach(() => vi.restoreAllMocks());

  function printed(headers: string[], rows: (string | number | null)[][]): string[] {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    printTable(headers, rows);
    return lines;
  }

  it('pads each column to its widest cell and shows a missing value as a dash', () => {
    expect(printed(['run', 'status'], [[1, 'success'], [12345, null]])).toEqual(['run    status\n', '1      success\n', '12345  —\n']);
  });

  it('prints a table of half a million rows (the widths were Math.max of every cell as arguments: a stack overflow)', () => {
    const rows = Array.from({ length: 500_000 }, (_, i) => [i, 'deleted']);
    const lines = printed(['hearing', 'outcome'], rows);
    expect(lines).toHaveLength(500_001);
    expect(lines.at(-1)).toBe('499999   deleted\n');
  });
});
