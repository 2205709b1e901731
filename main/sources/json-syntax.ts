/**
 * Finds where a JSON text first goes wrong. Node 20's JSON.parse often reports no position
 * ("Unexpected token 'x', "…" is not valid JSON"), yet a person fixing a 50 MB file needs the line
 * and column. Only called after JSON.parse has failed, so speed matters little; it is iterative so
 * deeply nested input cannot overflow the stack.
 */
export interface JsonSyntaxError {
  offset: number;
  line: number;
  column: number;
  /** "unexpected ']'" or "unexpected end of input". */
  reason: string;
}

type Expectation = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'commaOrClose' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * The text without the byte order mark some editors (and some servers) put before UTF-8: RFC 8259
 * §8.1 lets a parser ignore it, and JSON.parse refuses it as an unexpected token. Only a leading
 * one: a U+FEFF inside a value is the record's own text.
 */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function locateJsonSyntaxError(text: string): JsonSyntaxError | null {
  const offset = firstBadOffset(text);
  return offset === null ? null : describeAt(text, offset);
}

function firstBadOffset(text: string): number | null {
  const open: string[] = [];
  let expect: Expectation = 'value';
  let i = 0;
  for (;;) {
    WHITESPACE.lastIndex = i;
    WHITESPACE.test(text);
    i = WHITESPACE.lastIndex;
    if (i >= text.length) return expect === 'end' ? null : text.length;
    const c = text[i];
    const afterValue = (): Expectation => (open.length > 0 ? 'commaOrClose' : 'end');
    if (expect === 'end') return i;
    if (expect === 'colon') {
      if (c !== ':') return i;
      i++;
      expect = 'value';
    } else if (expect === 'commaOrClose') {
      const container = open[open.length - 1];
      if (c === ',') expect = container === '{' ? 'key' : 'value';
      else if ((c === '}' && container === '{') || (c === ']' && container === '[')) {
        open.pop();
        expect = afterValue();
      } else return i;
      i++;
    } else if (expect === 'key' || expect === 'keyOrClose') {
      if (c === '}' && expect === 'keyOrClose') {
        open.pop();
        i++;
        expect = afterValue();
      } else if (c === '"') {
        const end = endOfString(text, i);
        if (end < 0) return badOffset(end);
        i = end;
        expect = 'colon';
      } else return i;
    } else if (c === ']' && expect === 'valueOrClose') {
      open.pop();
      i++;
      expect = afterValue();
    } else if (c === '{' || c === '[') {
      open.push(c);
      i++;
      expect = c === '{' ? 'keyOrClose' : 'valueOrClose';
    } else {
      const end = endOfScalar(text, i);
      if (end < 0) return badOffset(end);
      i = end;
      expect = afterValue();
    }
  }
}

/** Offset just past the scalar at `start`, or `bad(offset)` of the first wrong character. */
function endOfScalar(text: string, start: number): number {
  if (text[start] === '"') return endOfString(text, start);
  for (const literal of ['true', 'false', 'null']) if (text.startsWith(literal, start)) return start + literal.length;
  NUMBER.lastIndex = start;
  return NUMBER.test(text) ? NUMBER.lastIndex : bad(start);
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return bad(i);
    if (code === 0x5c) {
      const escaped = text[i + 1];
      if (escaped === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return bad(i + 1);
        i += 5;
      } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) i++;
      else return bad(i + 1);
    }
  }
  return bad(text.length);
}

/** Scanners return an end offset, or a negative number encoding the offset of the bad character. */
function bad(offset: number): number {
  return -offset - 1;
}

function badOffset(encoded: number): number {
  return -encoded - 1;
}

function describeAt(text: string, offset: number): JsonSyntaxError {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const found = text[offset];
  const reason = found === undefined ? 'unexpected end of input' : `unexpected ${JSON.stringify(found)}`;
  return { offset, line, column: offset - lineStart + 1, reason };
}
