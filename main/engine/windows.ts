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
const ENDED = Promise.resolve(WINDOW_END);

/**
 * A window ended before it is full, when asked: a batch run's boundary wanted now (StopWatch: a
 * halt may be stored) while its source is slow to hand over the window's next item. The item being
 * fetched is not abandoned: the run goes on waiting for it after the boundary, unless the boundary
 * stopped the run (its signal then abandons the fetch).
 */
export class EarlyWindowEnd {
  private request: (() => void) | null = null;
  /** Resolves the item's wait (firstOf) with WINDOW_END. */
  private wake: ((end: typeof WINDOW_END) => void) | null = null;

  /** Asks for the window being read to end now; resolves once the run has passed the boundary after it (reached). */
  ask(): Promise<void> {
    return new Promise((resolve) => {
      this.request = resolve;
      this.wake?.(WINDOW_END);
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
        const got = await this.firstOf(next);
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

  /**
   * The next item, or WINDOW_END if an end is asked before it is there: an item already handed
   * over wins over an end asked already (its reaction is queued first), as in a Promise.race of the
   * two. Awaited for every item of a batch run with a StopWatch, so it costs one promise an item;
   * the race and a new asked-promise an item were three more, with their reactions.
   */
  private firstOf<T>(next: Promise<IteratorResult<T>>): Promise<IteratorResult<T> | typeof WINDOW_END> {
    return new Promise((resolve, reject) => {
      next.then(resolve, reject);
      if (this.request) void ENDED.then(resolve);
      else this.wake = resolve;
    });
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
