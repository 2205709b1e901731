import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate, type UpdateOptions } from '../../main/engine/index.js';
import type { Store, StoreOptions } from '../../main/store/index.js';
import type { RunEvent, RunStatus, RunSummary } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

/**
 * The one sum every run's summary obeys, whatever status it ends with (README "What one run does",
 * `RunMetrics` in shared/run.ts): fetched = added + updated + unchanged + quarantined + rolledBack,
 * where rolledBack is 0 unless an all-or-nothing run was rolled back, and duplicates and fetchErrors
 * are parts of quarantined. The stored run says the same as the summary, and the quarantine holds
 * one entry per record counted quarantined.
 */
const GOOD = hearingRecords(12);
const BAD = [hearingRecord(900, { title: '' }), { eventId: 'x', title: 'no id' }, 'not a record'];
const REPEATED = hearingRecord(100003, { title: 'a later copy' });
const MIXED = [...GOOD.slice(0, 6), BAD[0], REPEATED, ...GOOD.slice(6), BAD[1], BAD[2]];

function sumHolds(summary: RunSummary): void {
  const m = summary.metrics;
  const rolledBack = m.rolledBack ?? 0;
  expect([summary.status, m.fetched]).toEqual([summary.status, m.added + m.updated + m.unchanged + m.quarantined + rolledBack]);
  if (summary.status !== 'rolled_back') expect(rolledBack).toBe(0);
  expect(m.duplicates! + m.fetchErrors!).toBeLessThanOrEqual(m.quarantined);
}

describe.each(testBackends())('what a run summary adds up to, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function ended(records: unknown[], options: Partial<UpdateOptions> = {}, storeOptions?: StoreOptions, prepare?: (store: Store) => Promise<void>): Promise<{ summary: RunSummary; quarantineEntries: number; stored: RunSummary }> {
    return withFreshStore(
      backend,
      async (store) => {
        await prepare?.(store);
        const summary = await runUpdate({ store, source: arraySource(records), batchSize: 5, ...options });
        return { summary, quarantineEntries: (await store.listQuarantine({ runId: summary.runId })).length, stored: (await store.getRun(summary.runId))! };
      },
      storeOptions,
    );
  }

  const refusing = (...ids: number[]) => ({ failWriteOf: (eventId: string) => ids.includes(Number(eventId)) });
  /** Stopped as by Ctrl+C once its second batch (positions 5–10: a bad record and a repeated one among them) is committed. */
  const stopAfterSecondBatch = () => {
    const controller = new AbortController();
    let batches = 0;
    return { signal: controller.signal, onEvent: (event: RunEvent) => void (event.type === 'batch-finished' && ++batches === 2 && controller.abort()) };
  };

  const cases: [RunStatus, () => ReturnType<typeof ended>, Partial<Record<string, number>>][] = [
    ['success', () => ended(GOOD), { fetched: 12, added: 12, quarantined: 0 }],
    ['partial', () => ended(MIXED), { fetched: 16, added: 12, quarantined: 4, duplicates: 1 }],
    ['partial', () => ended(GOOD, {}, refusing(100004)), { fetched: 12, added: 11, quarantined: 1 }],
    ['failed', () => ended(BAD), { fetched: 3, added: 0, quarantined: 3 }],
    ['failed', () => ended(GOOD.slice(0, 3), {}, refusing(100000, 100001, 100002)), { fetched: 3, added: 0, quarantined: 3 }],
    ['rolled_back', () => ended(MIXED, { mode: 'all-or-nothing' }, refusing(100010)), { fetched: 16, added: 0, updated: 0, quarantined: 4, duplicates: 1, rolledBack: 12 }],
    ['interrupted', () => ended(MIXED, stopAfterSecondBatch()), { fetched: 12, added: 10, quarantined: 2, duplicates: 1 }],
    ['held', () => ended(MIXED, { finalStatus: () => 'held' }), { fetched: 16, added: 12, quarantined: 4 }],
    ['success', () => ended(GOOD, {}, undefined, async (store) => void (await runUpdate({ store, source: arraySource(GOOD.slice(0, 8)) }))), { fetched: 12, added: 4, unchanged: 8 }],
  ];

  it.each(cases)('a run ending %s adds up', async (status, run, expected) => {
    const { summary, quarantineEntries, stored } = await run();
    expect(summary.status).toBe(status);
    expect(summary.metrics).toMatchObject(expected);
    sumHolds(summary);
    expect(stored.metrics).toEqual(summary.metrics);
    expect(quarantineEntries).toBe(summary.metrics.quarantined);
  });

  it('an interrupted run and its resume add up, each and together', async () => {
    await withFreshStore(backend, async (store) => {
      const stopped = await runUpdate({ store, source: arraySource(MIXED), batchSize: 5, ...stopAfterSecondBatch() });
      sumHolds(stopped);
      const resumed = await runUpdate({ store, source: arraySource(MIXED), resumeRunId: stopped.runId });
      sumHolds(resumed);
      expect(resumed.metrics).toMatchObject({ fetched: 16, added: 12, quarantined: 4, duplicates: 1 });
      expect(await store.listQuarantine({ runId: stopped.runId })).toHaveLength(4);
    });
  });
});
