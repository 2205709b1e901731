import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; tests inject one that advances a fake clock instead of waiting. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A real wait that ends early, quietly, when `signal` aborts (the caller checks the signal). */
export const realSleep: Sleep = async (ms, signal) => {
  if (ms <= 0 || signal?.aborted) return;
  await delay(ms, undefined, { signal }).catch((error: unknown) => {
    if (!signal?.aborted) throw error;
  });
};

export const systemClock = (): Date => new Date();
