/**
 * Visits every value inside a parsed record without recursion. JSON.parse in V8 is iterative, so
 * a line of 100,000 nested arrays parses fine — and then overflows the stack of any recursive walk
 * over the result. Every traversal of a raw record goes through here.
 */
export interface WalkedValue {
  value: unknown;
  /** Containers enclosing this value, itself included when it is one: the record object is 1. */
  depth: number;
  /** `witnesses[3].name`; built only when asked for, since most walks never need it. */
  path(): string;
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | null;
  key: string | number | null;
}

/**
 * Depth-first, in key order. `visit` returns false to stop the whole walk (a limit was found), or
 * 'skip' to leave this value's children unvisited.
 */
export function walkRecord(root: unknown, visit: (step: WalkedValue) => boolean | 'skip' | void): void {
  const stack: Frame[] = [{ value: root, depth: isContainer(root) ? 1 : 0, parent: null, key: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const verdict = visit({ value: frame.value, depth: frame.depth, path: () => pathOf(frame) });
    if (verdict === false) return;
    if (verdict === 'skip' || !isContainer(frame.value)) continue;
    pushChildren(stack, frame);
  }
}

function pushChildren(stack: Frame[], parent: Frame): void {
  const value = parent.value;
  const childDepth = (child: unknown) => (isContainer(child) ? parent.depth + 1 : parent.depth);
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: childDepth(value[i]), parent, key: i });
    return;
  }
  const keys = Object.keys(value as object);
  for (let i = keys.length - 1; i >= 0; i--) {
    const child = (value as Record<string, unknown>)[keys[i]!];
    stack.push({ value: child, depth: childDepth(child), parent, key: keys[i]! });
  }
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function pathOf(frame: Frame): string {
  const parts: (string | number)[] = [];
  for (let at: Frame | null = frame; at !== null && at.key !== null; at = at.parent) parts.push(at.key);
  let path = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const key = parts[i]!;
    path += typeof key === 'number' ? `[${key}]` : path === '' ? key : `.${key}`;
  }
  return path;
}

/**
 * JSON text of a value, cut off below `maxDepth` containers ("…" stands for what was left out), so
 * even a record nested 100,000 deep can be shown. JSON.stringify recurses; the replacer stops it
 * before the stack is at risk.
 */
export function jsonWithinDepth(value: unknown, maxDepth: number): { text: string; cut: boolean } {
  const depths = new WeakMap<object, number>();
  let cut = false;
  const text = JSON.stringify(value, function (this: unknown, _key: string, child: unknown) {
    if (!isContainer(child)) return child;
    const depth = (isContainer(this) ? (depths.get(this) ?? 0) : 0) + 1;
    if (depth > maxDepth) {
      cut = true;
      return '…';
    }
    depths.set(child, depth);
    return child;
  });
  return { text: text ?? 'null', cut };
}
