import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rollback, undoJournal } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource, type RecordSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { GatehouseError } from '../../shared/errors.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { fakeCongressSource, startFakeCongress, stopAtDetail } from '../helpers/congress-server.js';
import { hearingRecord, hearingRecords } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A resume skips what its run already did: by position (a file) or by the keys its batches
 * handled (Congress.gov). Rolling back one batch of a run that can still be resumed undid the
 * batch's writes but left its positions and keys counted as done, so the resume skipped those
 * records: lost, neither stored nor quarantined. A batch rollback of a resumable run is now
 * refused, changing nothing; the run resumes and stores every record, and its batches can be
 * rolled back once it has ended.
 */
const folder = tempFolderEachTest('gatehouse-rb-resumable-');

const NOW = new Date('2025-03-08T00:00:00Z');
const RECENT = '2025-03-06T12:00:00Z';

/**
 * Stopped by its signal once `batches` batches of 50 have committed, or when `armStop` calls for it:
 * a state, not a clock. A Congress.gov run commits every meeting it fetched before it stops, so it is
 * stopped at a detail request instead (see the Congress.gov case).
 */
async function interruptedRun(store: Store, source: RecordSource, batches: number, armStop?: (stop: () => void) => void): Promise<RunSummary> {
  const controller = new AbortController();
  armStop?.(() => controller.abort());
  let finished = 0;
  const run = await runUpdate({
    store, source, batchSize: 50, batchCeiling: null, signal: controller.signal, clock: () => NOW,
    onEvent: (event: RunEvent) => {
      if (!armStop && event.type === 'batch-finished' && ++finished === batches) controller.abort();
    },
  });
  expect(run).toMatchObject({ status: 'interrupted', metrics: { added: 50 * batches } });
  return run;
}

async function refusal(work: Promise<unknown>): Promise<GatehouseError> {
  const error = await work.then(() => null, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
}

function expectAccountedFor(run: RunSummary): void {
  const { fetched, added, updated, unchanged, quarantined } = run.metrics;
  expect(fetched).toBe(added + updated + unchanged + quarantined);
}

/** The batch rollback is refused (dry run too) and changes nothing: no event, batches and hearings as they were. */
async function expectBatchRollbackRefused(store: Store, run: RunSummary, stored: number, status = 'interrupted'): Promise<void> {
  for (const dryRun of [true, false]) {
    const error = await refusal(rollback(store, { runId: run.runId, batchSeq: 1, dryRun, reason: 'bad batch' }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(new RegExp(`refusing to roll back batch 1 of run ${run.runId}: the run is ${status} and can still be resumed`));
    expect(error.message).toMatch(/nothing was changed/);
    expect(error.hint).toMatch(/update --resume/);
  }
  expect(await store.countHearings()).toBe(stored);
  expect(await undoJournal(store).listEvents({ runId: run.runId })).toEqual([]);
  const detail = await store.getRun(run.runId);
  expect(detail?.status).toBe(status);
  expect(detail?.batchList.map((batch) => batch.status)).not.toContain('rolled_back');
}

describe.each(testBackends())('rolling back a batch of a run that can still be resumed, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('a file source: refused; the resume stores every record, and once the run ended the batch rolls back', async () => {
    const file = path.join(folder(), 'hearings.ndjson');
    const records = hearingRecords(150);
    fs.writeFileSync(file, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    await withFreshStore(backend, async (store) => {
      const run = await interruptedRun(store, await openSource(`file:${file}`), 2);
      await expectBatchRollbackRefused(store, run, 100);

      const resumed = await runUpdate({ store, source: await openSource(`file:${file}`), resumeRunId: run.runId, batchSize: 50, batchCeiling: null, clock: () => NOW });
      expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 150, added: 150, quarantined: 0 } });
      expectAccountedFor(resumed);
      const stored = await store.loadHearings(records.map((record) => String(record.eventId)));
      expect(stored.size).toBe(150);
      expect(await store.listQuarantine({ runId: run.runId })).toEqual([]);

      // Ended, the run skips nothing any more: its batch rolls back, and the audit records it.
      const report = await rollback(store, { runId: run.runId, batchSeq: 1, reason: 'bad batch' });
      expect(report.counts.deleted).toBe(50);
      expect(await store.countHearings()).toBe(100);
      expect(await undoJournal(store).listEvents({ runId: run.runId })).toMatchObject([{ batchSeq: 1, deleted: 50, reason: 'bad batch' }]);
    });
  });

  it('a Congress.gov source: refused; the resume stores every meeting, none quarantined', async () => {
    const feed = { house: Array.from({ length: 120 }, (_, i) => hearingRecord(400000 + i, { updateDate: RECENT })), senate: [] as Record<string, unknown>[] };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    const source = () => fakeCongressSource(server, () => NOW);
    try {
      await withFreshStore(backend, async (store) => {
        // Asked for the 101st detail, it stops with the 100 fetched before it committed in two batches.
        const run = await interruptedRun(store, source(), 2, (stop) => stopAtDetail(server, 101, stop));
        await expectBatchRollbackRefused(store, run, 100);

        const resumed = await runUpdate({ store, source: source(), resumeRunId: run.runId, batchSize: 50, batchCeiling: null, clock: () => NOW });
        expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 120, added: 120, quarantined: 0 } });
        expectAccountedFor(resumed);
        expect((await store.loadHearings(feed.house.map((record) => String(record.eventId)))).size).toBe(120);
        expect(await store.listQuarantine({ runId: run.runId })).toEqual([]);
      });
    } finally {
      await server.close();
    }
  });

  // The message is PostgreSQL's: only that backend reads it as a lost connection (and resumes the run).
  it.runIf(backend.name === 'postgres')('a run recorded as failed on a lost connection resumes too: refused all the same', async () => {
    const file = path.join(folder(), 'hearings.ndjson');
    fs.writeFileSync(file, hearingRecords(150).map((record) => JSON.stringify(record)).join('\n') + '\n');
    await withFreshStore(backend, async (store) => {
      const run = await interruptedRun(store, await openSource(`file:${file}`), 2);
      // As versions before transient faults stopped runs as interrupted recorded such a run.
      await store.queries.db.updateTable('runs').set({ status: 'failed', error: 'terminating connection due to administrator command' }).where('id', '=', run.runId).execute();
      await expectBatchRollbackRefused(store, run, 100, 'failed');
      const resumed = await runUpdate({ store, source: await openSource(`file:${file}`), resumeRunId: run.runId, batchSize: 50, batchCeiling: null, clock: () => NOW });
      expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 150, added: 150 } });
      expect(await store.countHearings()).toBe(150);
    });
  });

  it('rolling back the whole interrupted run is still allowed, and the run is then no longer resumable', async () => {
    const file = path.join(folder(), 'hearings.ndjson');
    fs.writeFileSync(file, hearingRecords(150).map((record) => JSON.stringify(record)).join('\n') + '\n');
    await withFreshStore(backend, async (store) => {
      const run = await interruptedRun(store, await openSource(`file:${file}`), 2);
      const report = await rollback(store, { runId: run.runId, reason: 'wrong file' });
      expect(report).toMatchObject({ runRolledBack: true, counts: { deleted: 100 } });
      const error = await refusal(runUpdate({ store, source: await openSource(`file:${file}`), resumeRunId: run.runId }));
      expect(error.message).toMatch(/is rolled_back; only an interrupted run can be resumed/);
    });
  });
});
