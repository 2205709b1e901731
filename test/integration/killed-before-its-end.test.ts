import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * An update killed (kill -9) after its last batch committed, before its reconciliation and the
 * run's end were written: `runs show` and `runs list` read the run's row as it was created — nothing
 * fetched, no batches — beside its two committed batches, until the next writer marked it
 * interrupted with its checkpoint's counts. They read those counts now; the resume then finishes
 * it, reconciled, as one uninterrupted run of the same records.
 */
const folder = tempFolderEachTest('gatehouse-killed-before-end-');

describe.each(testBackends())('an update killed after its last batch, before its end was written, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('is shown with its committed counts before any writer marks it, and its resume ends it reconciled as a clean run', async () => {
    const location = await backend.freshLocation();
    const source = 'synthetic:seed=5,count=100';
    const fifo = path.join(folder(), 'never-written');
    execFileSync('mkfifo', [fifo]);
    const update = startCli(['update', '--db', location, '--source', source, '--batch-size', '50', '--no-snapshot', '--json'], {
      GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_AFTER_BATCH: '2',
    });
    await printed(update, /test seam: paused at batch 2 committed/);
    update.child.kill('SIGKILL');
    expect((await update.done).signal).toBe('SIGKILL');

    const committed = { metrics: expect.objectContaining({ fetched: 100, added: 100, quarantined: 0 }), batches: { total: 2, succeeded: 2, failed: 0, isolated: 0 } };
    const shown = runCli(['runs', 'show', '1', '--db', location, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ runId: 1, processGone: expect.any(Object), resumable: true, reconciliation: null, ...committed });
    const listed = runCli(['runs', 'list', '--db', location, '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ runId: 1, processGone: expect.any(Object), ...committed })]);

    const resumed = runCli(['update', '--db', location, '--source', source, '--resume', '1', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: 1, status: 'success', ...committed, reconciliation: { ok: true, problems: [] } });
    const after = JSON.parse(runCli(['runs', 'show', '1', '--db', location, '--json']).stdout) as Record<string, unknown>;
    expect(after).toMatchObject({ status: 'success', ...committed, reconciliation: { ok: true } });
    expect(after).not.toHaveProperty('processGone');
  }, 60_000);
});
