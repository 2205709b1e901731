import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { tester } from '../helpers/callers.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

const folder = tempFolderEachTest('gatehouse-live-counts-');

/**
 * A run still being written by another process (a CLI update, under the console) kept the zeros its
 * row starts with until it ended: runs show/list and the console said "0 fetched, 0 batches" while
 * its batches committed. It is read with its last checkpoint's counts, as a killed one is.
 */
describe.each(testBackends())('a run going on in another process, read meanwhile, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('counts its committed batches in runs show, runs list and the console, and ends with the counts it would have without readers', async () => {
    const location = await backend.freshLocation();
    const fifo = path.join(folder(), 'go-on');
    execFileSync('mkfifo', [fifo]);
    const update = startCli(['update', '--db', location, '--source', 'synthetic:seed=249,count=400', '--batch-size', '50', '--no-snapshot', '--json'], {
      GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_AFTER_BATCH: '2',
    });
    try {
      await printed(update, /test seam: paused at batch 2 committed/);
      const shown = runCli(['runs', 'show', '1', '--db', location, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      const going = JSON.parse(shown.stdout) as { status: string; processGone?: object; metrics: Record<string, number>; batches: Record<string, number>; batchList: { status: string; added: number }[] };
      expect(going.status).toBe('running');
      expect(going.processGone).toBeUndefined();
      const committed = going.batchList.filter((batch) => batch.status === 'committed');
      expect(committed).toHaveLength(2);
      // Before: {"total": 0, "succeeded": 0, …} and 0 added beside the two committed batches listed under them.
      expect(going.batches).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
      expect(going.metrics.added).toBe(committed.reduce((sum, batch) => sum + batch.added, 0));
      expect(going.metrics.fetched).toBeGreaterThanOrEqual(100);

      const listed = JSON.parse(runCli(['runs', 'list', '--db', location, '--json']).stdout) as { metrics: object; batches: object }[];
      expect(listed).toEqual([expect.objectContaining({ runId: 1, status: 'running', metrics: going.metrics, batches: going.batches })]);
      const table = runCli(['runs', 'list', '--db', location]).stdout;
      expect(table).toMatch(new RegExp(`^1\\s+running\\s+batch\\s+—\\s+\\S+\\s+${going.metrics.fetched}\\s+${going.metrics.added}\\s`, 'm'));

      const store = await backend.open(location);
      const api = createApi({ store, engine: createInProcessEngineHost({ location }), transport: 'http', databaseLocation: location });
      try {
        expect((await api['runs.list']({ limit: 1 }, tester))[0]).toMatchObject({ runId: 1, metrics: going.metrics, batches: going.batches });
        expect((await api['runs.get']({ runId: 1 }, tester))).toMatchObject({ metrics: going.metrics, batches: going.batches });
        expect((await api['overview.get']({ windowDays: 7 }, tester)).recentRuns[0]).toMatchObject({ runId: 1, metrics: going.metrics, batches: going.batches });
      } finally {
        await store.close();
      }
    } finally {
      fs.writeFileSync(fifo, 'go on\n');
    }
    const finished = await update.done;
    expect(finished.code, finished.stderr).toBe(0);
    // The run's own reads of its row are not changed by the counts readers see: it ends with every record counted once.
    const summary = JSON.parse(finished.stdout) as { status: string; metrics: Record<string, number>; batches: Record<string, number> };
    expect(summary).toMatchObject({ status: 'success', metrics: { fetched: 400, added: 400 }, batches: { failed: 0, succeeded: summary.batches.total } });
    const stored = JSON.parse(runCli(['runs', 'show', '1', '--db', location, '--json']).stdout) as object;
    expect(stored).toMatchObject({ metrics: summary.metrics, batches: summary.batches });
  }, 120_000);
});
