import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

/**
 * A run's metrics keep one key order whichever mode wrote it: an all-or-nothing run printed
 * `rolledBack` before `fetchErrors` and `duplicates` and a batch run after them, in `update --json`
 * and in the stored run `runs show` and `runs list` read back, so a list of runs mixed two layouts.
 */
const ORDER = ['fetched', 'added', 'updated', 'unchanged', 'quarantined', 'durationMs', 'fetchErrors', 'duplicates', 'rolledBack'];

describe.each(testBackends())('run metrics on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('list their keys in one order in a batch run and in an all-or-nothing run, as printed and as stored', async () => {
    await withFreshStore(backend, async (store) => {
      const batch = await runUpdate({ store, source: arraySource([hearingRecord(1)]) });
      const whole = await runUpdate({ store, source: arraySource([hearingRecord(2)]), mode: 'all-or-nothing' });
      for (const summary of [batch, whole]) {
        expect(Object.keys(summary.metrics), summary.mode).toEqual(ORDER);
        expect(Object.keys((await store.getRun(summary.runId))!.metrics), `stored ${summary.mode} run`).toEqual(ORDER);
      }
    });
  });
});
