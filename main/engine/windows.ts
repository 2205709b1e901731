/**
 * Groups a stream into arrays of up to `size`, so each group costs one database lookup. Each
 * window starts on a fresh macrotask: better-sqlite3 and the synthetic source resolve their
 * promises at once, and without the turn a SIGINT/SIGTERM handler would wait for the whole update.
 * A stream that fails part-way hands over what it had read as a last, partial window, and then
 * the failure: each item may have cost a request against the source's quota (a Congress.gov detail).
 */
export async function* inWindows<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let window: T[] = [];
  try {
    for await (const item of items) {
      window.push(item);
      if (window.length >= size) {
        const full = window;
        window = [];
        await yieldToEventLoop();
        yield full;
      }
    }
  } catch (failure) {
    if (window.length > 0) yield window;
    throw failure;
  }
  if (window.length > 0) {
    await yieldToEventLoop();
    yield window;
  }
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
