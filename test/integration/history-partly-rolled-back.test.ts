import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { trainsValidator, validationHistory } from '../../main/validation/index.js';
import { recordsAccounted } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A run support rolled back in part (some of its batches) kept training the historical validator
 * with metrics that counted writes no longer in the database. It now leaves the training history as
 * a run rolled back whole does — decided from its rolled-back batches, its metrics left as they
 * were, so every record fetched is still accounted for (DESIGN §4).
 */
describe.each(testBackends())('a run rolled back in part, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('leaves the validator\'s training history, its metrics unchanged', async () => {
    await withFreshStore(backend, async (store) => {
      for (let look = 0; look < 3; look++) {
        await runUpdate({ store, batchSize: 10, source: arraySource(hearingRecords(30, 800000, (i) => ({ title: `Look ${look} of ${i}` }))) });
      }
      const before = (await store.getRun(3))!.metrics;
      expect((await rollback(store, { runId: 3, batchSeq: 2, reason: 'bad titles in batch 2', operator: 'sam' })).counts.restored).toBe(10);

      const run = (await store.getRun(3))!;
      expect(run.status).toBe('success');
      expect(run.metrics).toEqual(before);
      expect(recordsAccounted(run.metrics)).toBe(run.metrics.fetched);
      expect((await validationHistory(store)).map((entry) => entry.startedAt)).toEqual([(await store.getRun(1))!.startedAt, (await store.getRun(2))!.startedAt]);
      expect((await store.reports.judged({ training: true })).map((judged) => judged.runId)).toEqual([1, 2]);
      expect((await store.reports.judged({})).filter(trainsValidator).map((judged) => judged.runId)).toEqual([1, 2]);
    });
  });
});
