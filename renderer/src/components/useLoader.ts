import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { ApiError } from '../client/index.js';

export interface Loader<T> {
  data: ShallowRef<T | null>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  load: () => Promise<void>;
}

/** One API read with its loading and error state; the message carries the server's hint. */
export function useLoader<T>(fetcher: () => Promise<T>): Loader<T> {
  const data = shallowRef<T | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  async function load(): Promise<void> {
    loading.value = data.value === null;
    error.value = null;
    try {
      data.value = await fetcher();
    } catch (failure) {
      error.value = describeError(failure);
    } finally {
      loading.value = false;
    }
  }
  return { data, loading, error, load };
}

export function describeError(failure: unknown): string {
  if (failure instanceof ApiError) return failure.hint ? `${failure.message} — ${failure.hint}` : failure.message;
  return failure instanceof Error ? failure.message : String(failure);
}
