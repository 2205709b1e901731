import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { hearingRecords } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A file source that could be read when its run (or its resume) started and cannot be by the time
 * the run reads it — moved away, renamed back a minute later — is an outage of the source, not a
 * fault of the run's: the run ends `interrupted`, naming the file, and resumes once the file is
 * back, each record written once. Before, it ended `failed`, which nothing resumes.
 */
const RECORDS = 300;

describe.each(testBackends())('a file source that goes away mid-run, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const folder = tempFolderEachTest('gatehouse-file-gone-');

  function fileOfHearings(): { file: string; moved: string } {
    const file = path.join(folder(), 'hearings.ndjson');
    fs.writeFileSync(file, hearingRecords(RECORDS).map((record) => JSON.stringify(record)).join('\n') + '\n');
    return { file, moved: `${file}.away` };
  }

  /** An update (or a resume) over the file that moves it away as soon as the run exists, before the run reads it. */
  async function runWhileMovingAway(store: Store, file: string, moved: string, resumeRunId?: number) {
    const source = await openSource(`file:${file}`);
    const onEvent = (event: RunEvent) => {
      if (event.type === 'run-started') fs.renameSync(file, moved);
    };
    return runUpdate({ store, source, batchSize: 50, onEvent, ...(resumeRunId === undefined ? {} : { resumeRunId }) });
  }

  const hearings = async (store: Store) => Number((await store.queries.db.selectFrom('hearings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('ends a first run interrupted, naming the file, and the run resumes once the file is back', async () => {
    const { file, moved } = fileOfHearings();
    await withFreshStore(backend, async (store) => {
      const stopped = await runWhileMovingAway(store, file, moved);
      expect(stopped).toMatchObject({ status: 'interrupted', error: `the source failed: cannot read ${file}: not found; nothing was blamed on a record — resume with --resume ${stopped.runId}` });
      fs.renameSync(moved, file);
      const resumed = await runUpdate({ store, source: await openSource(`file:${file}`), batchSize: 50, resumeRunId: stopped.runId });
      expect(resumed).toMatchObject({ runId: stopped.runId, status: 'success', metrics: { fetched: RECORDS, added: RECORDS, quarantined: 0 } });
      expect(await hearings(store)).toBe(RECORDS);
    });
  });

  it('ends a resume interrupted, not failed, and the next resume finishes the run with every record once', async () => {
    const { file, moved } = fileOfHearings();
    await withFreshStore(backend, async (store) => {
      // The run stopped after its first batch, as a Ctrl-C would.
      const stop = new AbortController();
      const first = await runUpdate({ store, source: await openSource(`file:${file}`), batchSize: 50, signal: stop.signal, onEvent: (event) => event.type === 'batch-finished' && stop.abort('by the test') });
      expect(first).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });

      const resumed = await runWhileMovingAway(store, file, moved, first.runId);
      expect(resumed).toMatchObject({ runId: first.runId, status: 'interrupted', error: `the source failed: cannot read ${file}: not found; nothing was blamed on a record — resume with --resume ${first.runId}` });
      fs.renameSync(moved, file);
      const finished = await runUpdate({ store, source: await openSource(`file:${file}`), batchSize: 50, resumeRunId: first.runId });
      expect(finished).toMatchObject({ runId: first.runId, status: 'success', metrics: { fetched: RECORDS, added: RECORDS, quarantined: 0 } });
      expect(await hearings(store)).toBe(RECORDS);
    });
  });
});
