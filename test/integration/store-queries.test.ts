import { tester } from '../helpers/callers.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, memoryPreferences } from '../../main/api/index.js';
import { rollback, undoJournal } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { flagStore, setFlag } from '../../main/flags/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const HOUR = 3_600_000;
const clockAt = (iso: string) => () => new Date(iso);

/**
 * Nine runs two hours apart from 01:00: every third one of task `daily`, the others `hourly`; run 5
 * with six records whose date cannot be parsed, run 8 from a feed of one broken record.
 */
async function nineRuns(store: Store): Promise<void> {
  for (let i = 0; i < 9; i++) {
    const records = i === 4 ? hearingRecords(30, 5000, (n) => (n % 5 === 0 ? { date: 'not a date' } : {})) : hearingRecords(10, 1000 + i * 10);
    const source = i === 7 ? arraySource([{ eventId: 'x' }], 'file:/feeds/100%_Special.json') : arraySource(records, `feed-${i + 1}`);
    const task = i % 3 === 0 ? 'daily' : 'hourly';
    await runUpdate({ store, source, task, batchSize: 5, clock: clockAt(new Date(Date.parse('2026-03-01T01:00:00Z') + i * 2 * HOUR).toISOString()) });
  }
}

describe.each(testBackends())('queries on $name filter and page in SQL', (backend) => {
  afterAll(() => backend.cleanup());

  it('lists runs by task, status, verdict, source, time and text before the limit, and pages with a cursor', async () => {
    await withFreshStore(backend, async (store) => {
      await nineRuns(store);
      const ids = async (query: Parameters<Store['listRuns']>[0]) => (await store.listRuns(query)).map((run) => run.runId);
      // The two newest daily runs, though newer hourly runs exist: the filter comes before the limit.
      expect(await ids({ task: 'daily', limit: 2 })).toEqual([7, 4]);
      expect(await ids({ task: 'daily', limit: 2, after: 4 })).toEqual([1]);
      expect(await ids({ status: ['partial', 'failed'] })).toEqual([8, 5]);
      expect(await ids({ verdict: ['anomalous', 'ok'], task: 'no-such-task' })).toEqual([]);
      expect(await ids({ since: '2026-03-01T05:00:00.000Z', until: '2026-03-01T09:00:00.000Z' })).toEqual([4, 3]);
      expect(await ids({ search: '100%_special' })).toEqual([8]);
      expect(await ids({ search: '100%_x' })).toEqual([]);
      expect(await ids({ source: 'feed-2' })).toEqual([2]);
      expect(await ids({ task: null })).toEqual([]);
      const pages: number[][] = [];
      for (let after: number | undefined; ; ) {
        const page = await ids({ limit: 4, after });
        if (page.length === 0) break;
        pages.push(page);
        after = page.at(-1);
      }
      expect(pages).toEqual([[9, 8, 7, 6], [5, 4, 3, 2], [1]]);
    });
  });

  it('lists a run\'s quarantine by batch and pages it, and pages flag events and rollback events', async () => {
    await withFreshStore(backend, async (store) => {
      await nineRuns(store);
      const all = await store.listQuarantine({ runId: 5 });
      expect(all.length).toBeGreaterThan(1);
      const batch = all[0]!.batchSeq;
      expect((await store.listQuarantine({ runId: 5, batchSeq: batch })).every((entry) => entry.batchSeq === batch)).toBe(true);
      const firstPage = await store.listQuarantine({ runId: 5, limit: 1 });
      expect(await store.listQuarantine({ runId: 5, limit: 100, after: firstPage[0]!.id })).toEqual(all.slice(1));

      for (const size of [10, 20, 30]) await setFlag(store, { flag: 'BATCH_SIZE', value: size, reason: `try ${size}`, operator: 'ann' });
      const [newest, ...older] = await flagStore(store).history({ flag: 'BATCH_SIZE' });
      expect(await flagStore(store).history({ flag: 'BATCH_SIZE', after: newest!.id })).toEqual(older);
      for (const runId of [9, 8]) await rollback(store, { runId, reason: 'test', operator: 'bo' });
      const events = await undoJournal(store).listEvents({ limit: 1 });
      expect([events[0]!.runId, ...(await undoJournal(store).listEvents({ after: events[0]!.id })).map((event) => event.runId)]).toEqual([8, 9]);
    });
  });

  it('gives history.metrics the newest runs of the task asked for, however many other runs came after', async () => {
    await withFreshStore(backend, async (store) => {
      await nineRuns(store);
      const engine = createInProcessEngineHost({ location: store.location });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
        const points = await api['history.metrics']({ limit: 2, task: 'daily' }, tester);
        expect(points.map((point) => point.runId)).toEqual([4, 7]);
      } finally {
        await engine.close();
      }
    });
  });
});
