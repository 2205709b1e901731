import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ndjsonLines, type NdjsonLine } from '../../../main/cli/ndjson-lines.js';

/** The input cut into chunks of `size` bytes, as a pipe may hand it over (a character or a "\r\n" split between two). */
function chunked(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

async function linesOf(chunks: Buffer[], maxBytes: number): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  for await (const line of ndjsonLines(Readable.from(chunks), maxBytes)) lines.push(line);
  return lines;
}

async function readlineLines(chunks: Buffer[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) lines.push(line);
  return lines;
}

describe('ndjsonLines: the lines of validate --batch input', () => {
  it('splits every input as readline did, at any chunk boundary: \\n, \\r\\n, a lone \\r, blank lines, a last line without its newline, characters of several bytes', async () => {
    const inputs = ['', '\n', 'a', 'a\n', 'a\r\nb\rc\n\nd', '\uFEFF{"id":"é€😀"}\r\n\r\n{"x":1}\r', 'one\r\r\ntwo\n\rthree'];
    for (const input of inputs) {
      for (const size of [1, 2, 3, 5, 64]) {
        const chunks = chunked(input, size);
        const texts = (await linesOf(chunks, 1024)).map((line) => ('text' in line ? line.text : null));
        expect(texts, `${JSON.stringify(input)} in chunks of ${size}`).toEqual(await readlineLines(chunks));
      }
    }
  });

  it('reports a line past the limit by its size and first bytes, holding no more of it, and reads the lines after it', async () => {
    const long = `{"id":"long","pad":"${'x'.repeat(5000)}"}`;
    for (const size of [7, 100, 10_000]) {
      const lines = await linesOf(chunked(`{"a":1}\n${long}\r\n{"b":2}`, size), 2000);
      expect(lines).toEqual([{ text: '{"a":1}' }, { tooLong: { bytes: long.length, head: long.slice(0, 1024) } }, { text: '{"b":2}' }]);
    }
    expect(await linesOf(chunked('12345\n123456\n', 3), 5)).toEqual([{ text: '12345' }, { tooLong: { bytes: 6, head: '123456' } }]);
  });

  it('reports a line that is not UTF-8 by its first bad byte and the valid bytes before it, where each bad byte was read as U+FFFD', async () => {
    const input = Buffer.concat([Buffer.from('{"a":"é"}\n{"id":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n{"b":2}')]);
    for (const size of [1, 4, 64]) {
      const chunks = Array.from({ length: Math.ceil(input.length / size) }, (_, i) => input.subarray(i * size, (i + 1) * size));
      const lines = await linesOf(chunks, 1024);
      expect(lines).toEqual([{ text: '{"a":"é"}' }, { notUtf8: { at: 10, byte: 0xe9, head: '{"id":"caf' } }, { text: '{"b":2}' }]);
    }
  });

  it('refuses input that opens with a UTF-16 byte-order mark before yielding a line, where it read one line more than was sent, each not JSON', async () => {
    const utf16 = Buffer.from('\uFEFF{"a":1}\n{"b":2}\n', 'utf16le');
    await expect(linesOf([utf16], 1024)).rejects.toThrow('it opens with the byte 0xFF of a UTF-16 byte-order mark: give the NDJSON lines as UTF-8');
    await expect(linesOf([Buffer.from([0xfe, 0xff, 0, 0x7b])], 1024)).rejects.toThrow('the byte 0xFE of a UTF-16 byte-order mark');
  });
});
