import { nextTick, ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { focusLost } from '../focus.js';
import { ApiError } from '../client/index.js';
import { useOperator } from '../stores/operator.js';

export interface Loader<T> {
  data: ShallowRef<T | null>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  /** The error is one asking again cannot change (the thing is not there): no "Try again". */
  final: Ref<boolean>;
  load: () => Promise<void>;
  /**
   * Reads again keeping what is shown (the data, or the error) until the answer: a look every few
   * seconds must not blank a table, nor make an error blink, while it waits.
   */
  refresh: () => Promise<void>;
}

/** One API read with its loading and error state; the message carries the server's hint. */
export function useLoader<T>(fetcher: () => Promise<T>): Loader<T> {
  const data = shallowRef<T | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const final = ref(false);
  /** Only the newest read lands: an older answer that arrives after it would show the past. */
  let asked = 0;
  async function read(keepShown: boolean): Promise<void> {
    const mine = ++asked;
    if (!keepShown) {
      loading.value = data.value === null;
      error.value = null;
      final.value = false;
    }
    try {
      const fresh = await fetcher();
      if (mine !== asked) return;
      data.value = fresh;
      error.value = null;
      final.value = false;
    } catch (failure) {
      if (mine !== asked) return;
      error.value = describeError(failure);
      final.value = isFinal(failure);
    } finally {
      if (mine === asked) loading.value = false;
    }
  }
  return { data, loading, error, final, load: () => read(false), refresh: () => read(true) };
}

export interface Pages<T> {
  /** null until the first page has been read. */
  items: ShallowRef<T[] | null>;
  hasMore: Ref<boolean>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  /** As Loader.final: the list's owner (a task, a run) is not there, so "Try again" would only repeat it. */
  final: Ref<boolean>;
  /** Reads the page after the last item read (the first page when none is). */
  loadMore: () => Promise<void>;
  /** Forgets what was read and reads the first page again (a new filter: a new list). */
  reload: () => Promise<void>;
  /**
   * Reads the same list again as deep as the operator had opened it (as many pages), and only then
   * swaps it in: a live update (a run finished, a rollback) must not close the older pages someone
   * was reading.
   */
  refresh: () => Promise<void>;
}

/**
 * A list the server pages by keyset: `read(after)` returns up to `pageSize` items after the key
 * of the last one read. A list that can grow past what a page holds (an audit trail, a big run's
 * quarantine) is read this way rather than capped at one large read.
 */
export function usePages<T>(read: (after: number | undefined) => Promise<T[]>, keyOf: (item: T) => number, pageSize: number): Pages<T> {
  const items = shallowRef<T[] | null>(null);
  const hasMore = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const final = ref(false);
  /** A reload outdates pages still on their way (a slow answer for the task chosen before must not land after the new one). */
  let generation = 0;
  /** How many pages the list shown was read in: what a refresh reads again. */
  let pagesShown = 0;
  async function fetchPages(kept: T[], keptPages: number, pages: number, asked: number, forget = false): Promise<void> {
    loading.value = true;
    error.value = null;
    final.value = false;
    try {
      let fresh = kept;
      let more = true;
      let count = 0;
      while (count < pages && more) {
        const page = await read(fresh.length === 0 ? undefined : keyOf(fresh.at(-1)!));
        if (asked !== generation) return;
        fresh = [...fresh, ...page];
        more = page.length === pageSize;
        count++;
      }
      items.value = fresh;
      hasMore.value = more;
      pagesShown = keptPages + count;
    } catch (failure) {
      if (asked === generation) {
        error.value = describeError(failure);
        final.value = isFinal(failure);
        // A new list that could not be read leaves none: the old one on screen, under a filter
        // that was refused, read as the answer to it.
        if (forget) {
          items.value = null;
          hasMore.value = false;
          pagesShown = 0;
        }
      }
    } finally {
      if (asked === generation) loading.value = false;
    }
  }
  return {
    items,
    hasMore,
    loading,
    error,
    final,
    loadMore: () => fetchPages(items.value ?? [], pagesShown, 1, generation),
    reload: () => fetchPages([], 0, 1, ++generation, true),
    refresh: () => fetchPages([], 0, Math.max(1, pagesShown), ++generation),
  };
}

/**
 * Asking again gives the same answer: NOT_FOUND (the thing asked about is not there), USAGE (the
 * request itself was refused — a `since` after now — so only other input can change it).
 */
export function isFinal(failure: unknown): boolean {
  return failure instanceof ApiError && (failure.code === 'NOT_FOUND' || failure.code === 'USAGE');
}

export function describeError(failure: unknown): string {
  if (failure instanceof ApiError) return failure.hint ? `${failure.message} — ${failure.hint}` : failure.message;
  return failure instanceof Error ? failure.message : String(failure);
}

export interface Action {
  busy: Ref<boolean>;
  error: Ref<string | null>;
  /** Runs `work` with busy set and the error cleared; a failure becomes the error message. */
  run: (work: () => Promise<void>) => Promise<void>;
}

/**
 * One API write with its busy and error state, the twin of useLoader for actions. A refused write
 * puts keyboard focus back where the operator acted (the button that sent it, disabled while busy,
 * or the field they pressed Enter in): disabling the focused button dropped it to the page.
 */
export function useAction(): Action & { runFrom: (actedFrom: Element | null, work: () => Promise<void>) => Promise<void> } {
  const busy = ref(false);
  const error = ref<string | null>(null);
  async function runFrom(actedFrom: Element | null, work: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = null;
    try {
      await work();
    } catch (failure) {
      error.value = describeError(failure);
    } finally {
      busy.value = false;
    }
    if (error.value !== null && actedFrom instanceof HTMLElement) {
      await nextTick();
      if (focusLost() && actedFrom.isConnected) actedFrom.focus();
    }
  }
  return { busy, error, run: (work) => runFrom(focusedElement(), work), runFrom };
}

function focusedElement(): Element | null {
  return typeof document === 'undefined' ? null : document.activeElement;
}

/**
 * An action the audit records: it runs only once the operator is known (a browser session names
 * itself first). Busy from the click on, while the name is asked too, so a second click cannot
 * queue a second start behind the prompt.
 */
export function useAuditedAction(): Action {
  const operator = useOperator();
  const { runFrom, ...action } = useAction();
  return {
    ...action,
    async run(work) {
      // Before busy disables the button that was pressed (and drops focus from it).
      const actedFrom = focusedElement();
      action.busy.value = true;
      let named = false;
      try {
        named = await operator.ensureNamed();
      } finally {
        if (!named) action.busy.value = false;
      }
      if (named) await runFrom(actedFrom, work);
    },
  };
}
