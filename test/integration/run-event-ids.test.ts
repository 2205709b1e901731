import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { eventIdFor } from '../../main/sources/synthetic-hearing.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

/**
 * A resumed run rebuilds its duplicate check from the event ids it has written, read a page at a
 * time in key order: every id of the run once, none of another run's, whatever the page size.
 */
async function update(store: Store, spec: string) {
  return runUpdate({ store, source: await openSource(spec), batchSize: 5 });
}

async function writtenBy(store: Store, runId: number, pageSize?: number): Promise<string[]> {
  const ids: string[] = [];
  await store.addEventIdsWrittenByRun(runId, { add: (id) => ids.push(id) }, pageSize);
  return ids;
}

describe.each(testBackends())('the event ids a run wrote, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('come back complete, once each, in key order, at any page size', async () => {
    await withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=11,count=23');
      await update(store, 'synthetic:seed=11,count=23,revision=1,changed=9');
      const stored = await store.loadHearings(Array.from({ length: 23 }, (_, i) => eventIdFor(i)));
      const byRun = (runId: number) => [...stored.values()].filter((h) => h.lastRunId === runId).map((h) => h.eventId).sort();
      expect(byRun(2)).toHaveLength(9);
      for (const pageSize of [1, 4, 9, 10, 14, 23, 10_000]) {
        expect(await writtenBy(store, 2, pageSize), `run 2, pages of ${pageSize}`).toEqual(byRun(2));
        expect(await writtenBy(store, 1, pageSize), `run 1, pages of ${pageSize}`).toEqual(byRun(1));
      }
      expect(await writtenBy(store, 1)).toEqual(byRun(1));
      expect(await writtenBy(store, 99)).toEqual([]);
    });
  });

  it('refuses a page size that could never finish', async () => {
    await withFreshStore(backend, async (store) => {
      for (const pageSize of [0, -1, 2.5, Number.NaN]) {
        await expect(writtenBy(store, 1, pageSize)).rejects.toThrow(/page size/);
      }
    });
  });
});

describe('the index a resume reads by', () => {
  it('serves each page as one range of the index on SQLite (no sort of the whole run per page)', async () => {
    const backend = testBackends()[0]!;
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    await update(store, 'synthetic:seed=12,count=12');
    await store.close();
    const db = new Database(location, { readonly: true });
    try {
      const plan = db.prepare('EXPLAIN QUERY PLAN SELECT event_id FROM hearings WHERE last_run_id = ? AND event_id > ? ORDER BY event_id LIMIT ?').all(1, '', 10) as { detail: string }[];
      const details = plan.map((row) => row.detail).join(' | ');
      expect(details).toContain('hearings_by_last_run');
      expect(details).not.toContain('TEMP B-TREE');
    } finally {
      db.close();
      await backend.cleanup();
    }
  });
});
