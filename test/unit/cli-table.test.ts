import { afterEach, describe, expect, it, vi } from 'vitest';
import { printJson, printTable, terminalText } from '../../main/cli/output.js';

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

/** Stored text reaches the terminal as it is shown, never as what a terminal acts on, rows from before the record rules refused it included. */
describe('terminal output of stored text', () => {
  afterEach(() => vi.restoreAllMocks());

  function written(print: () => void): string {
    let text = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      text += String(chunk);
      return true;
    });
    print();
    return text;
  }

  it('shows each control character in a table cell as its escape, a line break included', () => {
    const text = written(() => printTable(['reasons'], [['BAD_DATE: date "\u001b[2J\u009b31m\u0007" x\r\ny\tz\u007f']]));
    expect(text).toBe('reasons\nBAD_DATE: date "\\x1b[2J\\x9b31m\\x07" x\\x0d\\x0ay\\x09z\\x7f\n');
  });

  it('writes DEL and C1 in --json as \\u escapes, as C0 already is: the same value parsed, nothing a terminal acts on', () => {
    const value = { title: 'a\u001b[2Jb\u009b31mc\u007fd\u0085e' };
    const text = written(() => printJson(value));
    expect(text).not.toMatch(/(?!\n)\p{Cc}/u);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('keeps the newlines of multi-line text and escapes the rest', () => {
    expect(terminalText('line one\u001b]0;owned\u0007\nline two')).toBe('line one\\x1b]0;owned\\x07\nline two');
  });
});
