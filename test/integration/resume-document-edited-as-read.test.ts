import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { RunEvent } from '../../shared/run.js';
import { GatehouseError } from '../../shared/errors.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { hearingRecords } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A JSON document (not NDJSON) is read whole at the source's opening, after its fingerprint was taken
 * from the file: an edit landing between the two was read and never fingerprinted. On a resume, the
 * fingerprint matched the run's, the edited document was read, and the resume skipped by position
 * items the run never read. NDJSON is checked as it is read (ndjson.ts); a document is now
 * fingerprinted from the very bytes it parsed, so the resume is refused as any changed file is.
 */
const edit = vi.hoisted(() => ({ beforeNextRead: null as (() => void) | null }));
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  return {
    ...real,
    readFile: ((...args: Parameters<typeof real.readFile>) => {
      const pending = edit.beforeNextRead;
      edit.beforeNextRead = null;
      pending?.();
      return real.readFile(...args);
    }) as typeof real.readFile,
  };
});

const folder = tempFolderEachTest('gatehouse-resume-document-');
const RECORDS = hearingRecords(300);

describe.each(testBackends())('resuming a JSON-document run on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('refuses a document edited as the resume opened it (after its fingerprint, before its read), as ndjson is refused, and writes nothing', async () => {
    const file = path.join(folder(), 'hearings.json');
    fs.writeFileSync(file, JSON.stringify(RECORDS));
    await withFreshStore(backend, async (store) => {
      const controller = new AbortController();
      const run = await runUpdate({
        store, source: await openSource(`file:${file}`), batchSize: 50, batchCeiling: null, signal: controller.signal,
        onEvent: (event: RunEvent) => {
          if (event.type === 'batch-finished') controller.abort();
        },
      });
      expect(run).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });

      // The same records in reverse order, the same size: every position the run skips is another record.
      edit.beforeNextRead = () => fs.writeFileSync(file, JSON.stringify([...RECORDS].reverse()));
      const source = await openSource(`file:${file}`);
      expect(edit.beforeNextRead).toBeNull();
      const refused = await runUpdate({ store, source, resumeRunId: run.runId }).then(() => null, (error: unknown) => error);
      expect(refused).toBeInstanceOf(GatehouseError);
      expect((refused as GatehouseError).message).toBe(`run ${run.runId} cannot be resumed: file:${file} changed since the run started (content: its first or last 64 KiB differ)`);
      expect(await store.countHearings()).toBe(50);
      expect(await store.getRun(run.runId)).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });
    });
  });
});
