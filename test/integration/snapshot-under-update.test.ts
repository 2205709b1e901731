import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { listSnapshots } from '../../main/backup/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { waitForCheckpoint } from '../helpers/checkpoints.js';
import { runCli, startCli } from '../helpers/cli.js';
import { hearingRecords } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A manual snapshot taken while an update was half-way through copied its run as `running`;
 * restoring that snapshot brought back a run no process was doing. `backups create` and the
 * console's backups.create take the writer lock first, as a restore does, and refuse while a
 * real update (a child process, held inside its second batch) holds it. On SQLite the refusal
 * comes from the lock row, read before any write transaction: it does not first wait out the
 * busy timeout behind the update's open batch (the message says when it had to).
 */
/**
 * Whether another connection holds SQLite's write lock now, asked with no busy wait: BEGIN
 * IMMEDIATE with a zero timeout either gets the lock (given straight back) or says SQLITE_BUSY.
 */
function sqliteWriteLocked(file: string): boolean {
  const probe = new Database(file, { timeout: 0 });
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    probe.close();
  }
}

const folder = tempFolderEachTest('gatehouse-snapshot-lock-');

describe.each(testBackends())('a manual snapshot while an update runs on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('is refused at once with LOCK_HELD (exit 5) on the CLI and on the API, naming the run, and no snapshot is written', async () => {
    const location = await backend.freshLocation();
    const file = path.join(folder(), 'hearings.ndjson');
    fs.writeFileSync(file, `${hearingRecords(50, 900000).map((record) => JSON.stringify(record)).join('\n')}\n`);
    // Batch 1 (positions 0–19) commits with its checkpoint; the process then stops for good inside batch 2's transaction.
    const update = startCli(['update', '--db', location, '--source', `file:${file}`, '--batch-size', '20', '--no-snapshot', '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_HANG_WRITE: '900030' });
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      await waitForCheckpoint(backend, location, 1, (checkpoint) => checkpoint.batchSeq === 1);
      // Inside batch 2's open write transaction, where a BEGIN IMMEDIATE would sit out the whole busy timeout.
      if (backend.name === 'sqlite') await expect.poll(() => sqliteWriteLocked(location)).toBe(true);

      const fromCli = runCli(['backups', 'create', '--db', location, '--json']);
      expect(fromCli.code, fromCli.stderr).toBe(5);
      expect(fromCli.stderr).toMatch(/cannot take a snapshot: an update \(run 1\) started by \S+ at \d{4}-\S+ holds /);
      // Named from the lock row at once, as PostgreSQL's try-lock does: not after waiting out the update's write transaction.
      expect(fromCli.stderr).not.toMatch(/busy/);
      expect(JSON.parse(fromCli.stdout)).toEqual({ error: expect.objectContaining({ code: 'LOCK_HELD' }) });

      const api = createApi({ store, engine, transport: 'http', databaseLocation: location });
      const fromApi = await dispatch(api, 'backups.create', {}, tester);
      expect(fromApi).toMatchObject({ ok: false, error: { code: 'LOCK_HELD', message: expect.stringMatching(/cannot take a snapshot: an update \(run 1\) started by \S+ at \d{4}-\S+ holds /) } });
      expect(fromApi).toMatchObject({ ok: false, error: { message: expect.not.stringMatching(/busy/) } });

      expect(await listSnapshots(store)).toEqual([]);
      expect((await store.getRun(1))?.status).toBe('running');
    } finally {
      update.child.kill('SIGKILL');
      await update.done;
      await engine.close();
      await store.close();
    }
  });
});
