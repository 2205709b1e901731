/**
 * Groups a stream into arrays of up to `size`, so each group costs one database lookup. Each
 * window starts on a fresh macrotask: better-sqlite3 and the synthetic source resolve their
 * promises at once, and without the turn a SIGINT/SIGTERM handler would wait for the whole update.
 */
export async function* inWindows<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let window: T[] = [];
  for await (const item of items) {
    window.push(item);
    if (window.length >= size) {
      await yieldToEventLoop();
      yield window;
      window = [];
    }
  }
  if (window.length > 0) {
    await yieldToEventLoop();
    yield window;
  }
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
