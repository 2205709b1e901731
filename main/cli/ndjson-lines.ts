import { isUtf8 } from 'node:buffer';

/**
 * The lines of an NDJSON stream, each held in memory only up to `maxBytes`. readline keeps a line
 * however long it grows: one line of 600 MB (a harness that never wrote a newline) passed V8's
 * longest string, and `validate --batch` died with "Invalid string length", exit 1, having judged
 * none of the lines after it; a few hundred MB short of that, JSON.parse alone needs gigabytes.
 * Past `maxBytes` a line is skipped to its end and reported by its size and first bytes, so memory
 * stays bounded and the lines after it are read as usual.
 *
 * Line ends are readline's with `crlfDelay: Infinity`: "\n", "\r\n" and a lone "\r".
 */

export type NdjsonLine = { text: string } | { tooLong: { bytes: number; head: string } } | { notUtf8: { at: number; byte: number; head: string } };

/**
 * A line is UTF-8 (RFC 8259 §8.1) or it is refused: decoded anyway, each bad byte became U+FFFD, and
 * an id written in Latin-1 ("café") was answered back as another ("caf\uFFFD"). Where the first bad
 * byte sits: the bytes before it are the valid ones, so re-encoding the decoded text first differs there.
 */
function notUtf8(bytes: Buffer, text: string): NdjsonLine | undefined {
  if (isUtf8(bytes)) return undefined;
  const again = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < bytes.length && bytes[at] === again[at]) at++;
  return { notUtf8: { at, byte: bytes[at]!, head: bytes.subarray(0, Math.min(at, HEAD_BYTES)).toString('utf8') } };
}

/** How much of a line too long to read is kept: enough for a leading `"id"` to be answered back. */
const HEAD_BYTES = 1024;
const LF = 0x0a;
const CR = 0x0d;

/** One line as it arrives: every piece up to `maxBytes`, then only its head and its length. */
class LineUnderway {
  private pieces: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(part: Buffer): void {
    if (part.length === 0) return;
    const wasTooLong = this.bytes > this.maxBytes;
    this.bytes += part.length;
    if (this.bytes <= this.maxBytes) this.pieces.push(part);
    else if (!wasTooLong) this.pieces = [Buffer.concat([...this.pieces, part]).subarray(0, HEAD_BYTES)];
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  finish(): NdjsonLine {
    const bytes = Buffer.concat(this.pieces);
    // Let go of the pieces before the text is made: they, their copy and the text were held at once, 3× a long line.
    this.pieces = [];
    const tooLong = this.bytes > this.maxBytes ? this.bytes : null;
    this.bytes = 0;
    const kept = bytes.toString('utf8');
    return tooLong !== null ? { tooLong: { bytes: tooLong, head: kept } } : (notUtf8(bytes, kept) ?? { text: kept });
  }
}

export async function* ndjsonLines(input: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<NdjsonLine> {
  const line = new LineUnderway(maxBytes);
  // A chunk that ended in "\r": a "\n" opening the next one belongs to the same line end.
  let afterCr = false;
  let first = true;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (first && buffer.length > 0) {
      first = false;
      // No UTF-8 text opens with 0xFF or 0xFE: these open UTF-16's byte-order mark (PowerShell's `>` writes it), whose
      // "\n" is two bytes: read on, each line was answered as not JSON, and one more line than was sent.
      if (buffer[0] === 0xff || buffer[0] === 0xfe) throw new Error(`it opens with the byte 0x${buffer[0].toString(16).toUpperCase()} of a UTF-16 byte-order mark: give the NDJSON lines as UTF-8`);
    }
    let start = afterCr && buffer[0] === LF ? 1 : 0;
    if (buffer.length > 0) afterCr = false;
    const ends = new LineEnds(buffer);
    for (let end = ends.next(start); end !== -1; end = ends.next(start)) {
      line.add(buffer.subarray(start, end));
      yield line.finish();
      start = end + 1;
      if (buffer[end] !== CR) continue;
      if (start === buffer.length) afterCr = true;
      else if (buffer[start] === LF) start++;
    }
    line.add(buffer.subarray(start));
  }
  // A last line without its newline is still a line; after a final newline there is none.
  if (!line.empty) yield line.finish();
}

/** The next "\n" or "\r" of a chunk, each searched for once per occurrence, not once per line. */
class LineEnds {
  private lf = -2;
  private cr = -2;

  constructor(private readonly buffer: Buffer) {}

  next(from: number): number {
    if (this.lf !== -1 && this.lf < from) this.lf = this.buffer.indexOf(LF, from);
    if (this.cr !== -1 && this.cr < from) this.cr = this.buffer.indexOf(CR, from);
    if (this.lf === -1) return this.cr;
    if (this.cr === -1) return this.lf;
    return Math.min(this.lf, this.cr);
  }
}
