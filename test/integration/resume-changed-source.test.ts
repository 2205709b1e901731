import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { GatehouseError } from '../../shared/errors.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { hearingRecords } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * `update --resume` skips the items the run already read by position: over a file that changed
 * since, that skips other records (or stores some twice) with no warning. A run records its file's
 * fingerprint and a resume refuses a file that no longer matches it.
 */
let file: string;
const folder = tempFolderEachTest('gatehouse-resume-source-');
beforeEach(() => {
  file = path.join(folder(), 'hearings.ndjson');
});

const RECORDS = hearingRecords(300);
const SPEC = () => `file:${file}`;

function writeNdjson(records: unknown[]): void {
  fs.writeFileSync(file, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
}

/** A run over the file stopped by its signal after its first batch: 50 of 300 records stored. */
async function interruptedRun(store: Store): Promise<RunSummary> {
  const controller = new AbortController();
  const run = await runUpdate({
    store, source: await openSource(SPEC()), batchSize: 50, batchCeiling: null, signal: controller.signal,
    onEvent: (event: RunEvent) => {
      if (event.type === 'batch-finished') controller.abort();
    },
  });
  expect(run).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });
  return run;
}

async function resumeRefusal(store: Store, runId: number): Promise<GatehouseError> {
  const refused = await runUpdate({ store, source: await openSource(SPEC()), resumeRunId: runId }).then(
    () => null,
    (error: unknown) => error,
  );
  expect(refused).toBeInstanceOf(GatehouseError);
  return refused as GatehouseError;
}

/** Nothing was written by a refused resume: the run is still interrupted at its checkpoint, with its 50 hearings. */
async function expectUntouched(store: Store, run: RunSummary): Promise<void> {
  expect(await store.countHearings()).toBe(50);
  expect(await store.getRun(run.runId)).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });
  expect((await store.getCheckpoint(run.runId))?.nextPosition).toBe(50);
}

describe.each(testBackends())('resuming a file run on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('records the file\'s size, modified time and sampled hash on the run', async () => {
    await withFreshStore(backend, async (store) => {
      writeNdjson(RECORDS);
      const run = await interruptedRun(store);
      const stored = await store.getRun(run.runId);
      expect(stored?.sourceFingerprint).toEqual({
        size: fs.statSync(file).size,
        modifiedAt: fs.statSync(file).mtime.toISOString(),
        sampleSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });
  });

  it('refuses a file replaced by the same records in reverse order, naming the content, and writes nothing', async () => {
    await withFreshStore(backend, async (store) => {
      writeNdjson(RECORDS);
      const run = await interruptedRun(store);
      writeNdjson([...RECORDS].reverse());
      const refused = await resumeRefusal(store, run.runId);
      expect(refused.code).toBe('CONFLICT');
      expect(refused.message).toContain(`run ${run.runId} cannot be resumed`);
      expect(refused.message).toContain('content');
      expect(refused.hint).toContain('start a new run');
      await expectUntouched(store, run);
      // The safe way on: a new run stores the other 250 and finds the first 50 unchanged.
      const fresh = await runUpdate({ store, source: await openSource(SPEC()) });
      expect(fresh.metrics).toMatchObject({ fetched: 300, added: 250, unchanged: 50 });
    });
  });

  it('refuses a file appended to since the run started, naming the size', async () => {
    await withFreshStore(backend, async (store) => {
      writeNdjson(RECORDS);
      const run = await interruptedRun(store);
      fs.appendFileSync(file, JSON.stringify(hearingRecords(1, 900000)[0]) + '\n');
      const refused = await resumeRefusal(store, run.runId);
      expect(refused.code).toBe('CONFLICT');
      expect(refused.message).toMatch(/size [\d,]+ → [\d,]+ bytes/);
      await expectUntouched(store, run);
    });
  });

  it('refuses a same-size edit of a record the run read, past the sampled head, with the modified time put back (touch -r)', async () => {
    await withFreshStore(backend, async (store) => {
      // Records of about 2 KiB: the 40th lies past the first 64 KiB, among the 50 the run stored.
      const wide = hearingRecords(300, 100000, () => ({ witnesses: Array.from({ length: 20 }, (_, n) => ({ name: `Witness ${n}`, organization: 'Institute of Things', position: 'Director' })) }));
      writeNdjson(wide);
      const times = `${file}.times`;
      execFileSync('touch', ['-r', file, times]);
      const size = fs.statSync(file).size;
      const run = await interruptedRun(store);
      const edited = wide.map((record, position) => (position === 40 ? { ...record, title: String(record.title).replace('Oversight', 'Budgeting') } : record));
      writeNdjson(edited);
      execFileSync('touch', ['-r', times, file]);
      expect(fs.statSync(file)).toMatchObject({ size, mtimeMs: fs.statSync(times).mtimeMs });
      const refused = await resumeRefusal(store, run.runId);
      expect(refused.code).toBe('CONFLICT');
      expect(refused.message).toContain(`run ${run.runId} cannot be resumed`);
      expect(refused.message).toContain('content: bytes between its first and last 64 KiB differ');
      expect(refused.message).not.toContain('modified time');
      await expectUntouched(store, run);
    });
  });

  it('resumes a file only touched (same bytes, new modified time): every byte is hashed, so the bytes it skips are the run\'s', async () => {
    await withFreshStore(backend, async (store) => {
      writeNdjson(RECORDS);
      const run = await interruptedRun(store);
      const later = new Date(fs.statSync(file).mtimeMs + 60_000);
      fs.utimesSync(file, later, later);
      const resumed = await runUpdate({ store, source: await openSource(SPEC()), resumeRunId: run.runId });
      expect(resumed).toMatchObject({ runId: run.runId, status: 'success', metrics: { fetched: 300, added: 300 } });
    });
  });

  it('refuses a file only touched when the run recorded no whole-content hash: its modified time is all that tells an edit of the middle', async () => {
    await withFreshStore(backend, async (store) => {
      writeNdjson(RECORDS);
      const run = await interruptedRun(store);
      // What a run recorded before contentSha256 was.
      const { contentSha256: _dropped, ...sampled } = (await store.getRun(run.runId))!.sourceFingerprint!;
      await store.queries.db.updateTable('runs').set({ sourceFingerprintJson: JSON.stringify(sampled) }).where('id', '=', run.runId).execute();
      const later = new Date(fs.statSync(file).mtimeMs + 60_000);
      fs.utimesSync(file, later, later);
      const refused = await resumeRefusal(store, run.runId);
      expect(refused.code).toBe('CONFLICT');
      expect(refused.message).toContain('modified time');
      expect(refused.message).not.toContain('content');
      await expectUntouched(store, run);
    });
  });

  it('stops a run whose file is truncated while it reads it as interrupted, quarantining no cut line, and resumes once the file is put back', async () => {
    await withFreshStore(backend, async (store) => {
      // The engine reads up to 256 items ahead of its batches: the cut, near the 800th of 1,000, lies past them.
      const wide = hearingRecords(1000, 100000, () => ({ witnesses: Array.from({ length: 20 }, (_, n) => ({ name: `Witness ${n}`, organization: 'Institute of Things', position: 'Director' })) }));
      writeNdjson(wide);
      const whole = fs.readFileSync(file);
      const cutAt = whole.indexOf('\n', Math.floor(whole.length * 0.8)) + 100;
      const stopped = await runUpdate({
        store, source: await openSource(SPEC()), batchSize: 50, batchCeiling: null,
        betweenBatches: async (_runId, nextBatch) => {
          if (nextBatch === 2) fs.truncateSync(file, cutAt);
          return null;
        },
      });
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toContain(`cannot read ${file}: it changed while the run read it (${whole.length.toLocaleString('en-US')} bytes when the run opened it`);
      expect(stopped.error).toContain('nothing was blamed on a record');
      expect(stopped.metrics.quarantined).toBe(0);
      expect(await store.listQuarantine()).toEqual([]);
      fs.writeFileSync(file, whole);
      const resumed = await runUpdate({ store, source: await openSource(SPEC()), resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success', metrics: { fetched: 1000, added: 1000, quarantined: 0 } });
      expect(await store.countHearings()).toBe(1000);
    });
  });

  it('resumes over the same file to the result of one clean run', async () => {
    await withFreshStore(backend, async (store) => {
      writeNdjson(RECORDS);
      const run = await interruptedRun(store);
      const resumed = await runUpdate({ store, source: await openSource(SPEC()), resumeRunId: run.runId });
      expect(resumed).toMatchObject({ runId: run.runId, status: 'success', metrics: { fetched: 300, added: 300 } });
      expect(await store.countHearings()).toBe(300);
    });
  });

  it('resumes a run recorded before fingerprints (NULL) as before, without checking the file', async () => {
    await withFreshStore(backend, async (store) => {
      writeNdjson(RECORDS);
      const run = await interruptedRun(store);
      // What migration 014 leaves on every earlier run.
      await store.queries.db.updateTable('runs').set({ sourceFingerprintJson: null }).where('id', '=', run.runId).execute();
      const later = new Date(fs.statSync(file).mtimeMs + 60_000);
      fs.utimesSync(file, later, later);
      const resumed = await runUpdate({ store, source: await openSource(SPEC()), resumeRunId: run.runId });
      expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 300, added: 300 }, sourceFingerprint: null });
    });
  });
});

/** A SQLite file holding an interrupted run over the file, for the command line to resume. */
async function interruptedRunInFile(): Promise<{ db: string; runId: number }> {
  const db = path.join(folder(), 'gatehouse.db');
  writeNdjson(RECORDS);
  const { openStore } = await import('../../main/store/index.js');
  const store = await openStore(db);
  try {
    return { db, runId: (await interruptedRun(store)).runId };
  } finally {
    await store.close();
  }
}

describe('gatehouse update --resume over a changed file', () => {
  it('records the fingerprint of a run started from the command line, so its resume is checked', () => {
    const db = path.join(folder(), 'gatehouse.db');
    writeNdjson(RECORDS);
    const started = runCli(['update', '--db', db, '--source', SPEC()]);
    expect(started.code).toBe(0);
    const shown = runCli(['runs', 'show', '1', '--db', db, '--json']);
    expect(JSON.parse(shown.stdout).sourceFingerprint).toMatchObject({ size: fs.statSync(file).size });
  });

  it('resumes from the command line over the same file to the result of one clean run', async () => {
    const { db, runId } = await interruptedRunInFile();
    const resumed = runCli(['update', '--db', db, '--resume', String(runId), '--source', SPEC()]);
    expect(resumed.stderr).not.toContain('cannot be resumed');
    expect(resumed.code).toBe(0);
    const shown = runCli(['runs', 'show', String(runId), '--db', db, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'success', metrics: { added: 300 } });
  });

  it('exits 2 naming what changed, and leaves the run interrupted', async () => {
    const { db, runId } = await interruptedRunInFile();
    writeNdjson([...RECORDS].reverse());
    const refused = runCli(['update', '--db', db, '--resume', String(runId), '--source', SPEC()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`run ${runId} cannot be resumed: ${SPEC()} changed since the run started`);
    expect(refused.stderr).toContain('start a new run');
    const shown = runCli(['runs', 'show', String(runId), '--db', db, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });
  });
});
