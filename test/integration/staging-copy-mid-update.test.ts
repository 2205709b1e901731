import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { copyToStaging } from '../../main/store/index.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A trial copies the source while an update may be writing to it. The copy is one snapshot of what
 * was committed (VACUUM INTO's read transaction; one REPEATABLE READ transaction on PostgreSQL), so
 * it holds the update's committed batches and its run row, `running`, with the source's live pid:
 * staging showed that run as going on for good, and the trial's first run settled it as a process
 * that "stopped before it finished".
 */
describe.each(testBackends())('a staging copy made while an update is writing to the source ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('holds the batches the update had committed and its run ended interrupted as copied mid-run, never a live run; the source run goes on', async () => {
    const source = await backend.freshLocation();
    const staging = await backend.freshLocation();
    const store = await backend.open(source);
    let runId: number;
    let committed: { added: number; batches: number };
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(5)) });
      // Held at the boundary before its third batch: two of 50 committed, the rest not begun.
      let reached: (id: number) => void = () => {};
      let resume: () => void = () => {};
      const atThirdBatch = new Promise<number>((resolve) => (reached = resolve));
      const gate = new Promise<void>((resolve) => (resume = resolve));
      const update = runUpdate({
        store, source: arraySource(hearingRecords(200, 200_000)), batchSize: 50,
        betweenBatches: async (id, next) => {
          if (next === 3) {
            reached(id);
            await gate;
          }
          return null;
        },
      });
      runId = await atThirdBatch;
      const checkpoint = (await store.getCheckpoint(runId))!;
      committed = { added: checkpoint.metrics.added, batches: checkpoint.batchCounts.succeeded };
      expect(committed).toEqual({ added: 100, batches: 2 });
      const copy = await copyToStaging(source, staging, (location) => backend.open(location));
      expect(copy.copiedRunning).toEqual([runId]);
      resume();
      expect((await update).status).toBe('success');
    } finally {
      await store.close();
    }
    const copy = await backend.open(staging);
    try {
      expect(await copy.listRuns({ status: ['running'] })).toEqual([]);
      const run = (await copy.getRun(runId))!;
      expect(run).toMatchObject({ status: 'interrupted', finishedAt: expect.any(String), error: expect.stringMatching(/^copied from the source while it was still running there \(or stopped there, not yet settled\): the batches it had committed then are in this copy/) });
      expect(run.processGone).toBeUndefined();
      expect(run.metrics.added).toBe(committed.added);
      expect(run.batches.succeeded).toBe(committed.batches);
      expect(await copy.countHearings()).toBe(5 + committed.added);
    } finally {
      await copy.close();
    }
  });
});
