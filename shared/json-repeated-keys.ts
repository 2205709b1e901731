/**
 * JSON.parse keeps the last of an object's repeated keys without a word: `{"title":"A","title":"B"}`
 * parses to `{title: "B"}`, and the "A" its writer also sent is gone before any rule can look. RFC
 * 8259 §4 leaves such an object's meaning to the reader; nothing here can tell which value was meant.
 * So every parse of outside input goes through `parseJsonNotingRepeatedKeys`, which finds them.
 *
 * The clean path stays JSON.parse plus two counts. In JSON text every key's colon follows its closing
 * quote or whitespace, so the colons that do (`keyColons`) are at least the keys written — more when
 * a string holds `":` or ` :`. The parsed value holds the keys written less every repeat. Equal
 * counts therefore mean no object repeated a key; only when they differ is the text read again by
 * the exact reader below, which says which objects did (a false alarm costs that read, nothing more).
 */

import { walkRecord } from './record-walk.js';

export interface RepeatedKey {
  key: string;
  /** Every value the object gave the key, in the order written; the parsed object holds the last. */
  values: unknown[];
}

export interface RepeatedKeys {
  /** The objects that repeat a key, each with the keys it repeats. */
  readonly objects: ReadonlyMap<object, readonly RepeatedKey[]>;
  /** The text an object of the parsed value was read from, as its writer wrote it. */
  textOf(value: object): string | undefined;
}

export interface ParsedJson {
  value: unknown;
  /** Null when no object repeats a key (the common case). */
  repeated: RepeatedKeys | null;
}

/**
 * The first object inside `root` (`skip`'s subtrees aside) that repeats a key, said as a reason says
 * it — `witnesses[0] gives the key "name" twice ("Ann", then "Bo"): …` — or null when none does.
 */
export function firstRepeatedKey(root: unknown, repeated: RepeatedKeys, rootName: string, skip?: ReadonlySet<unknown>): string | null {
  let found: string | null = null;
  walkRecord(root, ({ value, path }) => {
    if (skip?.has(value) === true) return 'skip';
    const repeats = typeof value === 'object' && value !== null ? repeated.objects.get(value) : undefined;
    if (repeats === undefined) return;
    found = repeatedKeysMessage(path() || rootName, repeats);
    return false;
  });
  return found;
}

function repeatedKeysMessage(where: string, repeats: readonly RepeatedKey[]): string {
  const [first] = repeats;
  const times = first!.values.length === 2 ? 'twice' : `${first!.values.length} times`;
  const shown = first!.values.slice(0, 3).map(shortJson).join(', then ') + (first!.values.length > 3 ? ', …' : '');
  const more = repeats.length > 1 ? ` (and ${repeats.slice(1).map((repeat) => JSON.stringify(repeat.key)).join(', ')} too)` : '';
  return `${where} gives the key ${JSON.stringify(first!.key)} ${times} (${shown})${more}: which value was meant cannot be told`;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** JSON.parse, noting every object that repeats a key. Throws as JSON.parse does on text that is not JSON. */
export function parseJsonNotingRepeatedKeys(text: string): ParsedJson {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || keyColons(text) === keysOf(value)) return { value, repeated: null };
  const exact = readExactly(text);
  return exact.objects.size === 0 ? { value, repeated: null } : { value: exact.value, repeated: exact };
}

/** Colons right after a quote or JSON whitespace: every key's, and those of strings holding `":` or ` :`. */
function keyColons(text: string): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    const before = text.charCodeAt(at - 1);
    if (before === 0x22 || before === 0x20 || before === 0x0a || before === 0x0d || before === 0x09) count++;
  }
  return count;
}

/** The keys of every object inside `root`, without recursion (JSON.parse nests as deep as it is given). */
function keysOf(root: object): number {
  let count = 0;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const container = stack.pop()!;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item === 'object' && item !== null) stack.push(item);
      }
      continue;
    }
    // for…in sees JSON.parse's own keys, "__proto__" among them (it is defined as an own property).
    for (const key in container) {
      count++;
      const item = (container as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return count;
}

interface Container {
  value: Record<string, unknown> | unknown[];
  start: number;
  /** The key the next value belongs to, in an object. */
  key: string | null;
  seen: Map<string, unknown[]> | null;
}

/**
 * A JSON reader that gives the value JSON.parse gives (last key wins, "__proto__" an own key) and,
 * beside it, each object's repeated keys and text span. Only for text JSON.parse has accepted, so
 * it does not check the grammar again; iterative, as JSON.parse is, so deep nesting costs no stack.
 */
function readExactly(text: string): RepeatedKeys & { value: unknown } {
  const objects = new Map<object, RepeatedKey[]>();
  const spans = new WeakMap<object, [number, number]>();
  const stack: Container[] = [];
  let root: unknown;
  let i = 0;
  const place = (value: unknown): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) root = value;
    else if (Array.isArray(top.value)) top.value.push(value);
    else setKey(top, value);
  };
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2c || c === 0x3a) {
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      stack.push({ value: c === 0x7b ? {} : [], start: i, key: null, seen: null });
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      const done = stack.pop()!;
      spans.set(done.value, [done.start, i + 1]);
      if (done.seen !== null) {
        const repeats = [...done.seen].filter(([, values]) => values.length > 1).map(([key, values]) => ({ key, values }));
        if (repeats.length > 0) objects.set(done.value, repeats);
      }
      i++;
      place(done.value);
    } else if (c === 0x22) {
      const end = endOfString(text, i);
      const raw = text.slice(i + 1, end - 1);
      const value = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
      i = end;
      const top = stack[stack.length - 1];
      if (top !== undefined && !Array.isArray(top.value) && top.key === null) top.key = value;
      else place(value);
    } else {
      let end = i + 1;
      while (end < text.length && !',]} \t\n\r'.includes(text[end]!)) end++;
      const token = text.slice(i, end);
      place(token === 'true' ? true : token === 'false' ? false : token === 'null' ? null : Number(token));
      i = end;
    }
  }
  return { value: root, objects, textOf: (value) => spanText(text, spans.get(value)) };
}

function setKey(top: Container, value: unknown): void {
  const object = top.value as Record<string, unknown>;
  const key = top.key!;
  top.key = null;
  top.seen ??= new Map();
  const values = top.seen.get(key);
  if (values === undefined) top.seen.set(key, [value]);
  else values.push(value);
  // As JSON.parse defines it: an own property even for "__proto__", which assignment would not make.
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) i++;
    else if (code === 0x22) return i + 1;
  }
  return text.length;
}

function spanText(text: string, span: [number, number] | undefined): string | undefined {
  return span === undefined ? undefined : text.slice(span[0], span[1]);
}
