import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { setFlag } from '../../main/flags/index.js';
import type { Store } from '../../main/store/index.js';
import { runReviews } from '../../main/validation/index.js';
import { tester } from '../helpers/callers.js';
import { testBackends } from '../helpers/backends.js';

const SINCE = '2026-06-01T00:00:00.000Z';
const inWindow = (day: number) => new Date(Date.parse(SINCE) + day * 86_400_000).toISOString();
const beforeWindow = (day: number) => new Date(Date.parse(SINCE) - (day + 1) * 86_400_000).toISOString();

async function storedRun(store: Store): Promise<number> {
  const startedAt = '2026-05-01T06:00:00.000Z';
  const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: 'daily', source: 'crafted', startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
  await store.finishRun(runId, { status: 'success', finishedAt: startedAt, metrics: { fetched: 1, added: 1, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1 }, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation: null, error: null });
  return runId;
}

describe.each(testBackends())('History annotations since a time ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('gives each kind its newest `limit` events in the window, however many older ones were written after them', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const runId = await storedRun(store);
      const review = (at: string, reason: string) => runReviews(store).add({ runId, action: 'expected', reasonKind: 'known-event', reason, operator: 'cy', at });
      const flag = (at: string, value: number, reason: string) => setFlag(store, { flag: 'BATCH_SIZE', value, reason, operator: 'ada', now: new Date(at) });
      // In the window first, then more than `limit` backdated ones (an import of an older audit): newer ids, older times.
      for (const day of [1, 2, 3]) {
        await review(inWindow(day), `in ${day}`);
        await flag(inWindow(day), 20 + day, `in ${day}`);
      }
      for (const day of [1, 2, 3, 4, 5, 6]) {
        await review(beforeWindow(day), `before ${day}`);
        await flag(beforeWindow(day), 40 + day, `before ${day}`);
      }

      const annotations = createApi({ store, engine, transport: 'http' })['history.annotations'];
      const { events, unavailable } = await annotations({ since: SINCE, limit: 2 }, tester);
      expect(unavailable).toEqual([]);
      expect(events.map((e) => `${e.kind} ${e.reason}`)).toEqual(['flag in 2', 'review in 2', 'flag in 3', 'review in 3']);
      const all = await annotations({ since: SINCE, limit: 10 }, tester);
      expect(all.events.filter((e) => e.kind === 'review').map((e) => e.reason)).toEqual(['in 1', 'in 2', 'in 3']);
      // Without a window, the newest `limit` rows, as before.
      const unbounded = await annotations({ limit: 2 }, tester);
      expect(unbounded.events.filter((e) => e.kind === 'review').map((e) => e.reason)).toEqual(['before 6', 'before 5']);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 60_000);
});
