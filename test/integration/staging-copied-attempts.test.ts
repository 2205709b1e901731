import { afterAll, describe, expect, it } from 'vitest';
import { beginAttempt, listAttempts, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { copyToStaging } from '../../main/store/index.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A staging copy carries the source's writer attempts (the audit), and with them an attempt the
 * source had open as it was copied — a rollback under way there, in this very process. The copy
 * showed it running in staging, for good (nothing in staging ever ends it), and its next writer
 * settled it as killed or crashed, of a process alive and well on the source.
 */
describe.each(testBackends())('a staging copy made while the source had a rollback under way ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('says the copied attempt had not ended on the source when copied, and that nothing of it is in the copy; the source keeps it open', async () => {
    const source = await backend.freshLocation();
    const staging = await backend.freshLocation();
    const store = await backend.open(source);
    let attemptId: number;
    try {
      const { runId } = await runUpdate({ store, source: arraySource(hearingRecords(5)) });
      await rollback(store, { runId, batchSeq: 1, reason: 'an earlier, finished one', operator: 'support-sam' });
      // What a rollback writes as it starts, under the writer lock, before its one transaction.
      attemptId = await beginAttempt(store, { operation: `a rollback of run ${runId}`, operator: 'support-ann', at: new Date() });
      await copyToStaging(source, staging, (location) => backend.open(location));
      expect((await listAttempts(store)).find((attempt) => attempt.id === attemptId)).toMatchObject({ outcome: null, endedAt: null });
    } finally {
      await store.close();
    }
    const copy = await backend.open(staging);
    try {
      const copied = await listAttempts(copy);
      expect(copied.find((attempt) => attempt.operator === 'support-sam')).toMatchObject({ outcome: 'succeeded' });
      expect(copied.find((attempt) => attempt.operator === 'support-ann')).toMatchObject({
        outcome: 'unfinished',
        endedAt: expect.any(String),
        detail: expect.stringMatching(/^copied from the source before it ended there: nothing of it is in this copy/),
      });
      // The copy's first writer leaves it as the copy said it.
      await rollback(copy, { runId: 1, reason: 'staging clean-up', operator: 'support-sam' });
      expect((await listAttempts(copy)).find((attempt) => attempt.operator === 'support-ann')).toMatchObject({ detail: expect.stringMatching(/^copied from the source/) });
    } finally {
      await copy.close();
    }
  });
});
