import { afterAll, describe, expect, it } from 'vitest';
import { killAndResumeUntilDone } from '../../bench/kill-resume.js';
import { rollback } from '../../main/backup/index.js';
import { runUpdate, type UpdateOptions } from '../../main/engine/index.js';
import { openSource, type SourceItem } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { domainFingerprint, domainRows, hashDomainRows } from '../helpers/domain-rows.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/** Issue 12 item 3: batches double while they commit, up to a ceiling, and drop back after a batch that wrote nothing. */
const ADAPTIVE = { batchSize: 10, batchCeiling: 160 } satisfies Partial<UpdateOptions>;

async function recordsOf(spec: string): Promise<unknown[]> {
  const items: SourceItem[] = [];
  for await (const item of (await openSource(spec)).items()) items.push(item);
  return items.map((item) => item.raw);
}

async function plannedSizes(store: Store, runId: number): Promise<number[]> {
  return (await store.getRun(runId))!.batchList.map((batch) => batch.planned);
}

describe.each(testBackends())('adaptive batches on $name', (backend) => {
  afterAll(() => backend.cleanup());

  function update(store: Store, records: unknown[], options: Partial<UpdateOptions> = {}) {
    return runUpdate({ store, source: arraySource(records), ...ADAPTIVE, ...options });
  }

  it('doubles each batch that commits clean until the ceiling, then stays there', async () => {
    await withFreshStore(backend, async (store) => {
      const summary = await update(store, hearingRecords(1000));
      expect(summary.status).toBe('success');
      expect(summary.batchSize).toBe(10);
      expect(await plannedSizes(store, summary.runId)).toEqual([10, 20, 40, 80, 160, 160, 160, 160, 160, 50]);
      expect(await store.countHearings()).toBe(1000);
    });
  });

  it('keeps every batch at the configured size when the flag turns it off (no ceiling)', async () => {
    await withFreshStore(backend, async (store) => {
      const summary = await update(store, hearingRecords(100), { batchCeiling: null });
      expect(await plannedSizes(store, summary.runId)).toEqual(Array(10).fill(10));
    });
  });

  it('isolates a bad record in a grown batch, commits its other 159, and keeps growing (isolation is per record at any size)', async () => {
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await update(store, hearingRecords(1000));
        expect(summary.status).toBe('partial');
        expect(summary.metrics).toMatchObject({ fetched: 1000, added: 999, quarantined: 1 });
        const batches = (await store.getRun(summary.runId))!.batchList;
        // Positions 150–309 make the fifth batch; 200 is in it.
        expect(batches[4]).toMatchObject({ status: 'isolated', planned: 160, written: 159, quarantined: 1, firstPosition: 150, lastPosition: 309 });
        expect(batches.slice(5).map((b) => [b.status, b.planned])).toEqual([['committed', 160], ['committed', 160], ['committed', 160], ['committed', 160], ['committed', 50]]);
        const [entry] = await store.listQuarantine({ runId: summary.runId });
        expect(entry).toMatchObject({ eventId: '100200', batchSeq: 5, sourcePosition: 200 });
        expect(await store.countHearings()).toBe(999);
      },
      { failWriteOf: (id) => id === '100200' },
    );
  });

  it('stopped after its third batch and resumed, stores exactly what one uninterrupted run stores', async () => {
    const records = hearingRecords(700);
    const cleanLocation = await backend.freshLocation();
    const clean = await backend.open(cleanLocation);
    await update(clean, records).finally(() => clean.close());

    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const controller = new AbortController();
      const onEvent: UpdateOptions['onEvent'] = (event) => {
        if (event.type === 'batch-finished' && event.batch.seq === 3) controller.abort();
      };
      const first = await update(store, records, { signal: controller.signal, onEvent });
      expect(first.status).toBe('interrupted');
      expect(await store.countHearings()).toBe(70);
      const resumed = await runUpdate({ store, source: arraySource(records), resumeRunId: first.runId, ...ADAPTIVE });
      expect(resumed.status).toBe('success');
      expect(resumed.metrics).toMatchObject({ fetched: 700, added: 700, quarantined: 0 });
      // The resumed segment starts again from the configured size.
      expect(await plannedSizes(store, first.runId)).toEqual([10, 20, 40, 10, 20, 40, 80, 160, 160, 160]);
    } finally {
      await store.close();
    }
    expect(await domainRows(location)).toEqual(await domainRows(cleanLocation));
  });

  it('rolls back one grown batch exactly, then the rest back to the hash before the run', async () => {
    const base = await recordsOf('synthetic:seed=3,count=1000');
    const revised = [...(await recordsOf('synthetic:seed=3,count=1000,revision=1,changed=100')), ...(await recordsOf('synthetic:seed=3,offset=1000,count=50'))];
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await update(store, base, { batchSize: 1000 });
      const before = hashDomainRows(await domainRows(location));
      const second = await update(store, revised, { batchSize: 20, batchCeiling: 80 });
      expect(second.metrics).toMatchObject({ added: 50, updated: 100 });
      expect(await plannedSizes(store, second.runId)).toEqual([20, 40, 80, 10]);
      const third = await rollback(store, { runId: second.runId, batchSeq: 3 });
      expect(third.hearings).toHaveLength(80);
      const undone = await store.loadHearings(third.hearings.map((h) => h.eventId));
      for (const hearing of undone.values()) expect(hearing.lastRunId).toBe(1);
      expect(await store.countHearings()).toBe(1050 - third.counts.deleted);
      for (const seq of [1, 2, 4]) await rollback(store, { runId: second.runId, batchSeq: seq });
      expect((await store.getRun(second.runId))!.status).toBe('rolled_back');
      expect(hashDomainRows(await domainRows(location))).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('killed with SIGKILL mid-run through the CLI (adaptive by default) and resumed, equals a clean run', async () => {
    const source = 'synthetic:seed=11,count=6000';
    const cleanDb = await backend.freshLocation();
    await killAndResumeUntilDone({ db: cleanDb, source, kills: 0, seed: 1, extraArgs: ['--batch-size', '10'] });
    const db = await backend.freshLocation();
    const chain = await killAndResumeUntilDone({ db, source, kills: 2, seed: 5, minMs: 0, maxMs: 200, extraArgs: ['--batch-size', '10'] });
    expect(chain.kills).toBeGreaterThan(0);
    expect(chain.run.status).toBe('success');
    expect(chain.run.metrics).toMatchObject({ fetched: 6000, added: 6000 });
    expect(await domainFingerprint(db)).toEqual(await domainFingerprint(cleanDb));
  }, 180_000);
});
