/**
 * Groups a stream into arrays of up to `size`, so each group costs one database lookup. Each
 * window starts on a fresh macrotask: better-sqlite3 and the synthetic source resolve their
 * promises at once, and without the turn a SIGINT/SIGTERM handler would wait for the whole update.
 * A stream that fails part-way hands over what it had read as a last, partial window, and then
 * the failure: each item may have cost a request against the source's quota (a Congress.gov detail).
 */
export async function* inWindows<T>(items: AsyncIterable<T>, size: number, early?: EarlyWindowEnd): AsyncGenerator<T[]> {
  let window: T[] = [];
  try {
    for await (const item of early ? early.interrupting(items) : items) {
      if (item === WINDOW_END) {
        const part = window;
        window = [];
        yield part;
        continue;
      }
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

const WINDOW_END = Symbol('window end');

/**
 * A window ended before it is full, when asked: a batch run's boundary wanted now (StopWatch: a
 * halt may be stored) while its source is slow to hand over the window's next item. The item being
 * fetched is not abandoned: the run goes on waiting for it after the boundary, unless the boundary
 * stopped the run (its signal then abandons the fetch).
 */
export class EarlyWindowEnd {
  private request: (() => void) | null = null;
  private wake: (() => void) | null = null;

  /** Asks for the window being read to end now; resolves once the run has passed the boundary after it (reached). */
  ask(): Promise<void> {
    return new Promise((resolve) => {
      this.request = resolve;
      this.wake?.();
    });
  }

  isAsked(): boolean {
    return this.request !== null;
  }

  /** The boundary asked for has been passed (or the run ended): the asker goes on. */
  reached(): void {
    const request = this.request;
    this.request = null;
    request?.();
  }

  /** `items`, with WINDOW_END wherever an end was asked while the next item was awaited. */
  async *interrupting<T>(items: AsyncIterable<T>): AsyncGenerator<T | typeof WINDOW_END> {
    const iterator = items[Symbol.asyncIterator]();
    let next: Promise<IteratorResult<T>> | null = null;
    let ended = false;
    try {
      for (;;) {
        next ??= iterator.next();
        const got = await Promise.race([next, this.asked()]);
        if (got === WINDOW_END) {
          yield WINDOW_END;
          continue;
        }
        next = null;
        if (got.done) return void (ended = true);
        yield got.value;
      }
    } catch (failure) {
      ended = true;
      throw failure;
    } finally {
      if (!ended) await this.closeEarly(iterator, next);
    }
  }

  private asked(): Promise<typeof WINDOW_END> {
    if (this.request) return Promise.resolve(WINDOW_END);
    return new Promise((resolve) => (this.wake = () => resolve(WINDOW_END)));
  }

  /**
   * The run left the source with an item still being fetched (its signal aborted: a stop): that
   * fetch ends on its own, and the source closes after it; the run does not wait for either.
   */
  private async closeEarly<T>(iterator: AsyncIterator<T>, next: Promise<IteratorResult<T>> | null): Promise<void> {
    if (next === null) {
      await iterator.return?.();
      return;
    }
    next.catch(() => {});
    iterator.return?.().catch(() => {});
  }
}
